"""The benchmarked edge of a check submission (staff API and personal link): the whole unit of
work — sign-in, the check, the commit — runs in one call (`web.units.run_unit`), on the event
loop behind the write gate on SQLite, in the thread pool on PostgreSQL."""

from __future__ import annotations

from fastapi import Request
from sqlalchemy.orm import Session

from fangkong.errors import NotFound
from fangkong.permissions import Permission
from fangkong.quarantine.checks import do_record_check, do_record_self_check, quarantine_by_link
from fangkong.quarantine.models import Quarantine
from fangkong.quarantine.schemas import CheckIn, CheckRead
from fangkong.quarantine.views import recorded_read
from fangkong.quarantine.windows import CheckPolicy
from fangkong.settings import Settings
from fangkong.web.deps import client_addr, find_principal, get_principal
from fangkong.web.units import committed


def submit_check(request: Request, session: Session, *, quarantine_id: int,
                 data: CheckIn) -> CheckRead:
    """A check by staff (bearer token or signed-in session with `check:write`): the caller is
    found in the same session that records the check."""
    settings: Settings = request.app.state.settings

    def work() -> CheckRead:
        actor = get_principal(find_principal(request, session)).actor
        actor.require(Permission.CHECK_WRITE)
        quarantine = session.get(Quarantine, quarantine_id)
        if quarantine is None:
            raise NotFound()
        return recorded_read(do_record_check(
            session, actor=actor, quarantine=quarantine, temperature=data.temperature,
            symptoms=data.symptoms, notes=data.notes, zone=settings.zone,
            policy=CheckPolicy.cached(session)))

    return committed(session, work)


def submit_self_check(request: Request, session: Session, settings: Settings, *, token: str,
                      data: CheckIn) -> CheckRead:
    """A check the person reports through their personal link."""

    def work() -> CheckRead:
        quarantine = quarantine_by_link(session, token)
        return recorded_read(do_record_self_check(
            session, quarantine=quarantine, temperature=data.temperature, symptoms=data.symptoms,
            notes=data.notes, client_addr=client_addr(request), zone=settings.zone,
            policy=CheckPolicy.cached(session)))

    return committed(session, work)
