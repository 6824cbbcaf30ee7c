"""What the community and the commanders do with an arrival: contact, route, place, close."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from fangkong.accounts.audit import AuditAction, do_audit
from fangkong.arrivals.codes import ArrivalStatus
from fangkong.arrivals.models import Arrival
from fangkong.arrivals.queries import COMMUNITY, COMMUNITY_DIGITS, level_length
from fangkong.arrivals.routing import chosen_area
from fangkong.arrivals.schemas import ContactIn, RouteIn
from fangkong.arrivals.tally import move_arrival
from fangkong.db import utcnow
from fangkong.errors import Conflict, Invalid, NotFound
from fangkong.i18n import N_
from fangkong.permissions import Permission
from fangkong.scope import Actor
from fangkong.settings import Settings


class AlreadyContacted(Conflict):
    code = "arrivals.already_contacted"

    @classmethod
    def default_message(cls) -> str:
        return N_("Contact with this arrival was confirmed already.")


class ArrivalClosed(Conflict):
    code = "arrivals.closed"

    @classmethod
    def default_message(cls) -> str:
        return N_("This arrival is closed.")


class RouteInvalid(Invalid):
    code = "arrivals.route_invalid"


def handles(actor: Actor, arrival: Arrival) -> bool:
    """Whether the arrival lies in the actor's queue (a grid's worker: its community's too)."""
    scope = actor.scope
    return actor.sees(arrival.area_code) or (
        len(scope) > COMMUNITY_DIGITS and arrival.area_code == scope[:COMMUNITY_DIGITS])


def _require(actor: Actor, arrival: Arrival) -> None:
    actor.require(Permission.ARRIVAL_CONTACT)
    if not handles(actor, arrival):
        raise NotFound()
    if arrival.status == ArrivalStatus.CLOSED.value:
        raise ArrivalClosed()


def _set_status(
    session: Session, actor: Actor, arrival: Arrival, status: ArrivalStatus, note: str
) -> Arrival:
    before = arrival.status
    arrival.status = status.value
    session.flush()
    do_audit(session, actor=actor, action=AuditAction.UPDATE, resource="arrival",
             record_id=arrival.id, area_code=arrival.area_code,
             detail={"status": [before, status.value], "note": note})
    return arrival


def do_confirm_contact(
    session: Session, *, actor: Actor, arrival: Arrival, data: ContactIn,
    now: datetime | None = None,
) -> Arrival:
    """已对接: the community has reached the arrival; the deadline no longer runs."""
    _require(actor, arrival)
    if arrival.status != ArrivalStatus.PENDING.value:
        raise AlreadyContacted()
    arrival.contacted_at = now or utcnow()
    arrival.contacted_by_id = actor.user_id
    arrival.contact_note = data.note
    return _set_status(session, actor, arrival, ArrivalStatus.CONTACTED, data.note)


def do_route_arrival(
    session: Session, *, actor: Actor, settings: Settings, arrival: Arrival, data: RouteIn
) -> Arrival:
    """Give an arrival to a community (or grid) inside the actor's area: for the district's
    queue of arrivals without an address, or one sent to the wrong community."""
    _require(actor, arrival)
    area = chosen_area(session, data.area_code, field="area_code",
                       at_least=level_length(session, COMMUNITY, COMMUNITY_DIGITS))
    if not actor.sees(area.code):
        message = N_("Choose a community inside your area.")
        raise RouteInvalid(message, fields={"area_code": message})
    before = arrival.area_code
    if before == area.code:
        return arrival
    move_arrival(session, arrival, area.code, settings)
    session.flush()
    do_audit(session, actor=actor, action=AuditAction.UPDATE, resource="arrival",
             record_id=arrival.id, area_code=arrival.area_code,
             detail={"area_code": [before, area.code]})
    return arrival


def do_mark_arrival_placed(session: Session, *, actor: Actor, arrival: Arrival) -> Arrival:
    """The rule's measure was started for the arrival (quarantine or monitoring placed)."""
    _require(actor, arrival)
    if arrival.contacted_at is None:
        arrival.contacted_at = utcnow()
        arrival.contacted_by_id = actor.user_id
    return _set_status(session, actor, arrival, ArrivalStatus.PLACED, "")


def do_close_arrival(
    session: Session, *, actor: Actor, arrival: Arrival, note: str = ""
) -> Arrival:
    """Nothing more to do for this arrival (measure ended, or left the city)."""
    _require(actor, arrival)
    return _set_status(session, actor, arrival, ArrivalStatus.CLOSED, note[:2000])
