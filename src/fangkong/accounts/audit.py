"""The audit log: one append-only row for each change of a record and each view of personal data."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import insert
from sqlalchemy.orm import Session

from fangkong.accounts.models import AuditEntry
from fangkong.db import utcnow
from fangkong.scope import Actor


class AuditAction(StrEnum):
    CREATE = "create"
    UPDATE = "update"
    DELETE = "delete"
    VIEW = "view"
    EXPORT = "export"
    IMPORT = "import"
    LOGIN = "login"
    LOGIN_FAILED = "login_failed"
    LOGOUT = "logout"


AUDIT_INSERT = insert(AuditEntry).returning(AuditEntry.id)
"""One prepared INSERT: entries are written at once on the session's connection (in its
transaction), not through the unit of work, which costs several times more per entry."""


def do_audit(
    session: Session,
    *,
    actor: Actor,
    action: AuditAction,
    resource: str,
    record_id: str | int,
    area_code: str,
    detail: dict[str, Any] | None = None,
    at: datetime | None = None,
) -> int:
    """Append one entry (at `at`, now by default); it is written with the caller's transaction
    or not at all. Gives the entry's id."""
    return session.connection().execute(AUDIT_INSERT, {
        "at": at or utcnow(),
        "actor_id": actor.user_id,
        "actor_name": actor.username,
        "action": action.value,
        "resource": resource,
        "record_id": str(record_id),
        "area_code": area_code,
        "client_addr": actor.client_addr or "",
        "detail": detail or {},
    }).scalar_one()


def changes(before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
    """The fields that differ, as {field: [old, new]}, for an update's audit detail."""
    return {
        key: [before.get(key), value] for key, value in after.items() if before.get(key) != value
    }
