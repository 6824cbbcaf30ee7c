"""How fast the demo population generator makes persons: 1,000,000 by default.

Usage: python bench/bench_generate.py [PERSONS] [SEED]
Prints persons, households, wall and CPU seconds and persons per second. The persons are
consumed as they are generated (as a bulk load would), not kept in memory.
"""

from __future__ import annotations

import sys
import time

from fangkong.areas.demo import DemoSize, tree_rows
from fangkong.registry.generate import generate_households


def main(persons: int, seed: int) -> None:
    grids = [str(row["code"]) for row in tree_rows("2201", DemoSize(), seed)
             if row["level"] == "grid"]
    wall, cpu = time.perf_counter(), time.process_time()
    households = made = 0
    for household in generate_households(grids, persons, seed):
        households += 1
        made += len(household.members)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    print(f"persons            {made:>12,}")
    print(f"households         {households:>12,} over {len(grids)} grids")
    print(f"wall seconds       {wall:>12.2f}")
    print(f"cpu seconds        {cpu:>12.2f}")
    print(f"persons per second {made / wall:>12,.0f}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000,
         int(sys.argv[2]) if len(sys.argv) > 2 else 2020)
