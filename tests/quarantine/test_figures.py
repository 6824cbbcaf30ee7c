"""Figures for any area and day: every level is the sum of its children."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

from quarantine_helpers import (
    GRID1,
    GRID1_NEIGHBOUR,
    GRID2,
    at_local,
    days_ago,
    make_household,
    make_site,
    members_of,
    today,
)
from quarantine_helpers import quarantine as start
from sqlalchemy.orm import Session

from fangkong.quarantine.actions import do_end_early
from fangkong.quarantine.checks import do_record_check
from fangkong.quarantine.codes import QuarantineKind
from fangkong.quarantine.figures import KEYS, quarantine_figures
from fangkong.quarantine.schemas import SupportCreate
from fangkong.quarantine.support import do_request_support
from fangkong.scope import SYSTEM
from fangkong.settings import Settings


def build(db: Session) -> None:
    """Quarantines of each kind in three grids of two districts, with checks, alerts and a
    request; one ended."""
    site = make_site(db, rooms="1-4")
    yesterday_morning = at_local(days_ago(1), 7)
    for grid, kinds, names in ((GRID1, "hcm", "甲乙丙"), (GRID1_NEIGHBOUR, "hh", "丁戊"),
                               (GRID2, "mc", "己庚")):
        household = make_household(db, grid, members=tuple(f"居民{name}" for name in names))
        for person, letter in zip(members_of(db, household), kinds, strict=True):
            kind = {"h": QuarantineKind.HOME, "c": QuarantineKind.CENTRALISED,
                    "m": QuarantineKind.MONITORING}[letter]
            row = start(db, person, kind=kind, start=days_ago(1), now=yesterday_morning,
                        site=site if letter == "c" else None)
            do_record_check(db, actor=SYSTEM, quarantine=row, temperature="37.6",
                            symptoms=[], now=at_local(days_ago(1), 8))
            do_record_check(db, actor=SYSTEM, quarantine=row, temperature="36.6",
                            symptoms=[], now=at_local(days_ago(1), 9))
    ended = start(db, members_of(db, make_household(db, GRID2, members=("结束",)))[0],
                  start=days_ago(1), now=yesterday_morning)
    do_end_early(db, actor=SYSTEM, quarantine=ended, reason="误录", now=at_local(days_ago(1), 12))
    do_request_support(db, actor=SYSTEM, quarantine=row, data=SupportCreate(category="food"))


def summed(rows: dict[str, dict[str, int]]) -> Counter[str]:
    total: Counter[str] = Counter()
    for row in rows.values():
        total.update(row)
    return total


def test_every_level_is_the_sum_of_its_children(db: Session, settings: Settings) -> None:
    build(db)
    day = days_ago(1)
    for prefix, digits in (("2201", 6), ("220102", 9), ("220102001", 12), ("220102001001", 15)):
        children = quarantine_figures(db, settings, prefix, digits, day)
        parent = quarantine_figures(db, settings, prefix, len(prefix), day)[prefix]
        total = summed(children)
        expected = {key: parent.get(key, 0) for key in KEYS}
        assert {key: total[key] for key in KEYS} == expected, prefix
    assert set(quarantine_figures(db, settings, "2201", 6, day)) == {"220102", "220104"}
    assert len(quarantine_figures(db, settings, "220102001001", 15, day)) == 2


def test_the_figures_count_what_happened(db: Session, settings: Settings) -> None:
    build(db)
    rows = quarantine_figures(db, settings, "220102", 15, days_ago(1))
    grid1 = rows[GRID1]
    assert (grid1["under_home"], grid1["under_centralised"], grid1["under_monitoring"]) == (
        1, 1, 1)
    assert grid1["new_home"] == grid1["new_centralised"] == 1
    assert grid1["checks_done"] == 6
    assert grid1["checks_expected"] == 6  # three quarantines, both windows of the day
    assert grid1["checks_missing"] == 3  # the evening window
    assert rows[GRID1_NEIGHBOUR]["under_home"] == 2
    far = quarantine_figures(db, settings, "220104", 15, days_ago(1))[GRID2]
    assert far["ended_early"] == 1
    assert far["alerts_open"] == 2  # two fevers at 37.6
    assert far["support_open"] == 1
    assert far["checks_expected"] == 2 * 2 + 1  # the ended one had its morning window only
    assert far["checks_missing"] == 2 + 1
    today_rows = quarantine_figures(db, settings, "220102", 15, today() + timedelta(days=1))
    assert today_rows[GRID1]["checks_expected"] == 0  # nothing has closed tomorrow yet
