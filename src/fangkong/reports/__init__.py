"""日报 · 指挥大屏 · 信息发布: the daily report, the dashboard, the public bulletin."""
