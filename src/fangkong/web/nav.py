"""The navigation bar, by permission: a person sees only what their role can open."""

from __future__ import annotations

from dataclasses import dataclass

from fangkong.i18n import N_
from fangkong.permissions import Permission
from fangkong.scope import Actor


@dataclass(frozen=True, slots=True)
class NavItem:
    label: str
    href: str
    permission: Permission | None = None


NAV: tuple[NavItem, ...] = (
    NavItem(N_("My area"), "/"),
    NavItem(N_("Areas"), "/areas", Permission.AREA_READ),
    NavItem(N_("Persons"), "/registry/persons", Permission.PERSON_READ),
    NavItem(N_("Households"), "/registry/households", Permission.PERSON_READ),
    NavItem(N_("Import"), "/registry/import", Permission.REGISTRY_IMPORT),
    NavItem(N_("Screening"), "/screening", Permission.ROUND_READ),
    NavItem(N_("Follow-ups"), "/screening/follow-ups", Permission.FOLLOWUP_READ),
    NavItem(N_("Arrivals"), "/arrivals/queue", Permission.ARRIVAL_READ),
    NavItem(N_("Registration"), "/arrivals/register", Permission.ARRIVAL_WRITE),
    NavItem(N_("Key areas"), "/arrivals/key-areas", Permission.KEYAREA_READ),
    NavItem(N_("Quarantine"), "/quarantine", Permission.QUARANTINE_READ),
    NavItem(N_("Alerts"), "/quarantine/alerts", Permission.ALERT_READ),
    NavItem(N_("Life support"), "/quarantine/support", Permission.SUPPORT_READ),
    NavItem(N_("Testing"), "/testing", Permission.SAMPLE_READ),
    NavItem(N_("Positives"), "/testing/positives", Permission.POSITIVE_READ),
    NavItem(N_("Daily report"), "/reports/daily", Permission.REPORT_READ),
    NavItem(N_("Dashboard"), "/reports/dashboard", Permission.DASHBOARD_READ),
    NavItem(N_("Public bulletin"), "/reports/bulletins", Permission.BULLETIN_WRITE),
    NavItem(N_("Users"), "/admin/users", Permission.USER_READ),
    NavItem(N_("Audit log"), "/audit", Permission.AUDIT_READ),
    NavItem(N_("Policy"), "/admin/policy", Permission.POLICY_WRITE),
)


def nav_for(actor: Actor | None) -> list[NavItem]:
    if actor is None:
        return []
    return [item for item in NAV if item.permission is None or actor.can(item.permission)]
