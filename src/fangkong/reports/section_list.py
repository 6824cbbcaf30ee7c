"""The one place that names which modules contribute a section to the daily report."""

from __future__ import annotations

from fangkong.arrivals import report as arrivals
from fangkong.quarantine import report as quarantine
from fangkong.registry import report as registry
from fangkong.reports.sections import Section
from fangkong.screening import report as screening
from fangkong.testing import report as testing


def sections() -> list[Section]:
    """Each module's `report.SECTION`, in the order of the report's columns."""
    return [registry.SECTION, screening.SECTION, arrivals.SECTION, quarantine.SECTION,
            quarantine.SUPPORT_SECTION, testing.SECTION]
