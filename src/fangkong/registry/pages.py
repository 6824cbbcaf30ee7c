"""The registry's person pages, for a grid worker at the door: the list, a new person, one
person (edit, show the full ID number, move, status, merge). Household pages and the duplicate
suggestions are in `household_pages.py`, included in this router."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from fangkong.accounts.page_helpers import page_router
from fangkong.errors import DomainError, Invalid
from fangkong.i18n import N_
from fangkong.permissions import Permission
from fangkong.registry import household_pages
from fangkong.registry.actions import (
    DuplicateId,
    PlaceInvalid,
    do_create_person,
    do_merge_persons,
    do_move_person,
    do_record_view,
    do_set_status,
    do_update_person,
)
from fangkong.registry.codes import IdType, Relation, Residence
from fangkong.registry.models import Household, Person
from fangkong.registry.queries import (
    access_household,
    access_person,
    get_household_by_code,
    list_persons,
    place_names,
)
from fangkong.registry.schemas import (
    PersonCreate,
    PersonFilter,
    PersonMergeIn,
    PersonMoveIn,
    PersonStatusIn,
    PersonUpdate,
)
from fangkong.registry.views import (
    area_summary,
    common,
    error_context,
    form_of,
    grids_in_scope,
    person_context,
    persons_read,
)
from fangkong.scope import Actor
from fangkong.web.deps import DbSession, Principal, require
from fangkong.web.forms import validate
from fangkong.web.pagination import Page, Paging
from fangkong.web.templating import render

router = page_router()
router.include_router(household_pages.router)

Reader = Annotated[Principal, Depends(require(Permission.PERSON_READ))]
Writer = Annotated[Principal, Depends(require(Permission.PERSON_WRITE))]
Identifier = Annotated[Principal, Depends(require(Permission.PERSON_IDENTIFY))]
Merger = Annotated[Principal, Depends(require(Permission.PERSON_MERGE))]

DONE = {
    "created": N_("The person has been registered."),
    "saved": N_("The changes have been saved."),
    "moved": N_("The person has moved to the new household."),
    "status": N_("The status has been changed."),
    "merged": N_("The duplicate record has been merged into this one."),
}


async def person_form(request: Request) -> dict[str, Any]:
    """The submitted person form; blank fields are None, the tags a list."""
    form = await request.form()
    data: dict[str, Any] = {}
    for key, value in form.multi_items():
        if key not in ("csrf_token", "tags") and isinstance(value, str):
            data[key] = value.strip() or None
    data["tags"] = [value for value in form.getlist("tags") if isinstance(value, str)]
    return data


PersonForm = Annotated[dict[str, Any], Depends(person_form)]


def _filters(request: Request) -> tuple[PersonFilter, dict[str, str]]:
    """The list's filter from the query string; bad values are named and ignored."""
    given: dict[str, object] = {name: value for name in PersonFilter.model_fields
                                if (value := request.query_params.get(name, "").strip())}
    try:
        return validate(PersonFilter, given), {}
    except Invalid as error:
        clean = {k: v for k, v in given.items() if k not in error.fields}
        return validate(PersonFilter, clean), error.fields


@router.get("/registry/persons")
def persons_page(
    request: Request, session: DbSession, principal: Reader, paging: Paging
) -> HTMLResponse:
    """Persons of the caller's area with search and filters; ID numbers and phones masked."""
    actor = principal.actor
    filters, errors = _filters(request)
    rows, total = list_persons(session, actor, filters, paging)
    page = Page[Any](items=persons_read(session, rows), total=total, page=paging.page,
                     size=paging.size)
    return render(request, "registry/persons.html", {
        **common(request, actor), "page": page, "filters": filters, "filter_errors": errors,
        "places": place_names(session, [row.area_code for row in rows]),
        "households": {row.id: row for row in _households_of(session, rows)},
        **area_summary(session, actor, filters.area or actor.area_code),
    })


def _households_of(session: Session, persons: list[Person]) -> list[Household]:
    ids = sorted({p.household_id for p in persons if p.household_id is not None})
    return list(session.scalars(select(Household).where(Household.id.in_(ids)))) if ids else []


def _new_context(
    request: Request, session: Session, actor: Actor, values: dict[str, Any],
    error: DomainError | None = None,
) -> dict[str, Any]:
    household = None
    if values.get("household_id"):
        try:
            household = access_household(session, actor, int(values["household_id"]))
        except (DomainError, ValueError):
            household = None
    context = {**common(request, actor), "form": form_of(values, error), "household": household,
               "grids": grids_in_scope(session, actor) if household is None else None}
    if isinstance(error, DuplicateId):
        context["existing_id"] = error.existing_id
    return context | (error_context(request, error) if error else {})


@router.get("/registry/persons/new")
def new_person_page(request: Request, session: DbSession, principal: Writer) -> HTMLResponse:
    values: dict[str, Any] = {
        "household_id": request.query_params.get("household_id", ""),
        "area_code": principal.actor.area_code, "tags": [], "relation": Relation.OTHER.value,
        "residence": Residence.RESIDENT.value, "id_type": IdType.RESIDENT_ID.value,
    }
    context = _new_context(request, session, principal.actor, values)
    if context["household"] is not None and context["household"].members == 0:
        values["relation"] = Relation.HEAD.value
    return render(request, "registry/person_new.html", context)


@router.post("/registry/persons/new")
def new_person_submit(
    request: Request, session: DbSession, principal: Writer, form: PersonForm
) -> Response:
    """Register a person; on any problem the form comes back with the reasons and the input."""
    actor = principal.actor
    try:
        person = do_create_person(session, actor=actor, data=validate(PersonCreate, form))
    except DomainError as error:
        return render(request, "registry/person_new.html",
                      _new_context(request, session, actor, form, error),
                      status_code=error.status)
    return RedirectResponse(f"/registry/persons/{person.id}?done=created", status_code=303)


def _render_person(
    request: Request, session: Session, actor: Actor, person: Person, *, revealed: bool = False,
    extra: dict[str, Any] | None = None, status_code: int = 200,
) -> HTMLResponse:
    context = {**common(request, actor), **person_context(session, actor, person,
                                                          revealed=revealed)}
    message = DONE.get(context["done"])
    if message:
        context["flash"] = request.state.tr.gettext(message)
    context.update(extra or {})
    return render(request, "registry/person.html", context, status_code=status_code)


@router.get("/registry/persons/{person_id}")
def person_page(
    request: Request, session: DbSession, principal: Reader, person_id: int
) -> HTMLResponse:
    """One person, masked; the look is audited."""
    actor = principal.actor
    person = access_person(session, actor, person_id)
    do_record_view(session, actor=actor, resource="person", record_id=person.id,
                   area_code=person.area_code, revealed=False)
    return _render_person(request, session, actor, person)


@router.post("/registry/persons/{person_id}/reveal")
def person_reveal(
    request: Request, session: DbSession, principal: Identifier, person_id: int
) -> HTMLResponse:
    """The person's page with the full ID number and phone; the reveal is audited."""
    actor = principal.actor
    person = access_person(session, actor, person_id)
    do_record_view(session, actor=actor, resource="person", record_id=person.id,
                   area_code=person.area_code, revealed=True)
    return _render_person(request, session, actor, person, revealed=True)


def _failed(
    request: Request, session: Session, actor: Actor, person: Person, *, form: str,
    values: dict[str, Any], error: DomainError,
) -> HTMLResponse:
    revealed = "id_number" in values or "phone" in values
    extra = {form: form_of(values, error), "open_form": form, **error_context(request, error)}
    return _render_person(request, session, actor, person, revealed=revealed, extra=extra,
                          status_code=error.status)


@router.post("/registry/persons/{person_id}")
def person_submit(
    request: Request, session: DbSession, principal: Writer, person_id: int, form: PersonForm
) -> Response:
    """Save the edit form; ID number and phone change only when the form carried them."""
    actor = principal.actor
    person = access_person(session, actor, person_id)
    try:
        do_update_person(session, actor=actor, person=person, data=validate(PersonUpdate, form))
    except DomainError as error:
        return _failed(request, session, actor, person, form="edit_form", values=form,
                       error=error)
    return RedirectResponse(f"/registry/persons/{person.id}?done=saved", status_code=303)


def _target_household(session: Session, actor: Actor, code: object) -> Household:
    household = get_household_by_code(session, str(code or "").strip())
    if household is None or not actor.sees(household.area_code):
        message = N_("No household with this code in your area.")
        raise PlaceInvalid(message, fields={"household_code": message})
    return household


@router.post("/registry/persons/{person_id}/move")
def person_move(
    request: Request, session: DbSession, principal: Writer, person_id: int, form: PersonForm
) -> Response:
    """Move the person to the household with the given code (户编号)."""
    actor = principal.actor
    person = access_person(session, actor, person_id)
    try:
        household = _target_household(session, actor, form.get("household_code"))
        data = validate(PersonMoveIn, {**form, "household_id": household.id,
                                       "reason": form.get("reason") or ""})
        do_move_person(session, actor=actor, person=person, household=household,
                       relation=data.relation, reason=data.reason)
    except DomainError as error:
        return _failed(request, session, actor, person, form="move_form", values=form,
                       error=error)
    return RedirectResponse(f"/registry/persons/{person.id}?done=moved", status_code=303)


@router.post("/registry/persons/{person_id}/status")
def person_status(
    request: Request, session: DbSession, principal: Writer, person_id: int, form: PersonForm
) -> Response:
    actor = principal.actor
    person = access_person(session, actor, person_id)
    try:
        data = validate(PersonStatusIn, {**form, "reason": form.get("reason") or ""})
        do_set_status(session, actor=actor, person=person, status=data.status,
                      reason=data.reason)
    except DomainError as error:
        return _failed(request, session, actor, person, form="status_form", values=form,
                       error=error)
    return RedirectResponse(f"/registry/persons/{person.id}?done=status", status_code=303)


def _merge_page(
    request: Request, session: Session, actor: Actor, pair: tuple[Person, Person],
    error: DomainError | None = None,
) -> HTMLResponse:
    kept, merged = pair
    records = persons_read(session, [kept, merged])
    return render(request, "registry/merge.html", {
        **common(request, actor), "kept": records[0], "merged": records[1],
        "places": place_names(session, [kept.area_code, merged.area_code]),
        **(error_context(request, error) if error else {}),
    }, status_code=error.status if error else 200)


@router.get("/registry/persons/{person_id}/merge")
def merge_confirm_page(
    request: Request, session: DbSession, principal: Merger, person_id: int,
    duplicate_id: int | None = None,
) -> Response:
    """Both records side by side, masked, before the duplicate is merged into the kept one."""
    actor = principal.actor
    kept = access_person(session, actor, person_id)
    if duplicate_id is None:
        return RedirectResponse(f"/registry/persons/{kept.id}", status_code=303)
    return _merge_page(request, session, actor, (kept, access_person(session, actor,
                                                                     duplicate_id)))


@router.post("/registry/persons/{person_id}/merge")
def merge_submit(
    request: Request, session: DbSession, principal: Merger, person_id: int, form: PersonForm
) -> Response:
    """Merge the confirmed duplicate into this person."""
    actor = principal.actor
    kept = access_person(session, actor, person_id)
    merged = access_person(session, actor, validate(PersonMergeIn, form).duplicate_id)
    try:
        do_merge_persons(session, actor=actor, kept=kept, merged=merged)
    except DomainError as error:
        return _merge_page(request, session, actor, (kept, merged), error)
    return RedirectResponse(f"/registry/persons/{kept.id}?done=merged", status_code=303)
