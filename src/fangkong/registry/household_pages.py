"""The registry's household pages (list by grid, new, one household with its members) and the
suggested duplicates; included in the router of `pages.py`."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from fangkong.accounts.page_helpers import page_router
from fangkong.errors import DomainError, Invalid
from fangkong.i18n import N_
from fangkong.permissions import Permission
from fangkong.registry.actions import do_create_household, do_record_view, do_update_household
from fangkong.registry.models import Household
from fangkong.registry.queries import (
    access_household,
    duplicate_suggestions,
    list_households,
    place_names,
)
from fangkong.registry.schemas import (
    HouseholdCreate,
    HouseholdFilter,
    HouseholdUpdate,
    household_read,
)
from fangkong.registry.views import (
    area_summary,
    common,
    error_context,
    form_of,
    grids_in_scope,
    household_context,
    persons_read,
)
from fangkong.scope import Actor
from fangkong.web.deps import DbSession, Principal, require
from fangkong.web.forms import form_data, validate
from fangkong.web.pagination import Page, Paging
from fangkong.web.templating import render

router = page_router()

Reader = Annotated[Principal, Depends(require(Permission.PERSON_READ))]
Writer = Annotated[Principal, Depends(require(Permission.PERSON_WRITE))]
FormData = Annotated[dict[str, object], Depends(form_data)]

EDITABLE = ("address", "head_name", "notes")  # blank clears; a blank phone keeps the number
DONE = {
    "created": N_("The household has been registered."),
    "saved": N_("The changes have been saved."),
}


def _filters(request: Request) -> tuple[HouseholdFilter, dict[str, str]]:
    given: dict[str, object] = {name: value for name in HouseholdFilter.model_fields
             if (value := request.query_params.get(name, "").strip())}
    try:
        return validate(HouseholdFilter, given), {}
    except Invalid as error:
        return validate(HouseholdFilter, {k: v for k, v in given.items()
                                          if k not in error.fields}), error.fields


@router.get("/registry/households")
def households_page(
    request: Request, session: DbSession, principal: Reader, paging: Paging
) -> HTMLResponse:
    """Households of the caller's area by grid and address, with the area's figures."""
    actor = principal.actor
    filters, errors = _filters(request)
    rows, total = list_households(session, actor, filters, paging)
    page = Page[Any](items=[household_read(row) for row in rows], total=total,
                     page=paging.page, size=paging.size)
    return render(request, "registry/households.html", {
        **common(request, actor), "page": page, "filters": filters, "filter_errors": errors,
        "places": place_names(session, [row.area_code for row in rows]),
        **area_summary(session, actor, filters.area or actor.area_code),
    })


def _new_context(
    request: Request, session: Session, actor: Actor, values: dict[str, Any],
    error: DomainError | None = None,
) -> dict[str, Any]:
    return {**common(request, actor), "form": form_of(values, error),
            "grids": grids_in_scope(session, actor),
            **(error_context(request, error) if error else {})}


@router.get("/registry/households/new")
def new_household_page(request: Request, session: DbSession, principal: Writer) -> HTMLResponse:
    values = {"area_code": request.query_params.get("area_code") or principal.actor.area_code,
              "kind": "family"}
    return render(request, "registry/household_new.html",
                  _new_context(request, session, principal.actor, values))


@router.post("/registry/households/new")
def new_household_submit(
    request: Request, session: DbSession, principal: Writer, form: FormData
) -> Response:
    actor = principal.actor
    try:
        household = do_create_household(session, actor=actor,
                                        data=validate(HouseholdCreate, form))
    except DomainError as error:
        return render(request, "registry/household_new.html",
                      _new_context(request, session, actor, form, error),
                      status_code=error.status)
    return RedirectResponse(f"/registry/households/{household.id}?done=created",
                            status_code=303)


def _render_household(
    request: Request, session: Session, actor: Actor, household: Household,
    extra: dict[str, Any] | None = None, *, status_code: int = 200,
) -> HTMLResponse:
    context = {**common(request, actor), **household_context(session, household)}
    message = DONE.get(context["done"])
    if message:
        context["flash"] = request.state.tr.gettext(message)
    context.update(extra or {})
    return render(request, "registry/household.html", context, status_code=status_code)


@router.get("/registry/households/{household_id}")
def household_page(
    request: Request, session: DbSession, principal: Reader, household_id: int
) -> HTMLResponse:
    """A household and everyone in it (masked); the look is audited."""
    actor = principal.actor
    household = access_household(session, actor, household_id)
    do_record_view(session, actor=actor, resource="household", record_id=household.id,
                   area_code=household.area_code, revealed=False)
    return _render_household(request, session, actor, household)


@router.post("/registry/households/{household_id}")
def household_submit(
    request: Request, session: DbSession, principal: Writer, household_id: int,
    form: FormData,
) -> Response:
    actor = principal.actor
    household = access_household(session, actor, household_id)
    values = {**form, **{name: form.get(name) or "" for name in EDITABLE}}
    try:
        do_update_household(session, actor=actor, household=household,
                            data=validate(HouseholdUpdate, values))
    except DomainError as error:
        extra = {"edit_form": form_of(values, error), "open_form": "edit_form",
                 **error_context(request, error)}
        return _render_household(request, session, actor, household, extra,
                                 status_code=error.status)
    return RedirectResponse(f"/registry/households/{household.id}?done=saved",
                            status_code=303)


@router.get("/registry/duplicates")
def duplicates_page(request: Request, session: DbSession, principal: Reader) -> HTMLResponse:
    """Records that may be one person, strong suggestions first; merging asks to confirm."""
    actor = principal.actor
    groups = duplicate_suggestions(session, actor)
    shown = [(group.strength, persons_read(session, group.persons)) for group in groups]
    codes = [person.area_code for group in groups for person in group.persons]
    return render(request, "registry/duplicates.html", {
        **common(request, actor), "groups": shown, "places": place_names(session, codes),
    })
