"""区划与网格 · 包保: the area tree and the leaders responsible for each area."""
