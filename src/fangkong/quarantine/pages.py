"""The quarantine pages: the area's overview (`/quarantine`), ordering a quarantine, and one
quarantine's page. Sites, the lists (to place, release, alerts, life support), the actions on
one quarantine and the public check page are in the modules included here first."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated, Any

from fastapi import Depends, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from fangkong.accounts.page_helpers import page_router
from fangkong.errors import DomainError, Invalid
from fangkong.permissions import Permission
from fangkong.policy import get_policy
from fangkong.quarantine import detail_pages, list_pages, public_pages, site_pages
from fangkong.quarantine.actions import do_start_group
from fangkong.quarantine.alerts import alerts_stmt, open_alert_counts
from fangkong.quarantine.codes import QuarantineKind
from fangkong.quarantine.page_views import common, failed, form_of, multi_form
from fangkong.quarantine.placing import list_to_place
from fangkong.quarantine.queries import (
    access_quarantine,
    active_counts,
    area_names,
    ending_between,
    persons_by_id,
    quarantines_stmt,
)
from fangkong.quarantine.schemas import AlertFilter, QuarantineFilter, QuarantineStart
from fangkong.quarantine.sites import access_room, access_site, sites_stmt
from fangkong.quarantine.support import support_counts
from fangkong.quarantine.views import sweep_lazily
from fangkong.registry.models import Person
from fangkong.registry.queries import access_person
from fangkong.scope import Actor, in_scope
from fangkong.web.deps import DbSession, Principal, require
from fangkong.web.forms import validate
from fangkong.web.pagination import Page, Paging, paginate
from fangkong.web.templating import render

router = page_router()
for module in (site_pages, list_pages, public_pages):
    router.include_router(module.router)

Reader = Annotated[Principal, Depends(require(Permission.QUARANTINE_READ))]
Writer = Annotated[Principal, Depends(require(Permission.QUARANTINE_WRITE))]
Text = Annotated[str | None, Query(max_length=60)]
SEARCH_LIMIT = 20


def _local_today(request: Request) -> Any:
    return datetime.now(request.state.tr.zone).date()


def _filters(kind: str | None, status: str | None, q: str | None) -> QuarantineFilter:
    try:
        return validate(QuarantineFilter, {"kind": kind or None, "status": status or "active",
                                           "q": q or None})
    except Invalid:
        return QuarantineFilter()


@router.get("/quarantine")
def home_page(
    *, request: Request, session: DbSession, principal: Reader, paging: Paging,
    kind: Text = None, status: Text = None, q: Text = None,
) -> HTMLResponse:
    """The caller's area: under quarantine by kind, ending today and tomorrow, open alerts,
    people to place, life support, and the list."""
    actor = principal.actor
    if actor.can(Permission.ALERT_READ):
        sweep_lazily(request, session, actor)
    today = _local_today(request)
    filters = _filters(kind, status, q)
    rows, total = paginate(session, quarantines_stmt(actor, filters), paging)
    ending = ending_between(session, actor, today - timedelta(days=30), today + timedelta(days=1))
    alerts = list(session.scalars(alerts_stmt(actor, AlertFilter()).limit(10))) if actor.can(
        Permission.ALERT_READ) else []
    persons = persons_by_id(session, [row.person_id for row in [*rows, *ending]] +
                            [alert.person_id for alert in alerts])
    return render(request, "quarantine/home.html", {
        **common(request, actor), "counts": active_counts(session, actor),
        "page": Page[Any](items=rows, total=total, page=paging.page, size=paging.size),
        "filters": filters, "ending": ending, "today": today,
        "tomorrow": today + timedelta(days=1), "alerts": alerts, "persons": persons,
        "alert_counts": open_alert_counts(session, actor),
        "to_place": len(list_to_place(session, actor)),
        "support_counts": support_counts(session, actor, common(request, actor)["now"])
        if actor.can(Permission.SUPPORT_READ) else (0, 0),
        "names": area_names(session, {row.area_code for row in rows})})


# --- ordering a quarantine ------------------------------------------------------------------


def _search(session: Session, actor: Actor, text: str) -> list[Person]:
    needle = text.strip()
    stmt = (select(Person).where(in_scope(Person.area_code.expression, actor.scope),
                                 Person.status == "active",
                                 or_(Person.name.contains(needle, autoescape=True),
                                     Person.id_number == needle.upper()))
            .order_by(Person.name, Person.id).limit(SEARCH_LIMIT))
    return list(session.scalars(stmt))


def _members(session: Session, person: Person) -> list[Person]:
    if person.household_id is None:
        return [person]
    stmt = select(Person).where(Person.household_id == person.household_id,
                                Person.status == "active").order_by(Person.id)
    return list(session.scalars(stmt))


def _new_page(request: Request, session: Session, actor: Actor, *, person: Person | None,
              q: str = "", values: dict[str, Any] | None = None,
              error: DomainError | None = None) -> HTMLResponse:
    today = _local_today(request)
    context: dict[str, Any] = {
        **common(request, actor), "person": person, "q": q,
        "found": _search(session, actor, q) if q and person is None else [],
        "members": _members(session, person) if person else [],
        "sites": list(session.scalars(sites_stmt(actor, active_only=True))),
        "default_days": get_policy(session, "quarantine.default_days"),
        "form": form_of(values or {"starts_on": today.isoformat(), "kind": "home",
                                   "person_id": person.id if person else None}, error),
    }
    if error is not None:
        context |= failed(request, error)
    return render(request, "quarantine/new.html", context,
                  status_code=error.status if error is not None else 200)


@router.get("/quarantine/new")
def new_page(
    request: Request, session: DbSession, principal: Writer, q: Text = None,
    person_id: Annotated[int | None, Query(ge=1, le=2**63 - 1)] = None,
) -> HTMLResponse:
    """Find the person (name or ID number), then the order's form."""
    person = access_person(session, principal.actor, person_id) if person_id else None
    return _new_page(request, session, principal.actor, person=person, q=q or "")


@router.post("/quarantine/new")
async def new_submit(request: Request, session: DbSession, principal: Writer) -> Response:
    data = await multi_form(request, "together_with")
    return _start(request, session, principal.actor, data)


def _start(request: Request, session: Session, actor: Actor, data: dict[str, Any]) -> Response:
    given = str(data.get("person_id") or "")
    person = access_person(session, actor, int(given)) if given.isdigit() and len(given) < 19 \
        else None
    try:
        order = validate(QuarantineStart, data)
        person = access_person(session, actor, order.person_id)
        persons = [person, *(access_person(session, actor, other) for other in
                             dict.fromkeys(order.together_with) if other != person.id)]
        room = access_room(session, actor, order.room_id) if order.room_id else None
        site = access_site(session, actor, order.site_id) if order.site_id else None
        with session.begin_nested():
            started = do_start_group(
                session, actor=actor, persons=persons, kind=QuarantineKind(order.kind),
                start=order.starts_on, site=site, room=room, home_address=order.home_address,
                note=order.note, days=order.days, zone=request.state.tr.zone)
    except DomainError as error:
        return _new_page(request, session, actor, person=person, values=data, error=error)
    return RedirectResponse(f"/quarantine/{started[0].id}?done=started", status_code=303)


# --- one quarantine -------------------------------------------------------------------------


@router.get("/quarantine/{quarantine_id:int}")
def quarantine_page(
    request: Request, session: DbSession, principal: Reader, quarantine_id: int
) -> HTMLResponse:
    """One quarantine: the person (masked), where, the order, checks, alerts, life support,
    notes, and what can be done."""
    row = access_quarantine(session, principal.actor, quarantine_id)
    return detail_pages.render_quarantine(request, session, principal.actor, row)


router.include_router(detail_pages.router)
