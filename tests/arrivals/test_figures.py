"""Figures for any area and day add up: every level equals the sum of its children."""

from __future__ import annotations

from collections import Counter

from arrivals_helpers import WENZHOU, person, recently, registry_person, trip
from sqlalchemy.orm import Session

from fangkong.arrivals.codes import ArrivalSource
from fangkong.arrivals.figures import arrival_figures, checkpoint_figures
from fangkong.arrivals.models import Checkpoint
from fangkong.arrivals.registration import check_register_arrivals, public_actor
from fangkong.arrivals.schemas import ArrivalCreate
from fangkong.counters import local_day
from fangkong.scope import SYSTEM
from fangkong.settings import Settings
from fangkong.web.forms import validate


def summed(rows: dict[str, dict[str, int]]) -> Counter[str]:
    total: Counter[str] = Counter()
    for figures in rows.values():
        total.update(figures)
    return total


def test_levels_add_up_and_checkpoints_count(
    policy: Session, settings: Settings, station: Checkpoint, airport: Checkpoint
) -> None:
    when = recently(20)
    registry_person(policy, 300, grid="220104001001001")
    groups = [
        (trip(person(301), person(302, phone=None), checkpoint_id=station.id,
              destination_code="220102002001"), ArrivalSource.STAFF),
        (trip(person(300), origin_code=WENZHOU, checkpoint_id=airport.id), ArrivalSource.STAFF),
        (trip(person(303), origin_code="11", district_code="220106"), ArrivalSource.SELF),
    ]
    for data, source in groups:
        data["arrived_at"] = when.isoformat()
        check_register_arrivals(
            policy, actor=SYSTEM if source is ArrivalSource.STAFF else public_actor("10.7.7.7"),
            settings=settings, data=validate(ArrivalCreate, data), source=source,
            checkpoint=None)
    day = local_day(when, settings)
    city = arrival_figures(policy, "2201", 4, day)["2201"]
    districts = arrival_figures(policy, "2201", 6, day)
    streets = arrival_figures(policy, "2201", 9, day)
    grids = arrival_figures(policy, "2201", 15, day)
    for level in (districts, streets, grids):
        assert summed(level) == Counter({k: v for k, v in city.items() if v})
    nanguan = arrival_figures(policy, "220102", 6, day)["220102"]
    assert nanguan["total"] - nanguan["risk.high"] >= 0
    assert districts["220104"]["risk.medium"] >= 1
    assert districts["220106"]["self"] >= 1
    assert city["total"] == city["staff"] + city["self"]
    assert city["total"] == sum(city[f"risk.{level}"] for level in ("high", "medium", "low",
                                                                    "none"))
    points = checkpoint_figures(policy, prefix="2201", day=day, settings=settings)
    assert points[station.id]["high"] >= 2
    assert points[airport.id]["medium"] >= 1
    kuancheng = checkpoint_figures(policy, prefix="220103", day=day, settings=settings)
    assert airport.id not in kuancheng
