"""The public bulletin pages (信息发布, no account): the latest published bulletins with their
date and time, notices, rumour rebuttals, the hotline and mailbox and the self-registration
links; the archive; one version of a bulletin (a correction names what it corrects).

Only what a commander published is shown: drafts and withdrawn notices answer 404, and a
bulletin shows exactly the figures frozen into it at the level the commander chose."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from fangkong.i18n import N_
from fangkong.reports.bulletin import (
    format_value,
    get_correction,
    get_published,
    latest_published,
    list_published,
)
from fangkong.reports.bulletin_notices import KIND_LABELS, list_public_notices
from fangkong.reports.models import Bulletin
from fangkong.web.deps import DbSession
from fangkong.web.templating import render

router = APIRouter()

SELF_REGISTRATION = (
    ("/public/arrive", N_("Register your arrival")),
    ("/public/booking", N_("Book your return")),
)


def _common(**extra: Any) -> dict[str, Any]:
    return {"fmt": format_value, "kind_labels": KIND_LABELS, **extra}


@router.get("/public", response_class=HTMLResponse)
def public_home(request: Request, *, session: DbSession) -> Response:
    """The latest bulletins, notices, rumour rebuttals, hotline and mailbox, and the links to
    register an arrival or book a return."""
    return render(request, "reports/public/home.html", _common(
        bulletins=latest_published(session),
        notices=list_public_notices(session, kind="notice", limit=10),
        rumours=list_public_notices(session, kind="rumour", limit=10),
        hotlines=list_public_notices(session, kind="hotline", limit=10),
        links=SELF_REGISTRATION))


@router.get("/public/bulletins", response_class=HTMLResponse)
def public_archive(request: Request, *, session: DbSession) -> Response:
    """Every published bulletin, newest first, corrections marked."""
    return render(request, "reports/public/archive.html", _common(
        bulletins=list_published(session, limit=500)))


def _versions(session: Session, bulletin: Bulletin) -> dict[str, Any]:
    earlier = get_published(session, bulletin.supersedes_id) if bulletin.supersedes_id else None
    return {"bulletin": bulletin, "earlier": earlier,
            "correction": get_correction(session, bulletin)}


@router.get("/public/bulletins/{bulletin_id}", response_class=HTMLResponse)
def public_bulletin(request: Request, *, session: DbSession, bulletin_id: int) -> Response:
    """One published version of a bulletin, with what it corrects or what corrected it."""
    bulletin = get_published(session, bulletin_id)
    return render(request, "reports/public/bulletin.html", _common(
        **_versions(session, bulletin)))
