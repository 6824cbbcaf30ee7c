"""Per-city policy is data: defaults, validated changes, audited, editable by admins only."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from fangkong.accounts.models import AuditEntry
from fangkong.policy import POLICY, PolicyInvalid, do_set_policy, get_policy, list_policy
from fangkong.scope import SYSTEM


def test_defaults_until_changed(db: Session) -> None:
    assert get_policy(db, "quarantine.default_days") == 14
    do_set_policy(db, actor=SYSTEM, key="quarantine.default_days", value=21)
    assert get_policy(db, "quarantine.default_days") == 21
    assert list_policy(db)["checks.fever_celsius"] == 37.3


@pytest.mark.parametrize(("key", "value"), [
    ("quarantine.default_days", 0),
    ("quarantine.default_days", "14"),
    ("checks.fever_celsius", 45),
    ("checks.windows", [["10:00", "06:00"]]),
    ("checks.windows", "morning"),
    ("release.requires_negative_test", 1),
])
def test_bad_values_are_refused_naming_the_key(db: Session, key: str, value: object) -> None:
    with pytest.raises(PolicyInvalid) as raised:
        do_set_policy(db, actor=SYSTEM, key=key, value=value)
    assert key in raised.value.fields
    assert get_policy(db, key) == POLICY[key].default


def test_changes_are_audited(db: Session) -> None:
    do_set_policy(db, actor=SYSTEM, key="release.quiet_days", value=5)
    entry = db.scalars(select(AuditEntry).where(AuditEntry.resource == "policy")).one()
    assert entry.record_id == "release.quiet_days"
    assert entry.detail == {"value": [3, 5]}


def test_policy_page_for_admin_only(as_user, db: Session) -> None:  # type: ignore[no-untyped-def]
    client: TestClient = as_user("city")
    assert client.get("/admin/policy").status_code == 403
    client = as_user("admin")
    page = client.get("/admin/policy")
    assert page.status_code == 200
    assert "隔离天数" in page.text
    token = client.cookies.get("fk_csrf")
    saved = client.post("/admin/policy", data={
        "csrf_token": token, "quarantine.default_days": "10", "checks.fever_celsius": "99",
    })
    assert saved.status_code == 422
    assert "此参数不允许该数值" in saved.text
    assert get_policy(db, "quarantine.default_days") == 10
    assert get_policy(db, "checks.fever_celsius") == 37.3
