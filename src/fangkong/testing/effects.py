"""What a result sets off, for a result by form and for a batch of a lab file alike.

- the daily counters (`samples.result.<result>` on the result's local day, `positives.new`);
- a pooled tube (混检) whose result turns positive: each of its persons is marked for retesting;
- a single sample (a person's own, which is also how a retest is taken) whose result turns
  positive: the person goes on the "positive, to handle" list of their community (`Positive`)
  and an alert of kind `positive` is raised at once (quarantine's alerts: the community and
  every commander whose area contains it see it).

Positives are rare, so they are written row by row; everything else is one statement per batch.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from fangkong.counters import DailyCounter
from fangkong.quarantine.alerts import do_raise_alert
from fangkong.quarantine.codes import AlertKind
from fangkong.registry.models import Person
from fangkong.testing.codes import PositiveStatus, Retest
from fangkong.testing.models import Positive, SampleMember

CHUNK = 500
DailyCounts = Counter[tuple[str, date, str]]
"""{(area code, local day, metric): increment}."""


@dataclass(frozen=True, slots=True)
class TurnedPositive:
    """A sample whose current result has just become positive."""

    sample_id: int
    tube_code: str
    pooled: bool
    reported_at: datetime
    lab: str


def chunks(items: Sequence[Any], size: int = CHUNK) -> Iterable[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def count_daily(session: Session, counts: DailyCounts) -> None:
    """Add many counter increments, one INSERT … ON CONFLICT DO UPDATE per 1,000 keys."""
    rows = [{"area_code": area, "day": day, "metric": metric, "value": value}
            for (area, day, metric), value in sorted(counts.items()) if value]
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    for part in chunks(rows, 1000):
        stmt = dialect.insert(DailyCounter).values(list(part))
        stmt = stmt.on_conflict_do_update(
            index_elements=["area_code", "day", "metric"],
            set_={"value": DailyCounter.value + stmt.excluded["value"]})
        session.execute(stmt)


def do_positive_effects(
    session: Session, *, turned: Sequence[TurnedPositive], zone: ZoneInfo,
) -> tuple[int, int]:
    """Retests for pooled tubes, positives and alerts for single samples.
    Returns (positives raised, persons marked for retesting)."""
    marked = mark_retests(session, [item.sample_id for item in turned if item.pooled])
    raised = raise_positives(session, [item for item in turned if not item.pooled], zone)
    return raised, marked


def mark_retests(session: Session, sample_ids: Sequence[int]) -> int:
    marked = 0
    for part in chunks(sorted(set(sample_ids))):
        result = session.execute(
            update(SampleMember)
            .where(SampleMember.sample_id.in_(part), SampleMember.retest == Retest.NONE.value)
            .values(retest=Retest.REQUIRED.value).execution_options(synchronize_session=False))
        marked += int(getattr(result, "rowcount", 0) or 0)
    return marked


def raise_positives(session: Session, turned: Sequence[TurnedPositive], zone: ZoneInfo) -> int:
    """A `Positive` and an alert for each person of these samples not yet listed for them."""
    by_sample = {item.sample_id: item for item in turned}
    if not by_sample:
        return 0
    members = list(session.execute(
        select(SampleMember.sample_id, Person).join(Person, Person.id == SampleMember.person_id)
        .where(SampleMember.sample_id.in_(list(by_sample))).order_by(SampleMember.sample_id)))
    listed = {(sample_id, person_id) for sample_id, person_id in session.execute(
        select(Positive.sample_id, Positive.person_id).where(
            Positive.sample_id.in_(list(by_sample))))}
    counts: DailyCounts = Counter()
    raised = 0
    for sample_id, person in members:
        if (sample_id, person.id) in listed:
            continue
        item = by_sample[sample_id]
        _raise_one(session, item, person)
        counts[(person.area_code, item.reported_at.astimezone(zone).date(), "positives.new")] += 1
        raised += 1
    count_daily(session, counts)
    return raised


def _raise_one(session: Session, item: TurnedPositive, person: Person) -> None:
    session.add(Positive(person_id=person.id, sample_id=item.sample_id,
                         area_code=person.area_code, pooled=False,
                         status=PositiveStatus.OPEN.value, handled_note=""))
    session.flush()
    do_raise_alert(session, person=person, area_code=person.area_code, kind=AlertKind.POSITIVE,
                   detail={"sample_id": item.sample_id, "tube_code": item.tube_code,
                           "reported_at": item.reported_at.isoformat(), "lab": item.lab},
                   dedupe_key=f"positive:{item.sample_id}:{person.id}")


def result_counts(entries: Iterable[tuple[str, datetime, str]], zone: ZoneInfo) -> DailyCounts:
    """`samples.result.<result>` for (area code, reported at, result) of new history entries."""
    counts: DailyCounts = Counter()
    for area_code, reported_at, result in entries:
        counts[(area_code, reported_at.astimezone(zone).date(), f"samples.result.{result}")] += 1
    return counts
