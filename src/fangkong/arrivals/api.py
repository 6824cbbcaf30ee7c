"""The arrivals API: key areas, rules, checkpoints, arrivals, divisions, quotas, bookings.

The public pages (self-registration, booking) are pages, not part of this schema.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request, Response

from fangkong.accounts.schemas import ErrorRead
from fangkong.arrivals import api_records
from fangkong.arrivals.actions import (
    do_add_key_area,
    do_change_key_area_level,
    do_close_key_area,
    do_create_checkpoint,
    do_delete_checkpoint,
    do_set_rule,
    do_update_checkpoint,
)
from fangkong.arrivals.codes import RiskLevel
from fangkong.arrivals.places import search_places
from fangkong.arrivals.queries import (
    access_checkpoint,
    get_key_area,
    list_checkpoints,
    list_key_areas,
)
from fangkong.arrivals.risk import list_rules, risk_of
from fangkong.arrivals.schemas import (
    CheckpointCreate,
    CheckpointRead,
    CheckpointUpdate,
    DivisionRead,
    KeyAreaChange,
    KeyAreaClose,
    KeyAreaCreate,
    KeyAreaRead,
    RiskRead,
    RuleRead,
    RuleUpdate,
)
from fangkong.permissions import Permission
from fangkong.web.deps import DbSession, Principal, require
from fangkong.web.templating import render

router = APIRouter(tags=["arrivals"])

READ_KEY_AREAS = Depends(require(Permission.KEYAREA_READ))
KeyAreaWriter = Annotated[Principal, Depends(require(Permission.KEYAREA_WRITE))]
PolicyWriter = Annotated[Principal, Depends(require(Permission.POLICY_WRITE))]
CheckpointReader = Annotated[Principal, Depends(require(Permission.CHECKPOINT_READ))]
CheckpointWriter = Annotated[Principal, Depends(require(Permission.CHECKPOINT_WRITE))]
KeyAreaId = Annotated[int, Path(ge=1, le=2**31 - 1)]
CheckpointId = Annotated[int, Path(ge=1, le=2**31 - 1)]


def errors(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI documentation of the error answers a route can give."""
    return {status: {"model": ErrorRead} for status in (401, *statuses)}


@router.get("/key-areas", response_model=list[KeyAreaRead], responses=errors(403, 422),
            dependencies=[READ_KEY_AREAS])
def key_areas(
    session: DbSession,
    on: Annotated[date | None, Query(description="only those valid on this day")] = None,
) -> list[KeyAreaRead]:
    """Key areas (重点地区) with their levels and dates; all history unless a day is given."""
    return [KeyAreaRead.model_validate(row) for row in list_key_areas(session, current_on=on)]


@router.post("/key-areas", status_code=201, response_model=KeyAreaRead,
             responses=errors(403, 409, 422))
def add_key_area(session: DbSession, principal: KeyAreaWriter, data: KeyAreaCreate) -> KeyAreaRead:
    return KeyAreaRead.model_validate(do_add_key_area(session, actor=principal.actor, data=data))


@router.post("/key-areas/{key_area_id}/level", status_code=201, response_model=KeyAreaRead,
             responses=errors(403, 404, 409, 422))
def change_key_area_level(
    session: DbSession, principal: KeyAreaWriter, key_area_id: KeyAreaId, data: KeyAreaChange
) -> KeyAreaRead:
    """A new level from a day on: the current entry ends the day before, a new one starts."""
    row = do_change_key_area_level(session, actor=principal.actor,
                                   key_area=get_key_area(session, key_area_id), data=data)
    return KeyAreaRead.model_validate(row)


@router.post("/key-areas/{key_area_id}/close", response_model=KeyAreaRead,
             responses=errors(403, 404, 409, 422))
def close_key_area(
    session: DbSession, principal: KeyAreaWriter, key_area_id: KeyAreaId, data: KeyAreaClose
) -> KeyAreaRead:
    """The region stops being a key area from a day on; the entry stays as history."""
    row = do_close_key_area(session, actor=principal.actor,
                            key_area=get_key_area(session, key_area_id), data=data)
    return KeyAreaRead.model_validate(row)


@router.get("/risk", response_model=RiskRead, responses=errors(403, 422),
            dependencies=[READ_KEY_AREAS])
def risk(
    session: DbSession,
    code: Annotated[str, Query(pattern=r"^([0-9]{2}|[0-9]{4}|[0-9]{6})$")],
    on: Annotated[date, Query()],
) -> RiskRead:
    """The risk level of a place on a day: the most specific key area covering it."""
    return RiskRead(division_code=code, on=on, risk_level=risk_of(session, code, on))


@router.get("/arrival-rules", response_model=list[RuleRead], responses=errors(403),
            dependencies=[READ_KEY_AREAS])
def rules(session: DbSession) -> list[RuleRead]:
    """What follows from arriving from an area of each risk level."""
    return [RuleRead.model_validate(rule) for rule in list_rules(session).values()]


@router.put("/arrival-rules/{risk_level}", response_model=RuleRead,
            responses=errors(403, 404, 422))
def set_rule(
    session: DbSession, principal: PolicyWriter, risk_level: RiskLevel, data: RuleUpdate
) -> RuleRead:
    rule = do_set_rule(session, actor=principal.actor, risk_level=risk_level, data=data)
    return RuleRead.model_validate(rule)


@router.get("/checkpoints", response_model=list[CheckpointRead], responses=errors(403))
def checkpoints(session: DbSession, principal: CheckpointReader) -> list[CheckpointRead]:
    """Checkpoints (卡口) in the caller's area."""
    return [CheckpointRead.model_validate(row)
            for row in list_checkpoints(session, principal.actor)]


@router.post("/checkpoints", status_code=201, response_model=CheckpointRead,
             responses=errors(403, 422))
def create_checkpoint(
    session: DbSession, principal: CheckpointWriter, data: CheckpointCreate
) -> CheckpointRead:
    row = do_create_checkpoint(session, actor=principal.actor, data=data)
    return CheckpointRead.model_validate(row)


@router.get("/checkpoints/{checkpoint_id}", response_model=CheckpointRead,
            responses=errors(403, 404))
def checkpoint(
    session: DbSession, principal: CheckpointReader, checkpoint_id: CheckpointId
) -> CheckpointRead:
    return CheckpointRead.model_validate(
        access_checkpoint(session, principal.actor, checkpoint_id))


@router.patch("/checkpoints/{checkpoint_id}", response_model=CheckpointRead,
              responses=errors(403, 404, 422))
def update_checkpoint(
    session: DbSession, principal: CheckpointWriter, checkpoint_id: CheckpointId,
    data: CheckpointUpdate,
) -> CheckpointRead:
    row = access_checkpoint(session, principal.actor, checkpoint_id)
    return CheckpointRead.model_validate(
        do_update_checkpoint(session, actor=principal.actor, checkpoint=row, data=data))


@router.delete("/checkpoints/{checkpoint_id}", status_code=204, response_class=Response,
               responses=errors(403, 404, 409))
def delete_checkpoint(
    session: DbSession, principal: CheckpointWriter, checkpoint_id: CheckpointId
) -> Response:
    """Remove a checkpoint nobody was registered at (otherwise deactivate it)."""
    row = access_checkpoint(session, principal.actor, checkpoint_id)
    do_delete_checkpoint(session, actor=principal.actor, checkpoint=row)
    return Response(status_code=204)


@router.get("/divisions", response_model=list[DivisionRead], responses={
    422: {"model": ErrorRead},
    200: {"content": {"text/html": {}}, "description": "with `HX-Request`: `<option>`s"}})
def divisions(
    request: Request,
    q: Annotated[str, Query(max_length=40, description="name, code or pinyin initials")] = "",
) -> Any:
    """Provinces, cities and counties by name (武汉), code (4201) or pinyin initials (whs);
    public reference data. Asked by htmx, answers the `<option>`s of the picker's list."""
    found = search_places(q)
    if request.headers.get("hx-request"):
        return render(request, "arrivals/_division_options.html", {"places": found})
    return [DivisionRead(code=p.code, name=p.name, full_name=p.full_name) for p in found]


router.include_router(api_records.router)
