"""Who is acting, and the one default-deny filter on `area_code` that every scoped read uses."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Select
from sqlalchemy.orm import QueryableAttribute

from fangkong.errors import Forbidden
from fangkong.permissions import Permission, Role, has_permission

S = TypeVar("S", bound=Select[Any])
AreaColumn = ColumnElement[str] | QueryableAttribute[str]


@dataclass(frozen=True, slots=True)
class Actor:
    """The caller of one request or command: a user bound to a role and an area."""

    user_id: int | None
    username: str
    role: Role
    area_code: str
    client_addr: str | None = None

    @property
    def scope(self) -> str:
        """The area-code prefix this actor may see; an administrator sees everything."""
        return "" if self.role is Role.ADMIN else self.area_code

    def can(self, permission: Permission) -> bool:
        return has_permission(self.role, permission)

    def require(self, permission: Permission) -> None:
        if not self.can(permission):
            raise Forbidden()

    def sees(self, area_code: str) -> bool:
        return area_code.startswith(self.scope)


SYSTEM = Actor(user_id=None, username="system", role=Role.ADMIN, area_code="")


def in_scope(column: AreaColumn, scope: str) -> ColumnElement[bool]:
    """`column LIKE :scope || '%'`: an index range scan on both engines (on PostgreSQL with
    the C collation, or with `varchar_pattern_ops` indexes under another collation)."""
    return column.like(scope + "%")


def scoped(stmt: S, scope: str, column: AreaColumn) -> S:
    """Restrict a select to rows whose area code lies in the scope (default deny)."""
    return stmt.where(in_scope(column, scope))
