"""A small valid outline for the shape tests."""

from __future__ import annotations

from typing import Any


def square(west: float, south: float = 43.8, size: float = 0.05) -> dict[str, Any]:
    ring = [[west, south], [west + size, south], [west + size, south + size],
            [west, south + size], [west, south]]
    return {"type": "Polygon", "coordinates": [ring]}
