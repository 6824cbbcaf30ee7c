"""What the API and the pages show of the module's records: schemas from rows, label helpers,
and the lazy missed-check sweep the lists run before they read."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from fastapi import Request
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from fangkong.arrivals.codes import ACTION_LABELS
from fangkong.db import utcnow
from fangkong.quarantine.alerts import do_raise_missed_check_alerts
from fangkong.quarantine.checks import Recorded
from fangkong.quarantine.codes import (
    ALERT_KIND_LABELS,
    ALERT_STATUS_LABELS,
    BY_LABELS,
    CATEGORY_LABELS,
    KIND_LABELS,
    NOTE_KIND_LABELS,
    SITE_KIND_LABELS,
    SOURCE_LABELS,
    STATUS_LABELS,
    SUPPORT_STATUS_LABELS,
    SYMPTOM_LABELS,
    URGENCY_LABELS,
    label,
)
from fangkong.quarantine.models import HealthCheck, SupportRequest
from fangkong.quarantine.placing import ToPlace
from fangkong.quarantine.schemas import CheckRead, SupportRead, ToPlaceRead
from fangkong.quarantine.support import is_overdue
from fangkong.registry.validators import mask_id_number, mask_phone
from fangkong.scope import Actor
from fangkong.screening.schemas import label as screening_label

SWEEP_EVERY = timedelta(seconds=30)


def check_read(check: HealthCheck, *, inside: bool = True, alert: str | None = None) -> CheckRead:
    return CheckRead(id=check.id, quarantine_id=check.quarantine_id, day=check.day,
                     window=check.window, outside_window=not inside, checked_at=check.checked_at,
                     temperature=check.temperature, symptoms=list(check.symptoms), by=check.by,
                     alert=alert)


def recorded_read(done: Recorded) -> CheckRead:
    return check_read(done.check, inside=done.inside,
                      alert=done.alert.kind if done.alert is not None else None)


def support_read(request: SupportRequest, now: datetime) -> SupportRead:
    read = SupportRead.model_validate(request)
    read.overdue = is_overdue(request, now)
    return read


def to_place_read(entry: ToPlace) -> ToPlaceRead:
    return ToPlaceRead(
        community=entry.community, area_code=entry.area_code, name=entry.name,
        person_id=entry.person_id, arrival_id=entry.arrival.id if entry.arrival else None,
        follow_up_id=entry.follow_up.id if entry.follow_up else None, reasons=entry.reasons,
        kind=entry.kind, days=entry.days, since=entry.since)


def sweep_lazily(request: Request, session: Session, actor: Actor) -> None:
    """Raise the missed-check alerts of the actor's area before a list is read; at most every
    half minute per area in this process (the CLI's sweep covers the city on a timer), and
    never at the cost of the page: a busy database skips it."""
    swept: dict[str, datetime] | None = getattr(request.app.state, "quarantine_swept", None)
    if swept is None:
        swept = {}
        request.app.state.quarantine_swept = swept
    now = utcnow()
    last = swept.get(actor.scope)
    if last is not None and now - last < SWEEP_EVERY:
        return
    try:
        with session.begin_nested():
            do_raise_missed_check_alerts(session, now=now, scope=actor.scope,
                                         zone=request.app.state.settings.zone)
    except OperationalError:
        return  # the database is busy with another writer: the next look (or the CLI) sweeps
    swept[actor.scope] = now


def reason_label(value: str) -> str:
    """A to-place reason: a follow-up's (screening's labels) or an arrival rule's action."""
    return ACTION_LABELS.get(value) or screening_label(value)


def label_helpers() -> dict[str, Any]:
    """Functions the templates use to show stored codes and masked numbers."""
    return {
        "mask": mask_id_number, "mask_phone": mask_phone,
        "kind_label": lambda value: label(KIND_LABELS, value),
        "status_label": lambda value: label(STATUS_LABELS, value),
        "source_label": lambda value: label(SOURCE_LABELS, value),
        "site_kind_label": lambda value: label(SITE_KIND_LABELS, value),
        "by_label": lambda value: label(BY_LABELS, value),
        "symptom_label": lambda value: label(SYMPTOM_LABELS, value),
        "alert_kind_label": lambda value: label(ALERT_KIND_LABELS, value),
        "alert_status_label": lambda value: label(ALERT_STATUS_LABELS, value),
        "category_label": lambda value: label(CATEGORY_LABELS, value),
        "urgency_label": lambda value: label(URGENCY_LABELS, value),
        "support_status_label": lambda value: label(SUPPORT_STATUS_LABELS, value),
        "note_kind_label": lambda value: label(NOTE_KIND_LABELS, value),
        "reason_label": reason_label,
        "kinds": KIND_LABELS, "site_kinds": SITE_KIND_LABELS, "symptoms": SYMPTOM_LABELS,
        "categories": CATEGORY_LABELS, "urgencies": URGENCY_LABELS,
        "support_statuses": SUPPORT_STATUS_LABELS, "note_kinds": NOTE_KIND_LABELS,
        "alert_kinds": ALERT_KIND_LABELS, "alert_statuses": ALERT_STATUS_LABELS,
    }
