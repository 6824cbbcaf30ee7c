"""A community whose grid workers went door to door today counts as having recorded something
in the daily report, and the counters behind that survive a rebuild of the round."""

from __future__ import annotations

from screening_helpers import GRID1, actor_of, make_household, make_round, today, visit
from sqlalchemy.orm import Session

from fangkong.areas.models import Area
from fangkong.reports.daily import build_report
from fangkong.screening.counters import do_rebuild_coverage
from fangkong.settings import Settings

COMMUNITY = GRID1[:12]
STREET = GRID1[:9]


def missing_codes(db: Session, settings: Settings) -> set[str]:
    street = db.get(Area, STREET)
    assert street is not None
    report = build_report(db, settings, area=street, day=today(), with_leaders=False)
    return {item.code for item in report.missing}


def test_a_visit_makes_its_community_active_today(db: Session, settings: Settings) -> None:
    round_ = make_round(db)
    household = make_household(db)
    assert COMMUNITY in missing_codes(db, settings)
    visit(db, actor_of(db, "grid1"), round_, household)
    assert COMMUNITY not in missing_codes(db, settings)
    do_rebuild_coverage(db, round_=round_, zone=settings.zone)
    assert COMMUNITY not in missing_codes(db, settings)
