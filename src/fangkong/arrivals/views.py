"""Rows as the caller may see them: ID numbers and phones masked unless they may identify."""

from __future__ import annotations

from sqlalchemy.orm import Session

from fangkong.accounts.audit import AuditAction, do_audit
from fangkong.arrivals.booking_schemas import BookingRead
from fangkong.arrivals.models import Arrival, ReturnBooking
from fangkong.arrivals.schemas import ArrivalRead
from fangkong.permissions import Permission
from fangkong.registry.validators import mask_id_number, mask_phone
from fangkong.scope import Actor


def identifies(actor: Actor) -> bool:
    return actor.can(Permission.PERSON_IDENTIFY)


def arrival_read(actor: Actor, row: Arrival, *, reveal: bool = False) -> ArrivalRead:
    """An arrival for the API; full ID number and phone only when revealed to an identifier."""
    read = ArrivalRead.model_validate(row)
    if reveal and identifies(actor):
        return read
    return read.model_copy(update={"id_number": mask_id_number(row.id_number),
                                   "phone": mask_phone(row.phone) if row.phone else ""})


def booking_read(actor: Actor, row: ReturnBooking, *, reveal: bool = False) -> BookingRead:
    read = BookingRead.model_validate(row)
    if reveal and identifies(actor):
        return read
    return read.model_copy(update={"id_number": mask_id_number(row.id_number),
                                   "phone": mask_phone(row.phone) if row.phone else ""})


def do_audit_view(session: Session, *, actor: Actor, arrival: Arrival) -> None:
    """Seeing an arrival's full ID number and phone is a read of personal data: audited."""
    if identifies(actor):
        do_audit(session, actor=actor, action=AuditAction.VIEW, resource="arrival",
                 record_id=arrival.id, area_code=arrival.area_code)
