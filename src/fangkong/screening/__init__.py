"""网格化排查: screening rounds, door-to-door visits, follow-ups and coverage at every level."""
