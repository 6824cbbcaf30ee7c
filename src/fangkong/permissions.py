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
    PERSON_READ = "person:read"
    PERSON_WRITE = "person:write"
    PERSON_IDENTIFY = "person:identify"  # see full ID numbers and phones (audited)
    PERSON_MERGE = "person:merge"
    REGISTRY_IMPORT = "registry:import"
    ROUND_READ = "round:read"
    ROUND_WRITE = "round:write"
    VISIT_READ = "visit:read"
    VISIT_WRITE = "visit:write"
    COVERAGE_READ = "coverage:read"
    FOLLOWUP_READ = "followup:read"
    FOLLOWUP_WRITE = "followup:write"
    POLICY_WRITE = "policy:write"
    KEYAREA_READ = "keyarea:read"
    KEYAREA_WRITE = "keyarea:write"
    CHECKPOINT_READ = "checkpoint:read"
    CHECKPOINT_WRITE = "checkpoint:write"
    ARRIVAL_READ = "arrival:read"
    ARRIVAL_WRITE = "arrival:write"  # register arrivals (checkpoint staff)
    ARRIVAL_CONTACT = "arrival:contact"  # confirm contact (community)
    QUOTA_WRITE = "quota:write"
    BOOKING_READ = "booking:read"
    QUARANTINE_READ = "quarantine:read"
    QUARANTINE_WRITE = "quarantine:write"
    SITE_WRITE = "site:write"
    CHECK_WRITE = "check:write"
    ALERT_READ = "alert:read"
    ALERT_ACK = "alert:ack"
    SUPPORT_READ = "support:read"
    SUPPORT_WRITE = "support:write"
    SAMPLE_READ = "sample:read"
    SAMPLE_WRITE = "sample:write"
    RESULT_WRITE = "result:write"
    POSITIVE_READ = "positive:read"
    POSITIVE_HANDLE = "positive:handle"
    REPORT_READ = "report:read"
    REPORT_SUBMIT = "report:submit"
    REPORT_APPROVE = "report:approve"
    REPORT_EXPORT = "report:export"
    DASHBOARD_READ = "dashboard:read"
    SHAPE_WRITE = "shape:write"
    BULLETIN_WRITE = "bulletin:write"  # draft and publish bulletins and notices


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
_REGISTRY = frozenset({
    Permission.PERSON_READ, Permission.PERSON_WRITE, Permission.PERSON_IDENTIFY,
    Permission.PERSON_MERGE, Permission.REGISTRY_IMPORT,
})
_SCREENING_FIELD = frozenset({
    Permission.ROUND_READ, Permission.VISIT_READ, Permission.VISIT_WRITE,
    Permission.COVERAGE_READ, Permission.FOLLOWUP_READ, Permission.FOLLOWUP_WRITE,
})

_ARRIVALS_READ = frozenset({
    Permission.KEYAREA_READ, Permission.CHECKPOINT_READ, Permission.ARRIVAL_READ,
    Permission.BOOKING_READ,
})
_QUARANTINE_FIELD = frozenset({
    Permission.ARRIVAL_CONTACT, Permission.QUARANTINE_READ, Permission.QUARANTINE_WRITE,
    Permission.CHECK_WRITE, Permission.ALERT_READ, Permission.ALERT_ACK,
    Permission.SUPPORT_READ, Permission.SUPPORT_WRITE, Permission.SAMPLE_READ,
    Permission.SAMPLE_WRITE, Permission.POSITIVE_READ,
})

ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.ADMIN: frozenset(Permission),
    Role.COMMANDER: _FIELD_READ | _REGISTRY | _SCREENING_FIELD | _ARRIVALS_READ
    | _QUARANTINE_FIELD | {
        Permission.LEADER_WRITE, Permission.AUDIT_READ, Permission.ROUND_WRITE,
        Permission.KEYAREA_WRITE, Permission.CHECKPOINT_WRITE, Permission.QUOTA_WRITE,
        Permission.SITE_WRITE, Permission.POSITIVE_HANDLE, Permission.REPORT_READ,
        Permission.REPORT_SUBMIT, Permission.REPORT_APPROVE, Permission.REPORT_EXPORT,
        Permission.DASHBOARD_READ, Permission.BULLETIN_WRITE,
    },
    Role.GRID_WORKER: _FIELD_READ | _REGISTRY | _SCREENING_FIELD | _ARRIVALS_READ
    | _QUARANTINE_FIELD | {Permission.REPORT_READ},
    Role.CHECKPOINT: _FIELD_READ | _ARRIVALS_READ | {Permission.ARRIVAL_WRITE},
    Role.MEDICAL: _FIELD_READ | {
        Permission.PERSON_READ, Permission.PERSON_IDENTIFY, Permission.QUARANTINE_READ,
        Permission.SAMPLE_READ, Permission.SAMPLE_WRITE, Permission.RESULT_WRITE,
        Permission.POSITIVE_READ, Permission.POSITIVE_HANDLE, Permission.ALERT_READ,
    },
    Role.SUPPLIES: _FIELD_READ,
    Role.MARKET: _FIELD_READ,
    Role.ENTERPRISE: frozenset({Permission.AREA_READ}),
}


def has_permission(role: Role, permission: Permission) -> bool:
    return permission in ROLE_PERMISSIONS[role]
