"""The total row equals the sum of the rows at every level on every day, on the demo city with
generated activity: the city's total is the sum of its districts, each district's report total
equals the district's row in the city's report and the sum of its streets, and so on down to
the grids."""

from __future__ import annotations

from daily_helpers import (
    CITY,
    COMMUNITY,
    GRID2,
    NANLING,
    OTHER_COMMUNITY,
    arrive,
    at_local,
    days_ago,
    quarantine,
    sample,
    today,
)
from sqlalchemy import select
from sqlalchemy.orm import Session

from fangkong.areas.models import Area
from fangkong.quarantine.actions import do_end_early
from fangkong.quarantine.checks import do_record_check
from fangkong.quarantine.codes import QuarantineKind
from fangkong.quarantine.schemas import SupportCreate
from fangkong.quarantine.support import do_request_support
from fangkong.registry.demo import do_load_demo_population
from fangkong.registry.models import Person
from fangkong.reports.daily import Report, build_report
from fangkong.scope import SYSTEM
from fangkong.screening.demo import do_build_demo_round
from fangkong.settings import Settings

DESCEND = 2  # below the districts, the walk opens this many children of each report
ACTIVITY = ("quarantine.under_total", "arrivals.total", "quarantine.checks_done",
            "testing.samples_taken")


def persons_in(db: Session, prefix: str, count: int) -> list[Person]:
    stmt = (select(Person).where(Person.area_code.startswith(prefix)).order_by(Person.id)
            .limit(count))
    return list(db.scalars(stmt))


def generate_activity(db: Session, settings: Settings) -> None:
    """The demo population and screening round, and two days of quarantines, checks, a
    request and arrivals in two districts."""
    do_load_demo_population(db, persons=3000, seed=11)
    do_build_demo_round(db, seed=11)
    for prefix, kinds in ((COMMUNITY, "hmh"), (OTHER_COMMUNITY, "m"), (GRID2[:12], "hm")):
        for person, letter in zip(persons_in(db, prefix, len(kinds)), kinds, strict=True):
            kind = QuarantineKind.HOME if letter == "h" else QuarantineKind.MONITORING
            row = quarantine(db, person, day=days_ago(1), hour=8, kind=kind)
            do_record_check(db, actor=SYSTEM, quarantine=row, temperature="36.5",
                            symptoms=[], now=at_local(days_ago(1), 9))
    newest = persons_in(db, NANLING, 12)[-1]
    late = quarantine(db, newest, day=today(), hour=0)
    do_request_support(db, actor=SYSTEM, quarantine=late, data=SupportCreate(category="food"))
    ended = persons_in(db, GRID2[:12], 3)[-1]
    do_end_early(db, actor=SYSTEM, quarantine=quarantine(db, ended, day=days_ago(1), hour=10),
                 reason="误录", now=at_local(today(), 0))
    for index, person in enumerate(persons_in(db, NANLING, 4)):
        sample(db, person, when=at_local(days_ago(index % 2), 6), tube=f"RS{index:07d}",
               result="positive" if index == 3 else "negative")
    for serial, (community, day) in enumerate(((COMMUNITY, days_ago(1)), (COMMUNITY, today()),
                                               (GRID2[:12], today())), start=1):
        arrive(db, settings, community=community, when=at_local(day, 7), serial=serial)


def assert_rows_add_up(report: Report) -> None:
    rows = report.rows or []
    if not rows:
        return
    for item in report.columns:
        key, column = item.key, item.column
        if column.kind == "count":
            assert report.total.values[key] == sum(int(row.values[key] or 0) for row in rows), (
                report.area.code, report.day, key)
            assert report.total.deltas[key] == sum(int(row.deltas[key] or 0) for row in rows), (
                report.area.code, report.day, key)
            continue
        section = item.section.key
        part = report.total.values[f"{section}.{column.numerator}"]
        whole = report.total.values[f"{section}.{column.denominator}"]
        expected = round(100 * int(part or 0) / int(whole), 1) if whole else None
        assert report.total.values[key] == expected, (report.area.code, key)


def busiest(reports: list[Report]) -> list[Report]:
    """The children's reports with the most activity (then by code), to walk further down."""
    def activity(report: Report) -> int:
        return sum(int(report.total.values[key] or 0) for key in ACTIVITY)

    return sorted(reports, key=lambda report: (-activity(report), report.area.code))[:DESCEND]


def walk(db: Session, settings: Settings, report: Report) -> int:
    """Check a report's total against its rows and each row against the child's own report,
    then do the same below the busiest children; return the reports checked."""
    assert_rows_add_up(report)
    below: list[Report] = []
    for row in report.rows:
        if row.own:
            continue
        child = db.get(Area, row.code)
        assert child is not None
        own = build_report(db, settings, area=child, day=report.day, with_leaders=False)
        assert own.total.values == row.values, (row.code, report.day)
        assert own.total.deltas == row.deltas, (row.code, report.day)
        assert own.total.missing == row.missing, (row.code, report.day)
        below.append(own)
    return 1 + sum(walk(db, settings, child) for child in busiest(below))


def test_every_level_adds_up_on_every_day(db: Session, settings: Settings) -> None:
    generate_activity(db, settings)
    city = db.get(Area, CITY)
    assert city is not None
    for day in (today(), days_ago(1)):
        report = build_report(db, settings, area=city, day=day, with_leaders=False)
        if day == today():
            assert report.total.values["registry.persons"] >= 3000  # type: ignore[operator]
            assert report.total.values["quarantine.under_total"] >= 6  # type: ignore[operator]
            assert report.total.values["arrivals.total"] >= 2  # type: ignore[operator]
            assert report.total.values["support.open"] >= 1  # type: ignore[operator]
            assert report.total.values["screening.coverage"]
        checked = walk(db, settings, report)
        assert checked == 1 + DESCEND + DESCEND**2 + DESCEND**3 + DESCEND**4  # to the grids
