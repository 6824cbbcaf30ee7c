"""Registry test helpers: the demo grids and valid resident ID numbers."""

from __future__ import annotations

from datetime import date

from fangkong.registry.validators import id_check_character

GRID1 = "220102001001001"  # grid1's grid (南关区 南岭街道)
GRID1_NEIGHBOUR = "220102001001002"  # same community, another grid
GRID2 = "220104001001001"  # grid2's grid (朝阳区)


def resident_id(birth: date, sequence: int, *, region: str = "220102") -> str:
    """A valid 18-character resident ID number; an odd sequence is a man, even a woman."""
    first17 = f"{region}{birth:%Y%m%d}{sequence:03d}"
    return first17 + id_check_character(first17)
