"""The policy the checks follow (time windows, fever threshold), read in one query, and the
arithmetic of windows: which window a moment belongs to, when a window closes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from time import monotonic as time_monotonic
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from fangkong.policy import POLICY, PolicySetting


def policy_values(session: Session, *keys: str) -> dict[str, Any]:
    """Several policy keys in one query, each its default when the city has not set it."""
    stmt = select(PolicySetting.key, PolicySetting.value).where(PolicySetting.key.in_(keys))
    stored: dict[str, Any] = dict(session.execute(stmt).all())
    return {key: stored.get(key, POLICY[key].default) for key in keys}


@dataclass(frozen=True, slots=True)
class Window:
    index: int
    start: time
    end: time

    def closes_at(self, day: date, zone: ZoneInfo) -> datetime:
        """The UTC instant the window of a local day closes."""
        return datetime.combine(day, self.end, tzinfo=zone).astimezone(UTC)

    def opens_at(self, day: date, zone: ZoneInfo) -> datetime:
        return datetime.combine(day, self.start, tzinfo=zone).astimezone(UTC)


@dataclass(frozen=True, slots=True)
class Slot:
    """Where a check belongs: the local day and the window, and whether it was taken in it."""

    day: date
    window: int
    inside: bool


def parse_windows(value: Any) -> tuple[Window, ...]:
    """The policy's [["06:00", "10:00"], …] as windows sorted by start."""
    pairs = sorted((time.fromisoformat(start), time.fromisoformat(end)) for start, end in value)
    return tuple(Window(index, start, end) for index, (start, end) in enumerate(pairs))


CACHE_SECONDS = 5.0
_cached: dict[str, tuple[float, CheckPolicy]] = {}


@dataclass(frozen=True, slots=True)
class CheckPolicy:
    windows: tuple[Window, ...]
    fever: Decimal

    @classmethod
    def load(cls, session: Session) -> CheckPolicy:
        values = policy_values(session, "checks.windows", "checks.fever_celsius")
        return cls(parse_windows(values["checks.windows"]),
                   Decimal(str(values["checks.fever_celsius"])))

    @classmethod
    def cached(cls, session: Session) -> CheckPolicy:
        """`load`, read again at most every few seconds per database: for the benchmarked
        submissions (a policy change reaches them within `CACHE_SECONDS`)."""
        key = str(session.get_bind().engine.url)
        now = time_monotonic()
        hit = _cached.get(key)
        if hit is not None and now - hit[0] < CACHE_SECONDS:
            return hit[1]
        policy = cls.load(session)
        _cached[key] = (now, policy)
        return policy

    def slot(self, moment: datetime, zone: ZoneInfo) -> Slot:
        """The window containing the local time; outside every window, the nearest previous
        one (before the day's first window: the previous day's last)."""
        local = moment.astimezone(zone)
        now = local.time()
        for window in self.windows:
            if window.start <= now < window.end:
                return Slot(local.date(), window.index, inside=True)
        earlier = [window for window in self.windows if window.start <= now]
        if earlier:
            return Slot(local.date(), earlier[-1].index, inside=False)
        return Slot(local.date() - timedelta(days=1), self.windows[-1].index, inside=False)

    def next_slot(self, moment: datetime, zone: ZoneInfo) -> Slot:
        """The first window opening after the moment (today's, else tomorrow's first)."""
        local = moment.astimezone(zone)
        later = [window for window in self.windows if window.start > local.time()]
        if later:
            return Slot(local.date(), later[0].index, inside=False)
        return Slot(local.date() + timedelta(days=1), self.windows[0].index, inside=False)

    def slot_for(self, moment: datetime, zone: ZoneInfo, *, since: datetime) -> Slot:
        """`slot`, except that a check outside the windows, taken when the nearest previous
        window had closed before `since` (the order), counts for the next window instead."""
        found = self.slot(moment, zone)
        if not found.inside and self.windows[found.window].closes_at(found.day, zone) <= since:
            return self.next_slot(moment, zone)
        return found

    def closed_by(self, day: date, moment: datetime, zone: ZoneInfo) -> list[Window]:
        """The windows of a local day that have closed by a moment."""
        return [window for window in self.windows if window.closes_at(day, zone) <= moment]
