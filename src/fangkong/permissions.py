"""Permissions are `resource:action`; a role is a set of them (DESIGN.md, who uses it)."""

from __future__ import annotations

from enum import StrEnum


class Permission(StrEnum):
    AREA_READ = "area:read"
    AREA_WRITE = "area:write"
    LEADER_READ = "leader:read"
    LEADER_WRITE = "leader:write"
    USER_READ = "user:read"
    USER_WRITE = "user:write"
    TOKEN_WRITE = "token:write"  # noqa: S105 - a permission name, not a secret
    AUDIT_READ = "audit:read"


class Role(StrEnum):
    ADMIN = "admin"
    COMMANDER = "commander"
    GRID_WORKER = "grid_worker"
    CHECKPOINT = "checkpoint"
    MEDICAL = "medical"
    SUPPLIES = "supplies"
    MARKET = "market"
    ENTERPRISE = "enterprise"


_FIELD_READ = frozenset({Permission.AREA_READ, Permission.LEADER_READ})

ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.ADMIN: frozenset(Permission),
    Role.COMMANDER: _FIELD_READ | {Permission.LEADER_WRITE, Permission.AUDIT_READ},
    Role.GRID_WORKER: _FIELD_READ,
    Role.CHECKPOINT: _FIELD_READ,
    Role.MEDICAL: _FIELD_READ,
    Role.SUPPLIES: _FIELD_READ,
    Role.MARKET: _FIELD_READ,
    Role.ENTERPRISE: frozenset({Permission.AREA_READ}),
}


def has_permission(role: Role, permission: Permission) -> bool:
    return permission in ROLE_PERMISSIONS[role]
