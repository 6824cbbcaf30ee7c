"""The testing API: samples (list, collect, get), results by form, lab file import, the
positive list (list, handle), the retest list and the figures."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, File, Form, Path, Query, Request, Response, UploadFile

from fangkong.areas.queries import access_area, list_children
from fangkong.db import utcnow
from fangkong.permissions import Permission
from fangkong.quarantine.api_sites import errors
from fangkong.testing.actions import do_collect_sample, do_handle_positive, do_record_result
from fangkong.testing.figures import testing_figures
from fangkong.testing.lab_export import rejected_workbook
from fangkong.testing.lab_import import WEB_BATCH, access_lab_import, run_lab_import
from fangkong.testing.queries import (
    access_positive,
    access_sample,
    page_rows,
    persons_by_id_numbers,
    persons_in_scope,
    positive_row,
    positives_stmt,
    retest_stmt,
    samples_stmt,
)
from fangkong.testing.schemas import (
    AREA_PATTERN,
    ImportRead,
    PositiveFilter,
    PositiveHandle,
    PositiveRead,
    RecordedRead,
    ResultIn,
    RetestFilter,
    RetestRead,
    SampleCreate,
    SampleDetail,
    SampleFilter,
    SampleRead,
)
from fangkong.testing.uploads import save_upload
from fangkong.testing.views import (
    import_read,
    positive_read,
    retest_read,
    sample_detail,
    sample_reads,
)
from fangkong.web.deps import DbSession, Principal, SettingsDep, require
from fangkong.web.pagination import Page, Paging, paginate

router = APIRouter(tags=["testing"])

SampleReader = Annotated[Principal, Depends(require(Permission.SAMPLE_READ))]
SampleWriter = Annotated[Principal, Depends(require(Permission.SAMPLE_WRITE))]
ResultWriter = Annotated[Principal, Depends(require(Permission.RESULT_WRITE))]
PositiveReader = Annotated[Principal, Depends(require(Permission.POSITIVE_READ))]
PositiveHandler = Annotated[Principal, Depends(require(Permission.POSITIVE_HANDLE))]
RecordId = Annotated[int, Path(ge=1, le=2**63 - 1)]
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@router.get("/testing/samples", response_model=Page[SampleRead], responses=errors(403, 422))
def list_samples(session: DbSession, settings: SettingsDep, principal: SampleReader,
                 paging: Paging, filters: Annotated[SampleFilter, Query()]) -> Page[SampleRead]:
    """Samples of the caller's area, the latest taken first (by area, day, result, kind)."""
    rows, total = paginate(session, samples_stmt(principal.actor, filters, settings.zone),
                           paging)
    return Page[SampleRead](items=sample_reads(session, rows), total=total, page=paging.page,
                            size=paging.size)


@router.post("/testing/samples", status_code=201, response_model=SampleDetail,
             responses=errors(403, 404, 409, 422))
def collect_sample(session: DbSession, settings: SettingsDep, principal: SampleWriter,
                   data: SampleCreate) -> SampleDetail:
    """采样: a tube for one person (单检) or pooled for up to 10 or 20 (混检), the persons by
    id or by resident ID number in the caller's area. A used tube number answers 409
    `testing.tube_exists`."""
    actor = principal.actor
    persons = persons_in_scope(session, actor, data.person_ids)
    persons += persons_by_id_numbers(session, actor, data.id_numbers)
    sample = do_collect_sample(session, actor=actor, persons=persons, kind=data.kind,
                               reason=data.reason, tube_code=data.tube_code,
                               collected_at=data.collected_at or utcnow(),
                               where=data.collected_where, pool=data.pool, zone=settings.zone)
    return sample_detail(session, sample)


@router.get("/testing/samples/{sample_id}", response_model=SampleDetail,
            responses=errors(403, 404))
def get_sample(session: DbSession, principal: SampleReader, sample_id: RecordId) -> SampleDetail:
    """A tube with its persons (ID numbers masked) and its result history, latest first."""
    return sample_detail(session, access_sample(session, principal.actor, sample_id))


@router.post("/testing/samples/{sample_id}/results", response_model=RecordedRead,
             responses=errors(403, 404, 409, 422))
def record_result(session: DbSession, settings: SettingsDep, principal: ResultWriter,
                  sample_id: RecordId, data: ResultIn) -> RecordedRead:
    """A lab's result for the tube. The same tube, time and lab again is `unchanged`; another
    result for them answers 409 `testing.result_conflict`. A positive single tube puts the
    person on the positive list and alerts their community at once; a positive pooled tube
    marks its persons for retesting."""
    sample = access_sample(session, principal.actor, sample_id)
    outcome = do_record_result(session, actor=principal.actor, sample=sample, result=data.result,
                               reported_at=data.reported_at or utcnow(), lab=data.lab,
                               zone=settings.zone)
    return RecordedRead(outcome=outcome, sample=sample_reads(session, [sample])[0])


@router.post("/testing/import", response_model=ImportRead, responses=errors(403, 413, 422))
def import_lab_file(
    session: DbSession, settings: SettingsDep, principal: ResultWriter,
    file: Annotated[UploadFile, File(description="CSV or XLSX: 试管编号 or 身份证号码, 检测结果, "
                                                 "检测时间, 检测机构")],
    lab: Annotated[str, Form(max_length=100, description="the lab, for rows without one")] = "",
) -> ImportRead:
    """Import a lab's result file; each row is added, unchanged or rejected with its reasons
    (`rejected_url`: the rejected rows as a spreadsheet with a reason column)."""
    source = save_upload(file.file, file.filename or "upload", settings)
    try:
        batch = run_lab_import(session, actor=principal.actor, source=source, lab=lab,
                               batch_size=WEB_BATCH, max_mb=settings.import_max_mb,
                               zone=settings.zone)
    finally:
        source.path.unlink(missing_ok=True)
    return import_read(batch)


@router.get("/testing/imports/{batch_id}", response_model=ImportRead,
            responses=errors(403, 404))
def get_import(session: DbSession, principal: ResultWriter, batch_id: RecordId) -> ImportRead:
    return import_read(access_lab_import(session, principal.actor, batch_id))


@router.get("/testing/imports/{batch_id}/rejected.xlsx", response_class=Response,
            responses={200: {"content": {XLSX_TYPE: {}}}, **errors(403, 404)})
def rejected_rows(request: Request, session: DbSession, principal: ResultWriter,
                  batch_id: RecordId) -> Response:
    """The rejected rows under the file's header, with the reasons in the last column."""
    batch = access_lab_import(session, principal.actor, batch_id)
    data = rejected_workbook(session, batch, request.state.tr)
    return Response(data, media_type=XLSX_TYPE, headers={
        "Content-Disposition": f'attachment; filename="rejected-{batch.id}.xlsx"'})


@router.get("/testing/positives", response_model=Page[PositiveRead], responses=errors(403, 422))
def list_positives(session: DbSession, principal: PositiveReader, paging: Paging,
                   filters: Annotated[PositiveFilter, Query()]) -> Page[PositiveRead]:
    """阳性待处置: persons with a positive result, open ones first."""
    rows, total = page_rows(session, positives_stmt(principal.actor, filters), paging)
    return Page[PositiveRead](items=[positive_read(*row) for row in rows], total=total,
                              page=paging.page, size=paging.size)


@router.post("/testing/positives/{positive_id}/handle", response_model=PositiveRead,
             responses=errors(403, 404, 409, 422))
def handle_positive(session: DbSession, principal: PositiveHandler, positive_id: RecordId,
                    data: PositiveHandle) -> PositiveRead:
    """处置: mark a positive handled, saying what was done."""
    positive = access_positive(session, principal.actor, positive_id)
    do_handle_positive(session, actor=principal.actor, positive=positive, note=data.note)
    return positive_read(*positive_row(session, positive))


@router.get("/testing/retests", response_model=Page[RetestRead], responses=errors(403, 422))
def list_retests(session: DbSession, principal: SampleReader, paging: Paging,
                 filters: Annotated[RetestFilter, Query()]) -> Page[RetestRead]:
    """待复检: persons of positive pooled tubes not yet retested, by grid."""
    rows, total = page_rows(session, retest_stmt(principal.actor, filters), paging)
    return Page[RetestRead](items=[retest_read(*row) for row in rows], total=total,
                            page=paging.page, size=paging.size)


@router.get("/testing/figures", response_model=dict[str, dict[str, int]],
            responses=errors(403, 404, 422))
def figures(
    session: DbSession, settings: SettingsDep, principal: SampleReader,
    area: Annotated[str | None, Query(pattern=AREA_PATTERN)] = None,
    day: Annotated[date | None, Query(description="local day; today by default")] = None,
) -> dict[str, dict[str, int]]:
    """The figures of each part of an area (the caller's by default) on a local day: tubes
    taken, results reported, new positives; tubes pending, positives open and retests now."""
    actor = principal.actor
    parent = access_area(session, actor, area or actor.area_code)
    children = list_children(session, actor, parent.code)
    digits = len(children[0].code) if children else len(parent.code)
    when = day or utcnow().astimezone(settings.zone).date()
    return testing_figures(session, settings, parent.code, digits, when)
