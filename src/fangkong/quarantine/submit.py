"""The benchmarked edge of a check submission (staff API and personal link): the whole unit of
work — sign-in, the check, the commit — runs in one call on one thread.

Why: a writing session takes SQLite's write lock at its first statement (BEGIN IMMEDIATE). Run
as the usual chain of sync dependencies and endpoint, a request holds that lock across several
hops through the thread pool, and under load every slot of the pool can be taken by requests
waiting for the lock while the holder waits for a slot (each wait then ends only at the busy
timeout). Here the endpoint is `async`: on SQLite it runs the unit on the event loop itself (no
slot needed while the lock is held; the process's requests queue in order on the loop), and
commits before answering, so what is acknowledged is stored. On PostgreSQL (row locks only) the
unit runs in the thread pool, where the round trips of concurrent requests overlap.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from fastapi import Request
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from fangkong.errors import NotFound
from fangkong.permissions import Permission
from fangkong.quarantine.checks import do_record_check, do_record_self_check, quarantine_by_link
from fangkong.quarantine.models import Quarantine
from fangkong.quarantine.schemas import CheckIn, CheckRead
from fangkong.quarantine.views import recorded_read
from fangkong.quarantine.windows import CheckPolicy
from fangkong.settings import Settings
from fangkong.web.deps import Principal, client_addr, get_principal

T = TypeVar("T")


async def run_unit(session: Session, unit: Callable[[], T]) -> T:
    """Run a committing unit of work: inline on SQLite, in the thread pool elsewhere."""
    if session.get_bind().dialect.name == "sqlite":
        return unit()
    return await run_in_threadpool(unit)


def committed(session: Session, work: Callable[[], T]) -> T:
    """Run the work and commit; roll back at once on any error (never hold the lock longer)."""
    try:
        result = work()
        session.commit()
    except BaseException:
        session.rollback()
        raise
    return result


def submit_check(request: Request, session: Session, *, principal: Principal | None,
                 quarantine_id: int, data: CheckIn) -> CheckRead:
    """A check by staff (bearer token or signed-in session with `check:write`); the caller
    as the request's dependencies found it."""
    settings: Settings = request.app.state.settings

    def work() -> CheckRead:
        get_principal(principal).actor.require(Permission.CHECK_WRITE)
        quarantine = session.get(Quarantine, quarantine_id)
        if quarantine is None:
            raise NotFound()
        return recorded_read(do_record_check(
            session, actor=get_principal(principal).actor, quarantine=quarantine,
            temperature=data.temperature, symptoms=data.symptoms, notes=data.notes,
            zone=settings.zone,
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
