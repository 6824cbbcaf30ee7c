"""The quarantine API, lists part: alerts, the "to place" list, the release list, figures."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from fastapi import APIRouter, Body, Depends, Path, Query, Request
from pydantic import BaseModel

from fangkong.arrivals.queries import access_arrival
from fangkong.db import utcnow
from fangkong.errors import NotFound
from fangkong.permissions import Permission
from fangkong.quarantine.alerts import access_alert, alerts_stmt, do_acknowledge_alert
from fangkong.quarantine.api_sites import errors
from fangkong.quarantine.figures import quarantine_figures
from fangkong.quarantine.placing import do_place_arrival, do_place_follow_up, list_to_place
from fangkong.quarantine.queries import quarantine_reads
from fangkong.quarantine.release import do_release_all_due, release_list
from fangkong.quarantine.schemas import (
    AREA_PATTERN,
    AlertAck,
    AlertFilter,
    AlertRead,
    PlaceIn,
    QuarantineRead,
    ToPlaceRead,
)
from fangkong.quarantine.views import sweep_lazily, to_place_read
from fangkong.screening.queries import access_follow_up
from fangkong.web.deps import DbSession, Principal, SettingsDep, require
from fangkong.web.pagination import Page, Paging, paginate

router = APIRouter(tags=["quarantine"])

Reader = Annotated[Principal, Depends(require(Permission.QUARANTINE_READ))]
Writer = Annotated[Principal, Depends(require(Permission.QUARANTINE_WRITE))]
AlertReader = Annotated[Principal, Depends(require(Permission.ALERT_READ))]
AlertAcker = Annotated[Principal, Depends(require(Permission.ALERT_ACK))]
AlertId = Annotated[int, Path(ge=1, le=2**63 - 1)]
RecordId = Annotated[int, Path(ge=1, le=2**63 - 1)]
Place = Annotated[PlaceIn | None, Body()]


class ReleaseRead(BaseModel):
    quarantine: QuarantineRead
    meets_rule: bool
    problems: list[str]
    last_alert_at: datetime | None
    negative_test_at: datetime | None


@router.get("/quarantine/alerts", response_model=Page[AlertRead], responses=errors(403, 422))
def alerts(
    request: Request, session: DbSession, principal: AlertReader, paging: Paging,
    filters: Annotated[AlertFilter, Query()],
) -> Page[AlertRead]:
    """Alerts of the caller's area and everything below it: open first, newest first."""
    sweep_lazily(request, session, principal.actor)
    rows, total = paginate(session, alerts_stmt(principal.actor, filters), paging)
    return Page[AlertRead](items=[AlertRead.model_validate(row) for row in rows], total=total,
                           page=paging.page, size=paging.size)


@router.post("/quarantine/alerts/{alert_id}/ack", response_model=AlertRead,
             responses=errors(403, 404, 409, 422))
def acknowledge(session: DbSession, principal: AlertAcker, alert_id: AlertId,
                data: AlertAck) -> AlertRead:
    """Acknowledge an alert with what was done; `close` ends it."""
    alert = access_alert(session, principal.actor, alert_id)
    return AlertRead.model_validate(do_acknowledge_alert(session, actor=principal.actor,
                                                         alert=alert, data=data))


@router.get("/quarantine/to-place", response_model=list[ToPlaceRead], responses=errors(403))
def to_place(session: DbSession, principal: Reader) -> list[ToPlaceRead]:
    """People flagged by screening and arrivals whose rule calls for a measure, without an
    active quarantine: by community, a person once."""
    return [to_place_read(entry) for entry in list_to_place(session, principal.actor)]


@router.post("/quarantine/to-place/arrivals/{arrival_id}", status_code=201,
             response_model=QuarantineRead, responses=errors(403, 404, 409, 422))
def place_arrival(session: DbSession, settings: SettingsDep, principal: Writer,
                  arrival_id: RecordId, data: Place = None) -> QuarantineRead:
    """Start the arrival's rule (kind, days from the arrival day); registers the person when
    needed and marks the arrival placed."""
    arrival = access_arrival(session, principal.actor, arrival_id)
    done = do_place_arrival(session, actor=principal.actor, arrival=arrival,
                            data=data or PlaceIn(), zone=settings.zone)
    return quarantine_reads(session, [done])[0]


@router.post("/quarantine/to-place/follow-ups/{follow_up_id}", status_code=201,
             response_model=QuarantineRead, responses=errors(403, 404, 409, 422))
def place_follow_up(session: DbSession, settings: SettingsDep, principal: Writer,
                    follow_up_id: RecordId, data: Place = None) -> QuarantineRead:
    """Start the measure a follow-up's reasons call for; the follow-up is handled."""
    follow_up = access_follow_up(session, principal.actor, follow_up_id)
    done = do_place_follow_up(session, actor=principal.actor, follow_up=follow_up,
                              data=data or PlaceIn(), zone=settings.zone)
    return quarantine_reads(session, [done])[0]


@router.get("/quarantine/release", response_model=list[ReleaseRead], responses=errors(403, 422))
def releases(session: DbSession, settings: SettingsDep, principal: Reader,
             day: Annotated[date, Query()]) -> list[ReleaseRead]:
    """The release list of a day: planned end that day or earlier, and the rule's verdict."""
    verdicts = release_list(session, principal.actor, day, zone=settings.zone)
    reads = quarantine_reads(session, [verdict.quarantine for verdict in verdicts])
    return [ReleaseRead(quarantine=read, meets_rule=verdict.meets_rule,
                        problems=verdict.problems, last_alert_at=verdict.last_alert_at,
                        negative_test_at=verdict.negative_at)
            for read, verdict in zip(reads, verdicts, strict=True)]


@router.post("/quarantine/release", response_model=list[QuarantineRead],
             responses=errors(403, 409, 422))
def release_due(session: DbSession, settings: SettingsDep, principal: Writer,
                day: Annotated[date, Query()]) -> list[QuarantineRead]:
    """Release everyone of the day's list who meets the rule."""
    done = do_release_all_due(session, actor=principal.actor, day=day, zone=settings.zone)
    return quarantine_reads(session, done)


@router.get("/quarantine/figures", response_model=dict[str, dict[str, int]],
            responses=errors(403, 404, 422))
def figures(
    *, session: DbSession, settings: SettingsDep, principal: Reader,
    area: Annotated[str, Query(pattern=AREA_PATTERN)], day: Annotated[date, Query()],
    digits: Annotated[int, Query(ge=2, le=32, description="cut child codes at")] = 6,
) -> dict[str, dict[str, int]]:
    """Under quarantine by kind, new, released, checks done and missing, open alerts, life
    support open and overdue, for the areas below one area on a day."""
    if not principal.actor.sees(area):
        raise NotFound()
    return quarantine_figures(session, settings, area, max(digits, len(area)), day,
                              now=utcnow())
