"""The skeleton stands: migrations ran, the demo city exists on both engines."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from fangkong.areas.models import Area


def test_demo_city_has_the_real_districts_and_streets(db: Session) -> None:
    districts = db.scalar(select(func.count()).where(Area.level == "district"))
    streets = db.scalar(select(func.count()).where(Area.level == "street"))
    assert districts == 15
    assert streets == 231
    assert db.get(Area, "220102001").name == "南岭街道"  # type: ignore[union-attr]
