"""The one place that names which modules contribute a section to the daily report."""

from __future__ import annotations

from fangkong.reports.sections import Section


def sections() -> list[Section]:
    """Each module's `report.SECTION`, in the order of the report's columns."""
    found: list[Section] = []
    return found
