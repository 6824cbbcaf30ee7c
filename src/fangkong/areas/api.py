"""The areas API: the tree, one area with its counts, leaders, and the import of a tree."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Query, Response, UploadFile

from fangkong.accounts.schemas import ErrorRead
from fangkong.areas.actions import (
    do_create_area,
    do_create_leader,
    do_delete_leader,
    do_import_areas,
    do_update_area,
    do_update_leader,
)
from fangkong.areas.importer import read_area_rows, read_upload, translate_report
from fangkong.areas.queries import (
    access_area,
    access_leader,
    areas_stmt,
    count_by_level,
    count_children,
    leaders_stmt,
    list_children,
)
from fangkong.areas.schemas import (
    CODE_PATTERN,
    AreaCreate,
    AreaRead,
    AreaSummary,
    AreaUpdate,
    ImportReport,
    LeaderCreate,
    LeaderRead,
    LeaderUpdate,
)
from fangkong.permissions import Permission
from fangkong.web.deps import DbSession, Principal, Tr, require
from fangkong.web.pagination import Page, Paging, paginate

router = APIRouter(tags=["areas"])

AreaReader = Annotated[Principal, Depends(require(Permission.AREA_READ))]
AreaWriter = Annotated[Principal, Depends(require(Permission.AREA_WRITE))]
LeaderReader = Annotated[Principal, Depends(require(Permission.LEADER_READ))]
LeaderWriter = Annotated[Principal, Depends(require(Permission.LEADER_WRITE))]
Code = Annotated[str, Query(pattern=CODE_PATTERN, description="an area code")]


def errors(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI documentation of the error answers a route can give."""
    return {status: {"model": ErrorRead} for status in (401, 403, *statuses)}


@router.get("/areas", response_model=Page[AreaRead], responses=errors(422))
def list_areas(
    session: DbSession, principal: AreaReader, paging: Paging, *,
    parent: Annotated[str | None, Query(pattern=CODE_PATTERN, description="parent code")] = None,
    level: Annotated[str | None, Query(max_length=32, description="level key")] = None,
    q: Annotated[str | None, Query(max_length=50, description="name, code or pinyin")] = None,
) -> Page[AreaRead]:
    """Areas in the caller's scope, by code (or by level then code when searching)."""
    stmt = areas_stmt(principal.actor, parent=parent, level=level, text=q or None)
    rows, total = paginate(session, stmt, paging)
    return Page[AreaRead](items=[AreaRead.model_validate(row) for row in rows], total=total,
                          page=paging.page, size=paging.size)


@router.post("/areas", response_model=AreaRead, status_code=201, responses=errors(409, 422))
def create_area(session: DbSession, principal: AreaWriter, data: AreaCreate) -> AreaRead:
    return AreaRead.model_validate(do_create_area(session, actor=principal.actor, data=data))


@router.post("/areas/import", response_model=ImportReport, responses=errors(413, 422))
async def import_areas(
    session: DbSession, principal: AreaWriter, tr: Tr,
    file: Annotated[UploadFile, File(description="CSV, XLSX, XLS or ODS")],
) -> ImportReport:
    """Add or update areas from a file; rows that cannot be imported come back with reasons."""
    data = await read_upload(file)
    rows = read_area_rows(data, file.filename or "")
    report = do_import_areas(session, actor=principal.actor, rows=rows)
    return translate_report(report, tr)


@router.get("/areas/{code}", response_model=AreaSummary, responses=errors(404))
def get_area(session: DbSession, principal: AreaReader, code: str) -> AreaSummary:
    """One area with the number of its children and of the areas below it, per level."""
    area = access_area(session, principal.actor, code)
    by_level = count_by_level(session, area.code)
    return AreaSummary(
        **AreaRead.model_validate(area).model_dump(),
        children=count_children(session, [area.code])[area.code],
        descendants=sum(by_level.values()), by_level=by_level,
    )


@router.patch("/areas/{code}", response_model=AreaRead, responses=errors(404, 422))
def update_area(
    session: DbSession, principal: AreaWriter, code: str, data: AreaUpdate
) -> AreaRead:
    area = access_area(session, principal.actor, code)
    return AreaRead.model_validate(
        do_update_area(session, actor=principal.actor, area=area, data=data))


@router.get("/areas/{code}/children", response_model=list[AreaRead], responses=errors(404))
def get_children(session: DbSession, principal: AreaReader, code: str) -> list[AreaRead]:
    return [AreaRead.model_validate(area)
            for area in list_children(session, principal.actor, code)]


@router.get("/leaders", response_model=Page[LeaderRead], responses=errors(404, 422))
def list_leaders(
    session: DbSession, principal: LeaderReader, paging: Paging,
    area: Annotated[str | None, Query(pattern=CODE_PATTERN, description="area code")] = None,
) -> Page[LeaderRead]:
    """The leaders of one area, or of every area in the caller's scope."""
    if area is not None:
        access_area(session, principal.actor, area)
    rows, total = paginate(session, leaders_stmt(principal.actor, area), paging)
    return Page[LeaderRead](items=[LeaderRead.model_validate(row) for row in rows],
                            total=total, page=paging.page, size=paging.size)


@router.post("/leaders", response_model=LeaderRead, status_code=201, responses=errors(422))
def create_leader(session: DbSession, principal: LeaderWriter, data: LeaderCreate) -> LeaderRead:
    return LeaderRead.model_validate(
        do_create_leader(session, actor=principal.actor, data=data))


@router.patch("/leaders/{leader_id}", response_model=LeaderRead, responses=errors(404, 422))
def update_leader(
    session: DbSession, principal: LeaderWriter, leader_id: int, data: LeaderUpdate
) -> LeaderRead:
    leader = access_leader(session, principal.actor, leader_id)
    return LeaderRead.model_validate(
        do_update_leader(session, actor=principal.actor, leader=leader, data=data))


@router.delete("/leaders/{leader_id}", status_code=204, responses=errors(404))
def delete_leader(session: DbSession, principal: LeaderWriter, leader_id: int) -> Response:
    leader = access_leader(session, principal.actor, leader_id)
    do_delete_leader(session, actor=principal.actor, leader=leader)
    return Response(status_code=204)
