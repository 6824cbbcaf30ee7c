"""The commander's pages of the public bulletin: drafts and published bulletins, drafting from
the day's figures, editing with a preview, publishing, corrections as new versions."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from fangkong.areas.models import Area
from fangkong.areas.queries import access_area, list_levels
from fangkong.errors import DomainError
from fangkong.i18n import N_
from fangkong.permissions import Permission
from fangkong.reports.bulletin import (
    STATUS_LABELS,
    access_bulletin,
    build_figures,
    default_body,
    default_title,
    detail_levels,
    do_create_bulletin,
    do_delete_draft,
    do_publish_bulletin,
    do_update_bulletin,
    get_correction,
    list_bulletins,
)
from fangkong.reports.bulletin_schemas import BulletinCreate, BulletinUpdate
from fangkong.reports.daily import report_columns
from fangkong.reports.daily_views import chosen_day, local_today
from fangkong.reports.models import Bulletin
from fangkong.reports.sections import load_sections
from fangkong.settings import Settings
from fangkong.web.deps import DbSession, Principal, SettingsDep, require
from fangkong.web.forms import validate
from fangkong.web.templating import render

router = APIRouter()

Writer = Annotated[Principal, Depends(require(Permission.BULLETIN_WRITE))]
DayQuery = Annotated[date | None, Query()]


async def bulletin_form(request: Request) -> dict[str, object]:
    """The submitted form; blank fields left out, the chosen figures as a list."""
    form = await request.form()
    data: dict[str, object] = {key: value.strip() for key, value in form.multi_items()
                               if isinstance(value, str) and value.strip()
                               and key not in ("csrf_token", "columns")}
    data["columns"] = [value for value in form.getlist("columns") if isinstance(value, str)]
    return data


FormData = Annotated[dict[str, object], Depends(bulletin_form)]


def column_choices(request: Request) -> list[dict[str, Any]]:
    tr = request.state.tr
    return [{"key": item.key, "label": tr.gettext(item.column.label),
             "headline": item.column.headline} for item in report_columns(load_sections())]


def level_choices(session: Session, request: Request, area: Area) -> list[dict[str, str]]:
    levels = detail_levels(session, area)
    tr = request.state.tr
    names = list_levels(session)
    return [{"key": key, "label": tr.pick(names[key].name_zh, names[key].name_en)
             if key in names else key} for key in levels]


def _form_context(session: Session, request: Request, *, area: Area, values: dict[str, Any],
                  earlier: Bulletin | None = None, bulletin: Bulletin | None = None
                  ) -> dict[str, Any]:
    return {"area": area, "values": values, "columns": column_choices(request),
            "levels": level_choices(session, request, area), "earlier": earlier,
            "bulletin": bulletin, "status_labels": STATUS_LABELS}


def _initial(session: Session, settings: Settings, request: Request, *, area: Area,
             day: date) -> dict[str, Any]:
    columns = [item["key"] for item in column_choices(request) if item["headline"]]
    level = detail_levels(session, area)[-1]
    figures = build_figures(session, settings, area=area, day=day, columns=columns,
                            detail_level=level)
    tr = request.state.tr
    return {"day": day.isoformat(), "columns": columns, "detail_level": level,
            "title": default_title(area, day, tr), "body": default_body(figures, tr),
            "correction_note": ""}


@router.get("/reports/bulletins", response_class=HTMLResponse)
def bulletins_page(request: Request, *, session: DbSession, settings: SettingsDep,
                   principal: Writer) -> Response:
    """Drafts and published bulletins of my area, newest day first."""
    actor = principal.actor
    return render(request, "reports/bulletins.html", {
        "bulletins": list_bulletins(session, actor), "status_labels": STATUS_LABELS,
        "today": local_today(settings), "area": access_area(session, actor, actor.area_code)
        if actor.scope else None})


@router.get("/reports/bulletins/new", response_class=HTMLResponse)
def new_bulletin_page(request: Request, *, session: DbSession, settings: SettingsDep,
                      principal: Writer, day: DayQuery = None,
                      corrects: Annotated[int | None, Query()] = None) -> Response:
    """A draft started from the day's figures (or a correction of a published bulletin)."""
    actor = principal.actor
    earlier = access_bulletin(session, actor, corrects) if corrects else None
    area = access_area(session, actor, earlier.area_code if earlier else actor.area_code)
    values = _correction_values(earlier) if earlier else _initial(
        session, settings, request, area=area, day=chosen_day(day, settings))
    return render(request, "reports/bulletin_form.html", _form_context(
        session, request, area=area, values=values, earlier=earlier))


def _correction_values(earlier: Bulletin) -> dict[str, Any]:
    return {"day": earlier.day.isoformat(), "title": earlier.title, "body": earlier.body,
            "columns": [item["key"] for item in earlier.figures.get("columns", [])],
            "detail_level": earlier.detail_level, "correction_note": ""}


@router.post("/reports/bulletins", response_model=None)
def create_bulletin(request: Request, *, session: DbSession, settings: SettingsDep,
                    principal: Writer, form: FormData) -> Response:
    """Save the draft (or fill the figures into the wording again and show the form)."""
    actor = principal.actor
    earlier_id = form.get("supersedes_id")
    earlier = access_bulletin(session, actor, int(str(earlier_id))) if isinstance(
        earlier_id, str) and earlier_id.isdigit() else None
    area = access_area(session, actor, earlier.area_code if earlier else str(
        form.get("area_code") or actor.area_code))
    form.setdefault("area_code", area.code)
    try:
        if form.get("action") == "refill":
            return _refilled(session, settings, request, area=area, form=form, earlier=earlier)
        bulletin = do_create_bulletin(session, actor=actor, settings=settings,
                                      data=validate(BulletinCreate, form))
    except DomainError as error:
        return _form_error(session, request, error, area=area, form=form, earlier=earlier)
    return RedirectResponse(f"/reports/bulletins/{bulletin.id}", status_code=303)


def _refilled(session: Session, settings: Settings, request: Request, *, area: Area,
              form: dict[str, object], earlier: Bulletin | None) -> Response:
    data = validate(BulletinCreate, {**form, "title": form.get("title") or "-"})
    figures = build_figures(session, settings, area=area, day=data.day, columns=data.columns,
                            detail_level=data.detail_level)
    values = {**form, "body": default_body(figures, request.state.tr)}
    return render(request, "reports/bulletin_form.html", _form_context(
        session, request, area=area, values=values, earlier=earlier))


def _form_error(session: Session, request: Request, error: DomainError, *, area: Area,
                form: dict[str, object], earlier: Bulletin | None,
                bulletin: Bulletin | None = None) -> Response:
    if error.status == 404:
        raise error
    context = _form_context(session, request, area=area, values=form, earlier=earlier,
                            bulletin=bulletin)
    template = "reports/bulletin.html" if bulletin else "reports/bulletin_form.html"
    if bulletin:
        context |= _bulletin_context(session, bulletin)
        context["values"] = form
    return render(request, template, {
        **context, "error": error, "flash_kind": "error",
        "flash": request.state.tr.gettext(error.message, "reports")},
        status_code=error.status)


def _bulletin_context(session: Session, bulletin: Bulletin) -> dict[str, Any]:
    earlier = session.get(Bulletin, bulletin.supersedes_id) if bulletin.supersedes_id else None
    return {"bulletin": bulletin, "earlier": earlier,
            "correction": get_correction(session, bulletin), "status_labels": STATUS_LABELS}


@router.get("/reports/bulletins/{bulletin_id}", response_class=HTMLResponse)
def bulletin_page(request: Request, *, session: DbSession, principal: Writer,
                  bulletin_id: int) -> Response:
    """The bulletin as the public will see it; a draft with its edit form and publish button."""
    actor = principal.actor
    bulletin = access_bulletin(session, actor, bulletin_id)
    area = access_area(session, actor, bulletin.area_code)
    values = {**_correction_values(bulletin), "correction_note": bulletin.correction_note}
    return render(request, "reports/bulletin.html", {
        **_form_context(session, request, area=area, values=values, bulletin=bulletin),
        **_bulletin_context(session, bulletin), **_done(request)})


def _done(request: Request) -> dict[str, str]:
    messages = {"saved": N_("The draft has been saved."),
                "published": N_("The bulletin has been published.")}
    message = messages.get(request.query_params.get("done", ""))
    return {"flash": request.state.tr.gettext(message, "reports")} if message else {}


@router.post("/reports/bulletins/{bulletin_id}", response_model=None)
def update_bulletin(request: Request, *, session: DbSession, settings: SettingsDep,
                    principal: Writer, bulletin_id: int, form: FormData) -> Response:
    """Save a draft's changes (figures taken again for the chosen columns and level)."""
    actor = principal.actor
    bulletin = access_bulletin(session, actor, bulletin_id)
    area = access_area(session, actor, bulletin.area_code)
    try:
        do_update_bulletin(session, actor=actor, settings=settings, bulletin=bulletin,
                           data=validate(BulletinUpdate, form))
    except DomainError as error:
        return _form_error(session, request, error, area=area, form=form, earlier=None,
                           bulletin=bulletin)
    return RedirectResponse(f"/reports/bulletins/{bulletin.id}?done=saved", status_code=303)


@router.post("/reports/bulletins/{bulletin_id}/publish", response_model=None)
def publish_bulletin(*, session: DbSession, principal: Writer, bulletin_id: int) -> Response:
    """Publish a draft: from now on it is shown publicly and never changed."""
    bulletin = access_bulletin(session, principal.actor, bulletin_id)
    do_publish_bulletin(session, actor=principal.actor, bulletin=bulletin)
    return RedirectResponse(f"/reports/bulletins/{bulletin.id}?done=published",
                            status_code=303)


@router.post("/reports/bulletins/{bulletin_id}/delete", response_model=None)
def delete_bulletin(*, session: DbSession, principal: Writer, bulletin_id: int) -> Response:
    """Throw a draft away (a published bulletin stays)."""
    bulletin = access_bulletin(session, principal.actor, bulletin_id)
    do_delete_draft(session, actor=principal.actor, bulletin=bulletin)
    return RedirectResponse("/reports/bulletins", status_code=303)
