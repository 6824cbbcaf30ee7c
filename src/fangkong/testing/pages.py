"""Testing pages: the samples of my area, recording a tube (single or pooled: scan or type the
tube number, add persons by ID number or name), a tube with its history and the result form,
the positive list with its handling, and the retest list. The lab import pages are in
`import_pages.py`, mounted below this router."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from fangkong.accounts.page_helpers import page_router, query_filter
from fangkong.db import utcnow
from fangkong.errors import DomainError
from fangkong.i18n import N_
from fangkong.permissions import Permission
from fangkong.registry.queries import access_person, place_names
from fangkong.scope import Actor
from fangkong.settings import Settings
from fangkong.testing import import_pages
from fangkong.testing.actions import do_collect_sample, do_handle_positive, do_record_result
from fangkong.testing.codes import Pool, Reason, Result, SampleKind, choices, label
from fangkong.testing.queries import (
    access_positive,
    access_sample,
    page_rows,
    persons_by_id_numbers,
    persons_in_scope,
    positives_stmt,
    retest_stmt,
    samples_stmt,
    search_persons,
)
from fangkong.testing.schemas import (
    PositiveFilter,
    PositiveHandle,
    ResultIn,
    RetestFilter,
    SampleCreate,
    SampleFilter,
)
from fangkong.testing.views import masked, sample_detail, sample_reads
from fangkong.web.deps import DbSession, Principal, SettingsDep, require
from fangkong.web.forms import validate
from fangkong.web.pagination import Page, Paging, paginate
from fangkong.web.templating import render

router = page_router()
router.include_router(import_pages.router)

SampleReader = Annotated[Principal, Depends(require(Permission.SAMPLE_READ))]
SampleWriter = Annotated[Principal, Depends(require(Permission.SAMPLE_WRITE))]
ResultWriter = Annotated[Principal, Depends(require(Permission.RESULT_WRITE))]
PositiveReader = Annotated[Principal, Depends(require(Permission.POSITIVE_READ))]
PositiveHandler = Annotated[Principal, Depends(require(Permission.POSITIVE_HANDLE))]

DONE = {
    "collected": N_("The sample has been recorded."),
    "result": N_("The result has been recorded."),
    "unchanged": N_("This result was recorded already; nothing changed."),
    "handled": N_("The positive has been marked handled."),
}


def common(request: Request, actor: Actor, **extra: Any) -> dict[str, Any]:
    """What every testing template may use: labels, choices, the caller's rights, a flash."""
    message = DONE.get(request.query_params.get("done", ""))
    return {
        "label": label, "masked": masked,
        "kinds": choices("kind", SampleKind), "reasons": choices("reason", Reason),
        "results": choices("result", Result), "pools": choices("pool", Pool),
        "can_collect": actor.can(Permission.SAMPLE_WRITE),
        "can_result": actor.can(Permission.RESULT_WRITE),
        "can_handle": actor.can(Permission.POSITIVE_HANDLE),
        "can_positives": actor.can(Permission.POSITIVE_READ),
        **({"flash": request.state.tr.gettext(message)} if message else {}), **extra,
    }


def error_flash(request: Request, error: DomainError) -> dict[str, Any]:
    return {"flash": request.state.tr.gettext(error.message, **error.params),
            "flash_kind": "error", "errors": error.fields}


def local_now(settings: Settings) -> str:
    """Now as a `datetime-local` input's value."""
    return utcnow().astimezone(settings.zone).strftime("%Y-%m-%dT%H:%M")


# --- samples ----------------------------------------------------------------------------------


@router.get("/testing")
def samples_page(request: Request, session: DbSession, settings: SettingsDep,
                 principal: SampleReader, paging: Paging) -> HTMLResponse:
    actor = principal.actor
    filters = query_filter(request, SampleFilter)
    rows, total = paginate(session, samples_stmt(actor, filters, settings.zone), paging)
    page = Page[Any](items=sample_reads(session, rows), total=total, page=paging.page,
                     size=paging.size)
    names = place_names(session, [row.area_code for row in page.items])
    return render(request, "testing/samples.html", common(
        request, actor, page=page, filters=filters, names=names))


def _new_form(request: Request, session: Session, actor: Actor, *, settings: Settings,
              values: dict[str, Any], status_code: int = 200, **extra: Any) -> HTMLResponse:
    chosen = persons_in_scope(session, actor, _ints(values.get("person_ids")))
    values.setdefault("collected_at", local_now(settings))
    return render(request, "testing/sample_new.html", common(
        request, actor, values=values, chosen=chosen, **{"errors": {}, **extra}),
        status_code=status_code)


def _ints(value: object) -> list[int]:
    items = value if isinstance(value, list) else [value] if value else []
    texts = [str(item) for item in items]
    return [int(text) for text in texts if text.isdigit() and 0 < int(text) < 2**63]


@router.get("/testing/samples/new")
def new_sample_page(request: Request, session: DbSession, settings: SettingsDep,
                    principal: SampleWriter) -> HTMLResponse:
    return _new_form(request, session, principal.actor, settings=settings,
                     values={"pool": "single"})


async def _sample_form(request: Request) -> dict[str, Any]:
    form = await request.form()
    data: dict[str, Any] = {key: str(value).strip() for key, value in form.items()
                            if key not in ("csrf_token", "person_ids") and isinstance(value, str)}
    data["person_ids"] = [str(value) for value in form.getlist("person_ids")]
    return {key: value for key, value in data.items() if value not in ("", [])}


@router.post("/testing/samples/new", response_model=None)
async def new_sample_submit(request: Request, session: DbSession, settings: SettingsDep,
                            principal: SampleWriter) -> Response:
    actor = principal.actor
    values = await _sample_form(request)
    try:
        data = validate(SampleCreate, values)
        persons = persons_in_scope(session, actor, data.person_ids)
        persons += persons_by_id_numbers(session, actor, data.id_numbers)
        sample = do_collect_sample(session, actor=actor, persons=persons, kind=data.kind,
                                   reason=data.reason, tube_code=data.tube_code,
                                   collected_at=data.collected_at or utcnow(),
                                   where=data.collected_where, pool=data.pool,
                                   zone=settings.zone)
    except DomainError as error:
        session.rollback()
        return _new_form(request, session, actor, settings=settings, values=values,
                         status_code=error.status, **error_flash(request, error))
    return RedirectResponse(f"/testing/samples/{sample.id}?done=collected", status_code=303)


@router.get("/testing/persons")
def person_search(request: Request, session: DbSession, principal: SampleWriter) -> HTMLResponse:
    """Persons of my area matching the text (ID number, phone or name), to add to a tube."""
    text = request.query_params.get("q", "")[:60]
    found = search_persons(session, principal.actor, text)
    return render(request, "testing/_person_results.html", common(
        request, principal.actor, found=found, q=text, names=place_names(
            session, [person.area_code for person in found])))


@router.get("/testing/persons/{person_id}/chip")
def person_chip(request: Request, session: DbSession, principal: SampleWriter,
                person_id: int) -> HTMLResponse:
    """A person added to the tube being recorded (a checkbox that takes them out again)."""
    person = access_person(session, principal.actor, person_id)
    return render(request, "testing/_chip.html", common(request, principal.actor, person=person))


@router.get("/testing/samples/{sample_id}")
def sample_page(request: Request, session: DbSession, settings: SettingsDep,
                principal: SampleReader, sample_id: int) -> HTMLResponse:
    return _sample_view(request, session, principal.actor, settings=settings,
                        sample_id=sample_id, values={})


def _sample_view(request: Request, session: Session, actor: Actor, *, settings: Settings,
                 sample_id: int, values: dict[str, Any], status_code: int = 200,
                 **extra: Any) -> HTMLResponse:
    sample = access_sample(session, actor, sample_id)
    detail = sample_detail(session, sample)
    names = place_names(session, [sample.area_code, *(m.area_code for m in detail.members)])
    values = {"reported_at": local_now(settings), "lab": sample.lab, **values}
    return render(request, "testing/sample.html", common(
        request, actor, sample=detail, names=names, values=values,
        **{"errors": {}, **extra}), status_code=status_code)


@router.post("/testing/samples/{sample_id}/results", response_model=None)
async def result_submit(request: Request, session: DbSession, settings: SettingsDep,
                        principal: ResultWriter, sample_id: int) -> Response:
    actor = principal.actor
    form = await request.form()
    values: dict[str, object] = {key: str(value).strip() for key, value in form.items()
                                 if key != "csrf_token" and str(value).strip()}
    try:
        sample = access_sample(session, actor, sample_id)
        data = validate(ResultIn, values)
        outcome = do_record_result(session, actor=actor, sample=sample, result=data.result,
                                   reported_at=data.reported_at or utcnow(), lab=data.lab,
                                   zone=settings.zone)
    except DomainError as error:
        if error.status == 404:
            raise
        session.rollback()
        return _sample_view(request, session, actor, settings=settings, sample_id=sample_id,
                            values=values, status_code=error.status,
                            **error_flash(request, error))
    done = "result" if outcome == "added" else "unchanged"
    return RedirectResponse(f"/testing/samples/{sample_id}?done={done}", status_code=303)


# --- positives and retests --------------------------------------------------------------------


@router.get("/testing/positives")
def positives_page(request: Request, session: DbSession, principal: PositiveReader,
                   paging: Paging) -> HTMLResponse:
    """阳性待处置: the persons with a positive result in my area, open ones first."""
    actor = principal.actor
    filters = query_filter(request, PositiveFilter) if request.query_params.get(
        "status") != "all" else PositiveFilter(status=None)
    rows, total = page_rows(session, positives_stmt(actor, filters), paging)
    page = Page[Any](items=rows, total=total, page=paging.page, size=paging.size)
    names = place_names(session, [positive.area_code for positive, _, _ in rows])
    return render(request, "testing/positives.html", common(
        request, actor, page=page, names=names, status=request.query_params.get("status", "")))


@router.post("/testing/positives/{positive_id}/handle", response_model=None)
async def handle_submit(request: Request, session: DbSession, principal: PositiveHandler,
                        positive_id: int) -> Response:
    actor = principal.actor
    positive = access_positive(session, actor, positive_id)
    form = await request.form()
    data = validate(PositiveHandle, {"note": str(form.get("note") or "").strip() or None})
    do_handle_positive(session, actor=actor, positive=positive, note=data.note)
    return RedirectResponse("/testing/positives?done=handled", status_code=303)


@router.get("/testing/retests")
def retests_page(request: Request, session: DbSession, principal: SampleReader,
                 paging: Paging) -> HTMLResponse:
    """待复检: persons of positive pooled tubes not yet retested, grid by grid."""
    actor = principal.actor
    rows, total = page_rows(session, retest_stmt(actor, query_filter(request, RetestFilter)),
                            paging)
    page = Page[Any](items=rows, total=total, page=paging.page, size=paging.size)
    names = place_names(session, [member.area_code for member, _, _ in rows])
    return render(request, "testing/retests.html", common(request, actor, page=page,
                                                          names=names))
