"""Changes to key areas, arrival rules and checkpoints. Never commits; the edge does."""

from __future__ import annotations

import secrets
from datetime import timedelta
from typing import Any

from sqlalchemy import exists, or_, select
from sqlalchemy.orm import Session

from fangkong.accounts.audit import AuditAction, changes, do_audit
from fangkong.areas.models import Area
from fangkong.arrivals.codes import KEY_LEVELS, RiskLevel
from fangkong.arrivals.models import Arrival, ArrivalRule, Checkpoint, KeyArea
from fangkong.arrivals.places import place_name
from fangkong.arrivals.schemas import (
    CheckpointCreate,
    CheckpointUpdate,
    KeyAreaChange,
    KeyAreaClose,
    KeyAreaCreate,
    RuleUpdate,
)
from fangkong.errors import Conflict, Invalid, NotFound
from fangkong.i18n import N_
from fangkong.permissions import Permission
from fangkong.scope import Actor

KEY_AREA_FIELDS = ("division_code", "name", "risk_level", "valid_from", "valid_to", "notes")
CHECKPOINT_FIELDS = ("name", "kind", "area_code", "address", "active")


class KeyAreaExists(Conflict):
    code = "arrivals.key_area_exists"

    @classmethod
    def default_message(cls) -> str:
        return N_("This region is already a key area from that day; change its level instead.")


class KeyAreaClosed(Conflict):
    code = "arrivals.key_area_closed"

    @classmethod
    def default_message(cls) -> str:
        return N_("This entry is history already; change the current one.")


class KeyAreaInvalid(Invalid):
    code = "arrivals.key_area_invalid"


class CheckpointInvalid(Invalid):
    code = "arrivals.checkpoint_invalid"


class CheckpointInUse(Conflict):
    code = "arrivals.checkpoint_in_use"

    @classmethod
    def default_message(cls) -> str:
        return N_("Arrivals were registered at this checkpoint; deactivate it instead.")


def _key_area_detail(row: KeyArea) -> dict[str, Any]:
    return {key: str(getattr(row, key)) if key.startswith("valid") else getattr(row, key)
            for key in KEY_AREA_FIELDS}


def _key_level(value: str, field: str = "risk_level") -> str:
    if value not in KEY_LEVELS:
        message = N_("A key area is of high, medium or low risk.")
        raise KeyAreaInvalid(message, fields={field: message})
    return value


def do_add_key_area(session: Session, *, actor: Actor, data: KeyAreaCreate) -> KeyArea:
    """A region becomes a key area from a day on; refused while it is one already then."""
    actor.require(Permission.KEYAREA_WRITE)
    level = _key_level(data.risk_level.value)
    overlapping = select(KeyArea.id).where(
        KeyArea.division_code == data.division_code,
        or_(KeyArea.valid_to.is_(None), KeyArea.valid_to >= data.valid_from))
    if session.scalar(overlapping) is not None:
        raise KeyAreaExists(fields={"division_code": KeyAreaExists.default_message()})
    row = KeyArea(division_code=data.division_code, name=place_name(data.division_code),
                  risk_level=level, valid_from=data.valid_from, notes=data.notes,
                  created_by_id=actor.user_id)
    session.add(row)
    session.flush()
    do_audit(session, actor=actor, action=AuditAction.CREATE, resource="key_area",
             record_id=row.id, area_code="", detail=_key_area_detail(row))
    return row


def _end_before(row: KeyArea, first_day_after: Any) -> None:
    """End the current row the day before a date (an entry fixed on its first day stays in
    the history as an empty interval)."""
    if row.valid_to is not None:
        raise KeyAreaClosed()
    if first_day_after < row.valid_from:
        message = N_("The date cannot be before the day this entry started.")
        raise KeyAreaInvalid(message, fields={"valid_from": message})
    row.valid_to = first_day_after - timedelta(days=1)


def do_change_key_area_level(
    session: Session, *, actor: Actor, key_area: KeyArea, data: KeyAreaChange
) -> KeyArea:
    """Close the current row the day before and open a new one at the new level."""
    actor.require(Permission.KEYAREA_WRITE)
    level = _key_level(data.risk_level.value)
    if level == key_area.risk_level and key_area.valid_to is None:
        message = N_("The region has this level already.")
        raise KeyAreaInvalid(message, fields={"risk_level": message})
    _end_before(key_area, data.valid_from)
    row = KeyArea(division_code=key_area.division_code, name=key_area.name, risk_level=level,
                  valid_from=data.valid_from, notes=key_area.notes, created_by_id=actor.user_id)
    session.add(row)
    session.flush()
    do_audit(session, actor=actor, action=AuditAction.UPDATE, resource="key_area",
             record_id=row.id, area_code="", detail=_key_area_detail(row) | {
                 "previous_id": key_area.id, "previous_level": key_area.risk_level})
    return row


def do_close_key_area(
    session: Session, *, actor: Actor, key_area: KeyArea, data: KeyAreaClose
) -> KeyArea:
    """The region is no longer a key area from a day on; its row stays as history."""
    actor.require(Permission.KEYAREA_WRITE)
    _end_before(key_area, data.valid_from)
    session.flush()
    do_audit(session, actor=actor, action=AuditAction.UPDATE, resource="key_area",
             record_id=key_area.id, area_code="", detail=_key_area_detail(key_area))
    return key_area


def do_set_rule(
    session: Session, *, actor: Actor, risk_level: RiskLevel, data: RuleUpdate
) -> ArrivalRule:
    """Set what follows from arriving from an area of a level (admin policy, audited)."""
    actor.require(Permission.POLICY_WRITE)
    if risk_level not in KEY_LEVELS:
        raise NotFound()
    rule = session.scalar(select(ArrivalRule).where(ArrivalRule.risk_level == risk_level.value))
    after = data.model_dump(mode="json")
    before = {} if rule is None else {key: getattr(rule, key) for key in after}
    if rule is None:
        rule = ArrivalRule(risk_level=risk_level.value, **after)
        session.add(rule)
    else:
        for key, value in after.items():
            setattr(rule, key, value)
    difference = changes(before, after)
    if difference:
        session.flush()
        do_audit(session, actor=actor, action=AuditAction.UPDATE, resource="arrival_rule",
                 record_id=risk_level.value, area_code="", detail=difference)
    return rule


def _checkpoint_area(session: Session, actor: Actor, code: str) -> Area:
    area = session.get(Area, code)
    if area is None or not actor.sees(area.code) or area.parent_code is None:
        message = N_("Choose a district or street inside your area.")
        raise CheckpointInvalid(message, fields={"area_code": message})
    return area


def _checkpoint_detail(row: Checkpoint) -> dict[str, Any]:
    return {key: getattr(row, key) for key in CHECKPOINT_FIELDS}


def do_create_checkpoint(
    session: Session, *, actor: Actor, data: CheckpointCreate
) -> Checkpoint:
    """A checkpoint in the actor's area, with a fresh token for its QR code."""
    actor.require(Permission.CHECKPOINT_WRITE)
    area = _checkpoint_area(session, actor, data.area_code)
    row = Checkpoint(name=data.name, kind=data.kind.value, area_code=area.code,
                     address=data.address, active=data.active,
                     public_token=secrets.token_urlsafe(32))
    session.add(row)
    session.flush()
    do_audit(session, actor=actor, action=AuditAction.CREATE, resource="checkpoint",
             record_id=row.id, area_code=row.area_code, detail=_checkpoint_detail(row))
    return row


def do_update_checkpoint(
    session: Session, *, actor: Actor, checkpoint: Checkpoint, data: CheckpointUpdate
) -> Checkpoint:
    """Change the given fields; a checkpoint moves only to an area inside the actor's."""
    actor.require(Permission.CHECKPOINT_WRITE)
    if not actor.sees(checkpoint.area_code):
        raise NotFound()
    given = {key: value for key, value in data.model_dump(mode="json").items()
             if value is not None}
    if "area_code" in given:
        _checkpoint_area(session, actor, given["area_code"])
    before = _checkpoint_detail(checkpoint)
    for key, value in given.items():
        setattr(checkpoint, key, value)
    difference = changes(before, given)
    if difference:
        session.flush()
        do_audit(session, actor=actor, action=AuditAction.UPDATE, resource="checkpoint",
                 record_id=checkpoint.id, area_code=checkpoint.area_code, detail=difference)
    return checkpoint


def do_renew_checkpoint_token(
    session: Session, *, actor: Actor, checkpoint: Checkpoint
) -> Checkpoint:
    """A new QR code for the checkpoint; the printed old one stops working."""
    actor.require(Permission.CHECKPOINT_WRITE)
    if not actor.sees(checkpoint.area_code):
        raise NotFound()
    checkpoint.public_token = secrets.token_urlsafe(32)
    session.flush()
    do_audit(session, actor=actor, action=AuditAction.UPDATE, resource="checkpoint",
             record_id=checkpoint.id, area_code=checkpoint.area_code,
             detail={"public_token": "renewed"})
    return checkpoint


def do_delete_checkpoint(session: Session, *, actor: Actor, checkpoint: Checkpoint) -> None:
    """Remove a checkpoint nobody was registered at; otherwise it can only be deactivated."""
    actor.require(Permission.CHECKPOINT_WRITE)
    if not actor.sees(checkpoint.area_code):
        raise NotFound()
    if session.scalar(select(exists().where(Arrival.checkpoint_id == checkpoint.id))):
        raise CheckpointInUse()
    do_audit(session, actor=actor, action=AuditAction.DELETE, resource="checkpoint",
             record_id=checkpoint.id, area_code=checkpoint.area_code,
             detail=_checkpoint_detail(checkpoint))
    session.delete(checkpoint)
    session.flush()
