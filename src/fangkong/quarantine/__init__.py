"""隔离管理: home and centralised quarantine, sites, checks, alerts, release, life support."""
