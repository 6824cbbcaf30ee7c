"""What the quarantine pages share: permissions, the "done" messages, forms with their errors,
multi-value form fields, and the context of one quarantine's page."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import Request
from sqlalchemy.orm import Session

from fangkong.db import utcnow
from fangkong.errors import DomainError
from fangkong.i18n import N_
from fangkong.permissions import Permission
from fangkong.quarantine.alerts import list_alerts_of
from fangkong.quarantine.checks import list_checks
from fangkong.quarantine.models import Quarantine, Room, Site
from fangkong.quarantine.queries import area_names, list_extensions, timeline
from fangkong.quarantine.support import is_overdue, list_notes, list_support_of
from fangkong.quarantine.views import label_helpers
from fangkong.quarantine.windows import CheckPolicy
from fangkong.registry.models import Household, Person
from fangkong.scope import Actor

DONE = {
    "started": N_("The quarantine has been ordered."),
    "check": N_("The check has been recorded."),
    "late": N_("The check has been recorded for the nearest window: it was taken outside the "
               "check hours."),
    "alert": N_("The check has been recorded and an alert raised: the community and the "
                "levels above see it now."),
    "extended": N_("The quarantine has been extended."),
    "released": N_("The person has been released from quarantine."),
    "transferred": N_("The transfer to hospital has been recorded."),
    "ended": N_("The quarantine has been ended."),
    "revoked": N_("The personal link no longer works."),
    "support": N_("The life-support request has been recorded."),
    "note": N_("The note has been saved."),
    "acknowledged": N_("The alert has been acknowledged."),
    "assigned": N_("The request has been assigned."),
    "delivered": N_("The delivery has been recorded."),
    "cancelled": N_("The request has been cancelled."),
    "placed": N_("The measure has been started."),
    "saved": N_("The changes have been saved."),
    "rooms": N_("The rooms have been added."),
}


def common(request: Request, actor: Actor) -> dict[str, Any]:
    """Labels, permissions and the message of what was just done (`?done=`)."""
    done = DONE.get(request.query_params.get("done", ""))
    context: dict[str, Any] = {
        **label_helpers(),
        "can_write": actor.can(Permission.QUARANTINE_WRITE),
        "can_check": actor.can(Permission.CHECK_WRITE),
        "can_support": actor.can(Permission.SUPPORT_WRITE),
        "can_ack": actor.can(Permission.ALERT_ACK),
        "can_sites": actor.can(Permission.SITE_WRITE),
        "now": utcnow(),
    }
    if done:
        context["flash"] = request.state.tr.gettext(done)
        context["flash_kind"] = "warn" if request.query_params.get("done") == "alert" else "ok"
    return context


def failed(request: Request, error: DomainError) -> dict[str, Any]:
    return {"flash": request.state.tr.gettext(error.message, **error.params),
            "flash_kind": "error"}


def form_of(values: dict[str, Any] | None = None,
            error: DomainError | None = None) -> dict[str, Any]:
    return {"values": values or {}, "errors": error.fields if error else {}}


async def multi_form(request: Request, *lists: str) -> dict[str, Any]:
    """The submitted form: blank fields left out (the schema's default, or "required"), the
    named fields lists of all their values."""
    form = await request.form()
    data: dict[str, Any] = {}
    for key, value in form.multi_items():
        if key == "csrf_token" or not isinstance(value, str) or key in lists:
            continue
        if value.strip():
            data[key] = value.strip()
    for key in lists:
        data[key] = [value for value in form.getlist(key) if isinstance(value, str) and value]
    return data


def quarantine_context(session: Session, actor: Actor, row: Quarantine, *,
                       now: datetime | None = None, zone: Any) -> dict[str, Any]:
    """Everything one quarantine's page shows: the person (masked), where, the order, the
    checks as a timeline, alerts, life-support requests, notes."""
    moment = now or utcnow()
    person = session.get(Person, row.person_id)
    policy = CheckPolicy.load(session)
    support = list_support_of(session, row.id)
    return {
        "row": row, "person": person,
        "household": session.get(Household, person.household_id) if person and
        person.household_id else None,
        "site": session.get(Site, row.site_id) if row.site_id else None,
        "room": session.get(Room, row.room_id) if row.room_id else None,
        "area_name": area_names(session, {row.area_code}).get(row.area_code, row.area_code),
        "extensions": list_extensions(session, row.id),
        "timeline": timeline(row, list_checks(session, row.id), policy, moment, zone),
        "policy": policy, "alerts": list_alerts_of(session, row.id),
        "support": [(request, is_overdue(request, moment)) for request in support],
        "notes": [note for note in list_notes(session, row.person_id)
                  if actor.sees(note.area_code)],
        "link_live": row.check_token_hash is not None and row.check_token_revoked_at is None,
    }
