"""Testing figures for any area and day: every level is the sum of its children.
(`testing_figures` is imported under another name: pytest would collect it as a test.)"""

from __future__ import annotations

from collections import Counter

from sqlalchemy.orm import Session
from testing_helpers import (
    GRID1,
    GRID1_NEIGHBOUR,
    GRID2,
    GRID2_NEIGHBOUR,
    collect,
    hours_ago,
    make_persons,
    today,
)

from fangkong.scope import SYSTEM
from fangkong.settings import Settings
from fangkong.testing.actions import do_record_result
from fangkong.testing.figures import KEYS
from fangkong.testing.figures import testing_figures as figures_of


def build(db: Session) -> None:
    """Tubes in four grids of two districts: negative, positive single, positive pool, pending."""
    first = 800
    for grid in (GRID1, GRID1_NEIGHBOUR, GRID2, GRID2_NEIGHBOUR):
        persons = make_persons(db, grid, count=5, first=first)
        first += 10
        tubes = [collect(db, [persons[0]], f"FIG-{grid}-1", at=hours_ago(3)),
                 collect(db, [persons[1]], f"FIG-{grid}-2", at=hours_ago(3)),
                 collect(db, persons[2:], f"FIG-{grid}-3", at=hours_ago(3))]
        for sample, result in zip(tubes, ("negative", "positive", "positive"), strict=True):
            if grid != GRID2_NEIGHBOUR or result == "negative":
                do_record_result(db, actor=SYSTEM, sample=sample, result=result,
                                 reported_at=hours_ago(1), lab="中心")


def summed(rows: dict[str, dict[str, int]]) -> Counter[str]:
    total: Counter[str] = Counter()
    for row in rows.values():
        total.update(row)
    return total


def test_every_level_is_the_sum_of_its_children(db: Session, settings: Settings) -> None:
    build(db)
    day = today()
    for prefix, digits in (("2201", 6), ("220102", 9), ("220102001", 12), ("220102001001", 15),
                           ("220104001001", 15)):
        children = figures_of(db, settings, prefix, digits, day)
        parent = figures_of(db, settings, prefix, len(prefix), day)[prefix]
        total = summed(children)
        assert {key: total[key] for key in KEYS} == {key: parent[key] for key in KEYS}, prefix
    assert set(figures_of(db, settings, "220102001001", 15, day)) >= {GRID1,
                                                                          GRID1_NEIGHBOUR}


def test_the_figures_count_what_happened(db: Session, settings: Settings) -> None:
    before = figures_of(db, settings, "220104001001", 15, today())
    build(db)
    rows = figures_of(db, settings, "220104001001", 15, today())

    def grown(grid: str, key: str) -> int:
        return rows[grid][key] - before.get(grid, dict.fromkeys(KEYS, 0))[key]

    if hours_ago(3).astimezone(settings.zone).date() == today():
        assert grown(GRID2, "samples_taken") == 3
    if hours_ago(1).astimezone(settings.zone).date() == today():
        assert (grown(GRID2, "results_negative"), grown(GRID2, "results_positive")) == (1, 2)
        assert grown(GRID2, "positives_new") == 1
    assert grown(GRID2, "positives_open") == 1
    assert grown(GRID2, "retests_required") == 3
    assert grown(GRID2_NEIGHBOUR, "pending") == 2
    assert grown(GRID2, "pending") == 0
