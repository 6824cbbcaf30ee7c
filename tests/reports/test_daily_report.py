"""The daily report of an area and day: rows, the total, changes since the day before, states as
they stood at a day's end, figures recorded at the area itself, late and missing communities."""

from __future__ import annotations

from daily_helpers import (
    COMMUNITY,
    GRID1,
    GRID1_NEIGHBOUR,
    NANGUAN,
    NANLING,
    OTHER_COMMUNITY,
    area,
    arrive,
    at_local,
    counts,
    days_ago,
    make_person,
    quarantine,
    report_of,
    sample,
    today,
    value,
)
from sqlalchemy import select
from sqlalchemy.orm import Session

from fangkong.areas.models import Area, Leader
from fangkong.counters import bump_daily
from fangkong.quarantine.actions import do_end_early
from fangkong.quarantine.checks import do_record_check
from fangkong.quarantine.codes import QuarantineKind
from fangkong.registry.models import Household
from fangkong.reports.daily import build_report
from fangkong.reports.sections import load_sections
from fangkong.scope import SYSTEM
from fangkong.screening.actions import do_create_round, do_record_visit
from fangkong.screening.schemas import Outcome, RoundCreate
from fangkong.settings import Settings


def test_one_row_per_child_the_sections_columns_and_the_total_their_sum(
    db: Session, settings: Settings
) -> None:
    person = make_person(db, GRID1)
    quarantine(db, person, day=today(), kind=QuarantineKind.MONITORING)
    arrive(db, settings, community=COMMUNITY, when=at_local(today(), 8))
    sample(db, person, when=at_local(today(), 7), tube="RB0000001", result="positive")
    report = report_of(db, settings, NANGUAN)
    children = db.scalars(select(Area.code).where(Area.parent_code == NANGUAN)
                          .order_by(Area.code)).all()
    assert [row.code for row in report.rows] == list(children)
    assert [item.key for item in report.columns] == [
        f"{section.key}.{column.key}" for section in load_sections()
        for column in section.columns]
    assert {"registry.persons", "screening.coverage", "arrivals.risky",
            "quarantine.under_centralised", "support.overdue"} <= {c.key for c in report.columns}
    for key in counts(report):
        assert report.total.values[key] == sum(int(row.values[key] or 0)
                                               for row in report.rows), key
    assert value(report, NANLING, "quarantine.under_monitoring") >= 1  # type: ignore[operator]
    assert value(report, NANLING, "arrivals.total") >= 1  # type: ignore[operator]
    assert value(report, NANLING, "arrivals.risky") >= 1  # type: ignore[operator]
    assert value(report, NANLING, "registry.persons") >= 1  # type: ignore[operator]
    assert value(report, NANLING, "testing.samples_taken") >= 1  # type: ignore[operator]
    assert value(report, NANLING, "testing.results_positive") >= 1  # type: ignore[operator]
    assert value(report, NANLING, "testing.positives_new") >= 1  # type: ignore[operator]


def test_changes_since_the_day_before_and_states_at_the_end_of_a_past_day(
    db: Session, settings: Settings
) -> None:
    before_today = report_of(db, settings, NANLING)
    before_yesterday = report_of(db, settings, NANLING, days_ago(1))
    first, second, third = (make_person(db, GRID1, name) for name in ("甲", "乙", "丙"))
    moved = quarantine(db, first, day=days_ago(1), hour=8)
    quarantine(db, second, day=days_ago(1), hour=9)
    mistaken = quarantine(db, third, day=today(), hour=0)
    do_end_early(db, actor=SYSTEM, quarantine=mistaken, reason="误录",
                 now=at_local(today(), 0, 1))
    do_end_early(db, actor=SYSTEM, quarantine=moved, reason="转出", now=at_local(today(), 0, 2))
    now = report_of(db, settings, NANLING)
    yesterday = report_of(db, settings, NANLING, days_ago(1))

    def change(report: object, base: object, key: str) -> int:
        return int(value(report, COMMUNITY, key) or 0) - int(  # type: ignore[arg-type]
            value(base, COMMUNITY, key) or 0)  # type: ignore[arg-type]

    assert change(yesterday, before_yesterday, "quarantine.new") == 2
    assert change(yesterday, before_yesterday, "quarantine.under_total") == 2
    assert change(now, before_today, "quarantine.new") == 1
    assert change(now, before_today, "quarantine.under_total") == 1  # 乙 only: 甲, 丙 ended
    row = next(item for item in now.rows if item.code == COMMUNITY)
    base = next(item for item in before_today.rows if item.code == COMMUNITY)
    assert row.deltas["quarantine.new"] == row.values["quarantine.new"] - value(  # type: ignore[operator]
        yesterday, COMMUNITY, "quarantine.new")
    assert (row.deltas["quarantine.under_total"] or 0) - (
        base.deltas["quarantine.under_total"] or 0) == 1 - 2


def test_a_percentage_of_the_total_is_computed_after_summing(
    db: Session, settings: Settings
) -> None:
    round_ = do_create_round(db, actor=SYSTEM, data=RoundCreate(
        name="日报测试轮次", area_code=NANLING, starts_on=days_ago(2), ends_on=today()))
    seen = [make_person(db, GRID1, "户一"), make_person(db, GRID1_NEIGHBOUR, "户二")]
    for name in ("未访甲", "未访乙", "未访丙"):
        make_person(db, GRID1_NEIGHBOUR, name)
    for person in seen:
        household = db.get(Household, person.household_id)
        assert household is not None
        do_record_visit(db, actor=SYSTEM, round=round_, household=household,
                        outcome=Outcome.VISITED, members=[], visited_at=at_local(today(), 8))
    report = report_of(db, settings, COMMUNITY)
    total = report.total.values
    assert total["screening.reached"] == sum(row.values["screening.reached"]  # type: ignore[misc]
                                             for row in report.rows)
    households = int(total["screening.households"] or 0)
    assert households >= 5
    assert total["screening.coverage"] == round(100 * int(total["screening.reached"] or 0)
                                                / households, 1)
    assert total["screening.visits"] == 2
    grids = {row.code: row for row in report.rows}
    assert grids[GRID1].values["screening.reached"] == 1
    assert grids[GRID1_NEIGHBOUR].values["screening.reached"] == 1


def test_figures_recorded_at_the_area_itself_have_a_row_of_their_own(
    db: Session, settings: Settings
) -> None:
    before = report_of(db, settings, COMMUNITY)
    arrival = arrive(db, settings, community=COMMUNITY, when=at_local(today(), 7), serial=7)
    assert arrival.area_code == COMMUNITY  # bound for the community, not yet a grid
    report = report_of(db, settings, COMMUNITY)
    own = [row for row in report.rows if row.own]
    assert len(own) == 1
    assert own[0].code == COMMUNITY
    assert report.total.values["arrivals.total"] == int(
        before.total.values["arrivals.total"] or 0) + 1
    for key in counts(report):
        assert report.total.values[key] == sum(int(row.values[key] or 0)
                                               for row in report.rows), key


def test_communities_that_recorded_nothing_are_marked_with_their_responsible_leader(
    db: Session, settings: Settings
) -> None:
    person = make_person(db, GRID1)
    row = quarantine(db, person, day=today(), hour=0)
    do_record_check(db, actor=SYSTEM, quarantine=row, temperature="36.6", symptoms=[],
                    now=at_local(today(), 0, 20))
    street = report_of(db, settings, NANLING)
    rows = {item.code: item for item in street.rows}
    assert rows[COMMUNITY].recorded
    assert rows[COMMUNITY].missing == 0
    assert not rows[OTHER_COMMUNITY].recorded
    assert rows[OTHER_COMMUNITY].missing == 1
    responsible = db.scalars(select(Leader.name).where(
        Leader.area_code == OTHER_COMMUNITY, Leader.duty == "responsible")).all()
    assert responsible
    assert [leader.name for leader in rows[OTHER_COMMUNITY].leaders] == list(responsible)
    missing = {item.code: item for item in street.missing}
    assert COMMUNITY not in missing
    assert [leader.name for leader in missing[OTHER_COMMUNITY].leaders] == list(responsible)
    assert street.missing_total == len(street.rows) - 1
    district = report_of(db, settings, NANGUAN)
    communities = db.scalars(select(Area.code).where(Area.parent_code == NANLING)).all()
    nanling = next(item for item in district.rows if item.code == NANLING)
    assert nanling.recorded
    assert nanling.missing == len(communities) - 1
    assert district.total.missing == district.missing_total == sum(
        item.missing for item in district.rows)
    yesterday = report_of(db, settings, NANLING, days_ago(1))
    assert OTHER_COMMUNITY in {item.code for item in yesterday.missing}


def test_a_grid_reports_its_own_figures_without_rows(db: Session, settings: Settings) -> None:
    person = make_person(db, GRID1)
    quarantine(db, person, day=today())
    report = build_report(db, settings, area=area(db, GRID1), day=today())
    assert report.rows == []
    assert report.total.values["quarantine.under_total"] >= 1  # type: ignore[operator]
    assert report.missing == []
    assert report.total.recorded


def test_a_past_day_takes_back_the_registry_changes_recorded_after_it(
    db: Session, settings: Settings
) -> None:
    """Where the registry records its net changes per day, a past day's population is the
    current one without the changes of the days after it."""
    before = report_of(db, settings, NANLING, days_ago(1))
    now = report_of(db, settings, NANLING)
    bump_daily(db, area_code=GRID1, day=today(), metric="registry.persons", by=3)
    bump_daily(db, area_code=GRID1, day=today(), metric="registry.households", by=1)
    for person_name in ("新一", "新二"):
        make_person(db, GRID1, person_name)
    later = report_of(db, settings, NANLING)
    past = report_of(db, settings, NANLING, days_ago(1))
    assert value(later, COMMUNITY, "registry.persons") == int(
        value(now, COMMUNITY, "registry.persons") or 0) + 2
    assert value(past, COMMUNITY, "registry.persons") == int(
        value(before, COMMUNITY, "registry.persons") or 0) + 2 - 3
    row = next(item for item in later.rows if item.code == COMMUNITY)
    assert row.deltas["registry.persons"] == 3
    assert row.deltas["registry.households"] == 1
