"""The audit log page: administrators see all of it, commanders their area's entries."""

from __future__ import annotations

import json
from typing import Annotated

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse

from fangkong.accounts.audit import AuditAction
from fangkong.accounts.page_helpers import page_of, page_router, query_filter
from fangkong.accounts.queries import audit_query
from fangkong.accounts.schemas import ACTION_LABELS, AuditFilter
from fangkong.permissions import Permission
from fangkong.web.deps import DbSession, Principal, SettingsDep, require
from fangkong.web.pagination import Paging, paginate
from fangkong.web.templating import render

router = page_router()

AuditReader = Annotated[Principal, Depends(require(Permission.AUDIT_READ))]


@router.get("/audit")
def audit_page(
    request: Request, session: DbSession, settings: SettingsDep, principal: AuditReader,
    paging: Paging,
) -> HTMLResponse:
    """Who did or saw what, when and where; newest first, filtered by the query string."""
    filters = query_filter(request, AuditFilter)
    stmt = audit_query(principal.actor, filters, settings.zone)
    rows, total = paginate(session, stmt, paging)
    return render(request, "accounts/audit.html", {
        "page": page_of(rows, total, paging), "filters": filters,
        "details": {entry.id: json.dumps(entry.detail, ensure_ascii=False) for entry in rows},
        "actions": {action.value: ACTION_LABELS[action] for action in AuditAction},
    })
