"""Per-city policy as data: quarantine days, check windows, thresholds, deadlines.

Every key has a default and a validator here; an administrator changes values on the policy
page, and each change is audited. Code reads values through `get_policy`, never constants.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Integer, String, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from fangkong.accounts.audit import AuditAction, do_audit
from fangkong.db import Base, utcnow
from fangkong.errors import Invalid, NotFound
from fangkong.i18n import N_
from fangkong.scope import Actor


class PolicySetting(Base):
    __tablename__ = "policy_settings"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[Any] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(Integer)


@dataclass(frozen=True, slots=True)
class PolicyKey:
    key: str
    label: str
    default: Any
    check: Callable[[Any], bool]


def _number(low: float, high: float) -> Callable[[Any], bool]:
    return lambda value: isinstance(value, int | float) and not isinstance(value, bool) and (
        low <= value <= high
    )


def _windows(value: Any) -> bool:
    """A list of [start, end] local times "HH:MM", each start before its end."""
    if not isinstance(value, list) or not value:
        return False
    try:
        return all(
            isinstance(pair, list) and len(pair) == 2
            and datetime.strptime(pair[0], "%H:%M") < datetime.strptime(pair[1], "%H:%M")  # noqa: DTZ007 - times of day
            for pair in value
        )
    except (TypeError, ValueError):
        return False


POLICY: dict[str, PolicyKey] = {
    item.key: item
    for item in (
        PolicyKey("quarantine.default_days", N_("Quarantine length in days"), 14,
                  _number(1, 60)),
        PolicyKey("checks.windows", N_("Health check time windows (local time)"),
                  [["06:00", "10:00"], ["16:00", "20:00"]], _windows),
        PolicyKey("checks.fever_celsius", N_("Fever threshold in °C"), 37.3, _number(36, 39)),
        PolicyKey("release.quiet_days", N_("Days without alert required for release"), 3,
                  _number(0, 30)),
        PolicyKey("release.requires_negative_test", N_("Release requires a negative test"), True,
                  lambda value: isinstance(value, bool)),
        PolicyKey("arrivals.contact_hours", N_("Hours for a community to contact an arrival"),
                  24, _number(1, 240)),
        PolicyKey("arrivals.lookback_days", N_("Days of travel history that count"), 14,
                  _number(1, 60)),
        PolicyKey("support.overdue_hours", N_("Hours before a life-support request is overdue"),
                  24, _number(1, 240)),
        PolicyKey("support.urgent_overdue_hours",
                  N_("Hours before an urgent life-support request is overdue"), 4,
                  _number(1, 240)),
    )
}


class PolicyInvalid(Invalid):
    code = "policy.invalid"

    @classmethod
    def default_message(cls) -> str:
        return N_("This value is not allowed for this policy setting.")


def get_policy(session: Session, key: str) -> Any:
    """The city's value of a policy key, or its default."""
    row = session.get(PolicySetting, key)
    return POLICY[key].default if row is None else row.value


def list_policy(session: Session) -> dict[str, Any]:
    stored = {row.key: row.value for row in session.scalars(select(PolicySetting))}
    return {key: stored.get(key, item.default) for key, item in POLICY.items()}


def do_set_policy(session: Session, *, actor: Actor, key: str, value: Any) -> None:
    item = POLICY.get(key)
    if item is None:
        raise NotFound()
    if not item.check(value):
        raise PolicyInvalid(fields={key: PolicyInvalid.default_message()})
    row = session.get(PolicySetting, key)
    before = item.default if row is None else row.value
    if row is None:
        row = PolicySetting(key=key, value=value, updated_by_id=actor.user_id)
        session.add(row)
    else:
        row.value = value
        row.updated_by_id = actor.user_id
    session.flush()
    do_audit(session, actor=actor, action=AuditAction.UPDATE, resource="policy", record_id=key,
             area_code="", detail={"value": [before, value]})
