"""Changes: collecting a sample (single or pooled), recording a result by form, handling a
positive. Each is one complete change with its audit entry; none commits."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from fangkong.accounts.audit import AuditAction, do_audit
from fangkong.counters import bump_daily
from fangkong.db import utcnow
from fangkong.errors import Conflict, Invalid, NotFound
from fangkong.i18n import N_
from fangkong.permissions import Permission
from fangkong.registry.codes import PersonStatus
from fangkong.registry.models import Person
from fangkong.scope import Actor
from fangkong.testing.codes import (
    DEFAULT_ZONE,
    POOL_LIMITS,
    Pool,
    PositiveStatus,
    Reason,
    Result,
    Retest,
    SampleKind,
)
from fangkong.testing.effects import (
    TurnedPositive,
    count_daily,
    do_positive_effects,
    result_counts,
)
from fangkong.testing.models import Positive, ResultEntry, Sample, SampleMember

CLOCK_SKEW = timedelta(minutes=5)
"""How far ahead of the server's clock a device's time may be and still count as now."""

NO_PERSONS = N_("Add at least one person to the tube.")
TWICE = N_("A person is listed twice in this tube.")
SINGLE_ONE = N_("A single sample holds one person; choose a pooled tube for more.")
POOL_FULL = N_("This pooled tube holds at most %(limit)s persons.")
NOT_ACTIVE = N_("Only persons registered as active can be sampled.")
FUTURE_COLLECTED = N_("The time of collection is in the future.")
FUTURE_RESULT = N_("The result time is in the future.")
BEFORE_COLLECTED = N_("The result time is before the sample was taken.")


class TubeExists(Conflict):
    code = "testing.tube_exists"

    @classmethod
    def default_message(cls) -> str:
        return N_("A sample with this tube number exists already.")


class ResultConflict(Conflict):
    code = "testing.result_conflict"

    @classmethod
    def default_message(cls) -> str:
        return N_("Another result was recorded for this tube at this time by this lab.")


class PositiveHandled(Conflict):
    code = "testing.positive_handled"

    @classmethod
    def default_message(cls) -> str:
        return N_("This positive has been handled already.")


# --- samples --------------------------------------------------------------------------------


def check_pool(persons: Sequence[Person], pool: Pool | None) -> Pool:
    """The pool of a tube for these persons: given, or the smallest that holds them."""
    if not persons:
        raise Invalid(NO_PERSONS, fields={"person_ids": NO_PERSONS})
    if len({person.id for person in persons}) != len(persons):
        raise Invalid(TWICE, fields={"person_ids": TWICE})
    if pool is None:
        pool = next((kind for kind, limit in POOL_LIMITS.items() if len(persons) <= limit),
                    Pool.POOL20)
    if pool is Pool.SINGLE and len(persons) > 1:
        raise Invalid(SINGLE_ONE, fields={"pool": SINGLE_ONE})
    limit = POOL_LIMITS[pool]
    if len(persons) > limit:
        raise Invalid(POOL_FULL, fields={"person_ids": POOL_FULL}, params={"limit": limit})
    return pool


def _check_persons(actor: Actor, persons: Sequence[Person]) -> None:
    for person in persons:
        if not actor.sees(person.area_code):
            raise NotFound()
        if person.status != PersonStatus.ACTIVE:
            raise Invalid(NOT_ACTIVE, fields={"person_ids": NOT_ACTIVE})


def sample_area(persons: Sequence[Person]) -> str:
    """Where a tube is counted: the grid most of its persons live in (the first on a tie)."""
    return Counter(person.area_code for person in persons).most_common(1)[0][0]


def _insert_sample(session: Session, sample: Sample) -> None:
    """Add the sample; a tube number taken meanwhile by another writer is a TubeExists too."""
    if session.scalar(select(Sample.id).where(Sample.tube_code == sample.tube_code)):
        raise TubeExists(fields={"tube_code": TubeExists.default_message()})
    try:
        with session.begin_nested():
            session.add(sample)
            session.flush()
    except IntegrityError as error:
        raise TubeExists(fields={"tube_code": TubeExists.default_message()}) from error


def do_collect_sample(
    session: Session, *, actor: Actor, persons: list[Person], kind: SampleKind | str,
    reason: Reason | str, tube_code: str, collected_at: datetime, where: str,
    pool: Pool | None = None, zone: ZoneInfo = DEFAULT_ZONE, now: datetime | None = None,
) -> Sample:
    """采样: one tube for one person (单检) or pooled for up to 10 or 20 (混检). A single sample
    of a person marked for retesting counts as their retest."""
    actor.require(Permission.SAMPLE_WRITE)
    _check_persons(actor, persons)
    pool = check_pool(persons, pool)
    if collected_at > (now or utcnow()) + CLOCK_SKEW:
        raise Invalid(FUTURE_COLLECTED, fields={"collected_at": FUTURE_COLLECTED})
    sample = Sample(tube_code=tube_code, area_code=sample_area(persons), kind=SampleKind(kind),
                    reason=Reason(reason), pooled=pool is not Pool.SINGLE,
                    collected_at=collected_at, collected_where=where.strip()[:200],
                    collected_by_id=actor.user_id, result=Result.PENDING.value, lab="")
    _insert_sample(session, sample)
    session.add_all(SampleMember(sample_id=sample.id, person_id=person.id,
                                 area_code=person.area_code, retest=Retest.NONE.value)
                    for person in persons)
    if not sample.pooled:
        _retested(session, persons[0].id, collected_at)
    bump_daily(session, area_code=sample.area_code, day=collected_at.astimezone(zone).date(),
               metric="samples.taken")
    session.flush()
    do_audit(session, actor=actor, action=AuditAction.CREATE, resource="sample",
             record_id=sample.id, area_code=sample.area_code,
             detail={"tube_code": tube_code, "kind": sample.kind, "reason": sample.reason,
                     "pooled": sample.pooled, "persons": [person.id for person in persons]})
    return sample


def _retested(session: Session, person_id: int, collected_at: datetime) -> None:
    """The person's open retests of tubes taken before this sample are done."""
    earlier = select(Sample.id).where(Sample.collected_at <= collected_at)
    session.execute(
        update(SampleMember)
        .where(SampleMember.person_id == person_id,
               SampleMember.retest == Retest.REQUIRED.value,
               SampleMember.sample_id.in_(earlier))
        .values(retest=Retest.DONE.value).execution_options(synchronize_session=False))


# --- results ----------------------------------------------------------------------------------


def check_result_time(sample: Sample, reported_at: datetime, now: datetime) -> None:
    if reported_at > now + CLOCK_SKEW:
        raise Invalid(FUTURE_RESULT, fields={"reported_at": FUTURE_RESULT})
    if reported_at < sample.collected_at:
        raise Invalid(BEFORE_COLLECTED, fields={"reported_at": BEFORE_COLLECTED})


def apply_current(sample: Sample, *, result: str, reported_at: datetime, lab: str) -> bool:
    """Make a result the sample's current one when it is the latest; True when the sample has
    just turned positive."""
    if sample.result_at is not None and reported_at < sample.result_at:
        return False
    turned = result == Result.POSITIVE and sample.result != Result.POSITIVE
    sample.result, sample.result_at, sample.lab = result, reported_at, lab
    return turned


def do_record_result(
    session: Session, *, actor: Actor, sample: Sample, result: Result | str,
    reported_at: datetime, lab: str, zone: ZoneInfo = DEFAULT_ZONE, now: datetime | None = None,
) -> str:
    """A lab's result for a tube: appended to its history (`added`), or `unchanged` when this
    result of this tube, time and lab is there already. A later result becomes the current one."""
    actor.require(Permission.RESULT_WRITE)
    if not actor.sees(sample.area_code):
        raise NotFound()
    result, lab = Result(result).value, lab.strip()[:100]
    check_result_time(sample, reported_at, now or utcnow())
    session.execute(select(Sample.id).where(Sample.id == sample.id).with_for_update())
    known = session.scalar(select(ResultEntry.result).where(
        ResultEntry.sample_id == sample.id, ResultEntry.reported_at == reported_at,
        ResultEntry.lab == lab))
    if known is not None:
        if known != result:
            raise ResultConflict(fields={"result": ResultConflict.default_message()})
        return "unchanged"
    session.add(ResultEntry(sample_id=sample.id, area_code=sample.area_code, result=result,
                            reported_at=reported_at, lab=lab, recorded_by_id=actor.user_id))
    turned = apply_current(sample, result=result, reported_at=reported_at, lab=lab)
    session.flush()
    count_daily(session, result_counts([(sample.area_code, reported_at, result)], zone))
    if turned:
        do_positive_effects(session, turned=[TurnedPositive(
            sample.id, sample.tube_code, sample.pooled, reported_at, lab)], zone=zone)
    do_audit(session, actor=actor, action=AuditAction.UPDATE, resource="sample",
             record_id=sample.id, area_code=sample.area_code,
             detail={"result": result, "reported_at": reported_at.isoformat(), "lab": lab})
    return "added"


# --- positives --------------------------------------------------------------------------------


def do_handle_positive(session: Session, *, actor: Actor, positive: Positive, note: str) -> None:
    """处置: the person has been dealt with (transferred, isolated …), with a note."""
    actor.require(Permission.POSITIVE_HANDLE)
    if not actor.sees(positive.area_code):
        raise NotFound()
    if positive.status != PositiveStatus.OPEN:
        raise PositiveHandled()
    positive.status = PositiveStatus.HANDLED.value
    positive.handled_at = utcnow()
    positive.handled_by_id = actor.user_id
    positive.handled_note = note.strip()
    session.flush()
    do_audit(session, actor=actor, action=AuditAction.UPDATE, resource="positive",
             record_id=positive.id, area_code=positive.area_code,
             detail={"status": [PositiveStatus.OPEN.value, positive.status], "note": note})
