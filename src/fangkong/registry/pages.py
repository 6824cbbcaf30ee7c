"""The registry's pages: persons and households, for a grid worker at the door."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
