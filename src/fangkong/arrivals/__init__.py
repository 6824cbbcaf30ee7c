"""流入人员登记: key areas and their rules, checkpoints, arrivals, routing, staggered return."""
