"""待安置 "To place": people flagged by screening and arrivals whose rule calls for quarantine or
monitoring, with no active quarantine yet: one list per community, a person once, so nobody
falls between two lists. One click starts the rule's measure (and registers an arrival who is
not in the registry yet)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from fangkong.areas.models import Area, AreaLevel
from fangkong.arrivals.codes import ArrivalStatus, RuleAction
from fangkong.arrivals.handling import do_mark_arrival_placed
from fangkong.arrivals.models import Arrival
from fangkong.arrivals.queries import COMMUNITY_DIGITS, arrival_visible
from fangkong.arrivals.risk import list_rules
from fangkong.db import utcnow
from fangkong.errors import Conflict, NotFound
from fangkong.i18n import N_
from fangkong.permissions import Permission
from fangkong.policy import get_policy
from fangkong.quarantine.actions import do_start_quarantine
from fangkong.quarantine.codes import (
    DEFAULT_ZONE,
    QuarantineKind,
    QuarantineSource,
    QuarantineStatus,
)
from fangkong.quarantine.models import Quarantine, Site
from fangkong.quarantine.schemas import PlaceIn
from fangkong.quarantine.sites import access_site
from fangkong.registry.actions import check_grid, do_create_person
from fangkong.registry.models import Person
from fangkong.registry.queries import find_by_id_number
from fangkong.registry.schemas import PersonCreate
from fangkong.scope import Actor, in_scope
from fangkong.screening.actions import do_handle_follow_up
from fangkong.screening.models import FollowUp
from fangkong.screening.queries import list_open_follow_ups

PLACING_REASONS = ("case_contact", "key_area_travel", "fever")
"""Follow-up reasons that call for a measure, strictest first."""
KIND_OF_REASON = {"case_contact": QuarantineKind.CENTRALISED,
                  "key_area_travel": QuarantineKind.HOME, "fever": QuarantineKind.MONITORING}
KIND_OF_ACTION = {RuleAction.CENTRALISED_QUARANTINE.value: QuarantineKind.CENTRALISED,
                  RuleAction.HOME_QUARANTINE.value: QuarantineKind.HOME,
                  RuleAction.HEALTH_MONITORING.value: QuarantineKind.MONITORING}
STRICTNESS = (QuarantineKind.CENTRALISED, QuarantineKind.HOME, QuarantineKind.MONITORING)
OPEN_ARRIVALS = (ArrivalStatus.PENDING.value, ArrivalStatus.CONTACTED.value)
LIST_LIMIT = 500


class NothingToPlace(Conflict):
    code = "quarantine.nothing_to_place"

    @classmethod
    def default_message(cls) -> str:
        return N_("This person needs no placing (no measure, or placed already).")


@dataclass(slots=True)
class ToPlace:
    """One person of the list, from a follow-up, an arrival, or both."""

    area_code: str
    name: str
    since: datetime
    kind: QuarantineKind
    days: int
    person_id: int | None = None
    arrival: Arrival | None = None
    follow_up: FollowUp | None = None
    reasons: list[str] = field(default_factory=list)

    @property
    def community(self) -> str:
        return self.area_code[:COMMUNITY_DIGITS]


def _stricter(first: QuarantineKind, second: QuarantineKind) -> QuarantineKind:
    return min(first, second, key=STRICTNESS.index)


def kind_of_reasons(reasons: Iterable[str]) -> QuarantineKind | None:
    kinds = [KIND_OF_REASON[reason] for reason in PLACING_REASONS if reason in reasons]
    return kinds[0] if kinds else None


def rule_days(session: Session, risk: str) -> int:
    rule = list_rules(session).get(risk)
    return rule.duration_days if rule is not None else int(
        get_policy(session, "quarantine.default_days"))


def _quarantined(session: Session, person_ids: set[int]) -> set[int]:
    if not person_ids:
        return set()
    return set(session.scalars(select(Quarantine.person_id).where(
        Quarantine.person_id.in_(person_ids), Quarantine.status == QuarantineStatus.ACTIVE.value)))


def _open_arrivals(session: Session, actor: Actor) -> list[Arrival]:
    stmt = (select(Arrival).where(arrival_visible(actor), Arrival.status.in_(OPEN_ARRIVALS),
                                  Arrival.rule_action.in_(list(KIND_OF_ACTION)))
            .order_by(Arrival.arrived_at, Arrival.id).limit(LIST_LIMIT))
    return list(session.scalars(stmt))


def list_to_place(session: Session, actor: Actor) -> list[ToPlace]:
    """Everyone to place in the actor's area, by community, longest waiting first."""
    follow_ups = [row for row in list_open_follow_ups(session, actor)[:LIST_LIMIT]
                  if kind_of_reasons(row.reasons) is not None]
    arrivals = _open_arrivals(session, actor)
    known = {row.person_id for row in follow_ups} | {
        row.person_id for row in arrivals if row.person_id is not None}
    busy = _quarantined(session, known)
    names = dict(session.execute(select(Person.id, Person.name).where(
        Person.id.in_({row.person_id for row in follow_ups}))).all())
    default_days = int(get_policy(session, "quarantine.default_days"))
    entries: dict[object, ToPlace] = {}
    for follow_up in follow_ups:
        if follow_up.person_id not in busy:
            _add_follow_up(entries, follow_up, names.get(follow_up.person_id, ""), default_days)
    rules = list_rules(session)
    for arrival in arrivals:
        if arrival.person_id is None or arrival.person_id not in busy:
            rule = rules.get(arrival.origin_risk)
            _add_arrival(entries, arrival, rule.duration_days if rule else default_days)
    return sorted(entries.values(), key=lambda entry: (entry.community, entry.since))


def _add_follow_up(entries: dict[object, ToPlace], follow_up: FollowUp, name: str,
                   days: int) -> None:
    kind = kind_of_reasons(follow_up.reasons)
    assert kind is not None  # noqa: S101 - filtered by the caller
    reasons = [reason for reason in PLACING_REASONS if reason in follow_up.reasons]
    entry = entries.get(follow_up.person_id)
    if entry is None:
        entries[follow_up.person_id] = ToPlace(
            area_code=follow_up.area_code, name=name, since=follow_up.flagged_at, kind=kind,
            days=days, person_id=follow_up.person_id, follow_up=follow_up, reasons=reasons)
    else:
        entry.kind = _stricter(entry.kind, kind)
        entry.reasons = list(dict.fromkeys([*entry.reasons, *reasons]))


def _add_arrival(entries: dict[object, ToPlace], arrival: Arrival, days: int) -> None:
    kind = KIND_OF_ACTION[arrival.rule_action]
    key: object = arrival.person_id if arrival.person_id is not None else ("arrival", arrival.id)
    entry = entries.get(key)
    if entry is None:
        entries[key] = ToPlace(area_code=arrival.area_code, name=arrival.name,
                               since=arrival.arrived_at, kind=kind, days=days,
                               person_id=arrival.person_id, arrival=arrival,
                               reasons=[arrival.rule_action])
        return
    entry.arrival = entry.arrival or arrival
    entry.kind = _stricter(entry.kind, kind)
    entry.days = max(entry.days, days)
    entry.reasons = list(dict.fromkeys([*entry.reasons, arrival.rule_action]))


# --- placing --------------------------------------------------------------------------------


def _site(session: Session, actor: Actor, data: PlaceIn) -> Site | None:
    return access_site(session, actor, data.site_id) if data.site_id is not None else None


def _lowest_level(session: Session) -> str | None:
    return session.scalar(select(AreaLevel.key).order_by(AreaLevel.rank.desc()).limit(1))


def grid_for(session: Session, actor: Actor, area_code: str, wanted: str | None) -> str:
    """The grid a new registry record goes to: the one chosen, else the arrival's area when it
    is a grid, else the first grid of the actor's inside the arrival's area."""
    if wanted:
        return check_grid(session, actor, wanted, "grid").code
    level = _lowest_level(session)
    stmt = (select(Area.code).where(Area.code.startswith(area_code), Area.level == level,
                                    in_scope(Area.code.expression, actor.scope))
            .order_by(func.length(Area.code), Area.code).limit(1))
    code = session.scalar(stmt)
    return check_grid(session, actor, code, "grid").code


def person_for_arrival(session: Session, actor: Actor, arrival: Arrival,
                       grid: str | None) -> Person:
    """The arrival's registry record: linked, found by document number, or created now."""
    if arrival.person_id is not None:
        person = session.get(Person, arrival.person_id)
        if person is not None and actor.sees(person.area_code):
            return person
    if arrival.id_number:
        found = find_by_id_number(session, arrival.id_type, arrival.id_number)
        if found is not None and actor.sees(found.area_code):
            return found
    household = arrival.household_id
    return do_create_person(session, actor=actor, data=PersonCreate(
        name=arrival.name, id_type=arrival.id_type, id_number=arrival.id_number or None,
        phone=arrival.phone, residence="floating", household_id=household,
        area_code=None if household else grid_for(session, actor, arrival.area_code, grid)))


def _start_day(moment: datetime, zone: ZoneInfo, today: date) -> date:
    return min(moment.astimezone(zone).date(), today)


def do_place_arrival(
    session: Session, *, actor: Actor, arrival: Arrival, data: PlaceIn,
    now: datetime | None = None, zone: ZoneInfo = DEFAULT_ZONE,
) -> Quarantine:
    """Start the arrival's rule (its kind and days, from the day of arrival), link the registry
    record back on the arrival and mark it placed; an open follow-up of the person is handled."""
    actor.require(Permission.QUARANTINE_WRITE)
    if arrival.status not in OPEN_ARRIVALS or arrival.rule_action not in KIND_OF_ACTION:
        raise NothingToPlace()
    moment = now or utcnow()
    person = person_for_arrival(session, actor, arrival, data.grid)
    quarantine = do_start_quarantine(
        session, actor=actor, person=person,
        kind=data.kind or KIND_OF_ACTION[arrival.rule_action],
        start=_start_day(arrival.arrived_at, zone, moment.astimezone(zone).date()),
        site=_site(session, actor, data), home_address=arrival.destination_address,
        source=QuarantineSource.ARRIVAL, source_id=arrival.id,
        days=rule_days(session, arrival.origin_risk), now=moment, zone=zone)
    arrival.person_id = person.id
    do_mark_arrival_placed(session, actor=actor, arrival=arrival)
    _handle_follow_ups(session, actor, person.id, quarantine)
    return quarantine


def do_place_follow_up(
    session: Session, *, actor: Actor, follow_up: FollowUp, data: PlaceIn,
    now: datetime | None = None, zone: ZoneInfo = DEFAULT_ZONE,
) -> Quarantine:
    """Start the measure a follow-up's reasons call for (contact: centralised, key-area
    travel: home, fever: monitoring) from today, and mark the follow-up handled."""
    actor.require(Permission.QUARANTINE_WRITE)
    kind = kind_of_reasons(follow_up.reasons)
    if follow_up.status != "open" or kind is None:
        raise NothingToPlace()
    person = session.get(Person, follow_up.person_id)
    if person is None or not actor.sees(follow_up.area_code):
        raise NotFound()
    moment = now or utcnow()
    quarantine = do_start_quarantine(
        session, actor=actor, person=person, kind=data.kind or kind,
        start=moment.astimezone(zone).date(), site=_site(session, actor, data),
        source=QuarantineSource.FOLLOW_UP, source_id=follow_up.id, now=moment, zone=zone)
    _handle_follow_ups(session, actor, person.id, quarantine)
    for arrival in session.scalars(select(Arrival).where(
            Arrival.person_id == person.id, Arrival.status.in_(OPEN_ARRIVALS),
            arrival_visible(actor))):
        do_mark_arrival_placed(session, actor=actor, arrival=arrival)
    return quarantine


def _handle_follow_ups(session: Session, actor: Actor, person_id: int,
                       quarantine: Quarantine) -> None:
    note = f"quarantine #{quarantine.id} ({quarantine.kind})"
    for follow_up in session.scalars(select(FollowUp).where(
            FollowUp.person_id == person_id, FollowUp.status == "open")):
        if actor.sees(follow_up.area_code):
            do_handle_follow_up(session, actor=actor, follow_up=follow_up, note=note)
