"""The audit log page and query: scope, filters, local days, newest first, append-only."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
from accounts_helpers import (
    AsUser,
    actor,
    fast_hashing,  # noqa: F401 - an autouse fixture
    unique,
    user,
)
from sqlalchemy import delete, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from fangkong.accounts.audit import AuditAction, do_audit
from fangkong.accounts.models import AuditEntry
from fangkong.accounts.queries import audit_query, local_day_start
from fangkong.accounts.schemas import AuditFilter

SHANGHAI = ZoneInfo("Asia/Shanghai")


def entry(db: Session, *, who: str, area: str, record: str, at: datetime | None = None,
          action: AuditAction = AuditAction.VIEW, resource: str = "person") -> AuditEntry:
    entry_id = do_audit(db, actor=actor(db, who), action=action, resource=resource,
                        record_id=record, area_code=area, at=at)
    row = db.get(AuditEntry, entry_id)
    assert row is not None
    return row


@pytest.fixture
def tag() -> str:
    """A prefix of this test's record ids, so that no other test's entries can interfere."""
    return unique("t") + "-"


def records(db: Session, who: str, tag: str, **filters: object) -> list[str]:
    """The record ids (without the tag) of the entries the person sees, newest first."""
    stmt = audit_query(actor(db, who), AuditFilter.model_validate(filters), SHANGHAI)
    return [row.record_id.removeprefix(tag) for row in db.scalars(stmt)
            if row.record_id.startswith(tag)]


def test_a_local_day_starts_at_utc_four_pm_the_day_before() -> None:
    assert local_day_start(date(2020, 2, 1), SHANGHAI) == datetime(2020, 1, 31, 16, tzinfo=UTC)


def test_admins_see_everything_and_commanders_their_area(db: Session, tag: str) -> None:
    entry(db, who="grid1", area="220102001001001", record=tag + "nanguan")
    entry(db, who="grid2", area="220104001001001", record=tag + "chaoyang")
    assert set(records(db, "admin", tag)) == {"nanguan", "chaoyang"}
    assert records(db, "nanguan", tag) == ["nanguan"]
    assert records(db, "nanling", tag) == ["nanguan"]
    assert records(db, "city", tag) == ["chaoyang", "nanguan"]


def test_filters_by_action_resource_actor_and_local_days(db: Session, tag: str) -> None:
    entry(db, who="grid1", area="220102001001001", record=tag + "late",
          at=datetime(2020, 2, 1, 15, 59, tzinfo=UTC))  # 23:59 on 1 February in Changchun
    entry(db, who="grid1", area="220102001001001", record=tag + "next",
          at=datetime(2020, 2, 1, 16, 0, tzinfo=UTC))  # 00:00 on 2 February in Changchun
    entry(db, who="admin", area="2201", record=tag + "create", action=AuditAction.CREATE,
          resource="user", at=datetime(2020, 2, 1, 3, tzinfo=UTC))
    assert records(db, "admin", tag, date_from="2020-02-01", date_to="2020-02-01") == [
        "late", "create"]
    assert records(db, "admin", tag, date_from="2020-02-02") == ["next"]
    assert records(db, "admin", tag, action="create") == ["create"]
    assert records(db, "admin", tag, resource="person") == ["next", "late"]
    assert records(db, "admin", tag, actor="grid1") == ["next", "late"]


def test_the_audit_page_for_an_admin(as_user: AsUser, db: Session, tag: str) -> None:
    entry(db, who="grid2", area="220104001001001", record=tag + "page",
          at=datetime(2020, 2, 1, 1, 30, tzinfo=UTC))
    db.commit()  # out of reach of a failing request's rollback
    page = as_user("admin").get("/audit", params={"actor": "grid2", "resource": "person"})
    assert page.status_code == 200
    assert "审计日志" in page.text
    assert f"person:{tag}page" in page.text
    assert "2020-02-01 09:30" in page.text  # shown in Asia/Shanghai
    assert "查看" in page.text


def test_a_commander_sees_only_their_area_on_the_page(
    as_user: AsUser, db: Session, tag: str
) -> None:
    entry(db, who="grid1", area="220102001001001", record=tag + "mine")
    entry(db, who="grid2", area="220104001001001", record=tag + "theirs")
    db.commit()  # out of reach of a failing request's rollback
    page = as_user("nanguan").get("/audit", params={"resource": "person"})
    assert page.status_code == 200
    assert f"person:{tag}mine" in page.text
    assert "theirs" not in page.text


def test_grid_workers_cannot_read_the_audit_log(as_user: AsUser) -> None:
    assert as_user("grid1").get("/audit").status_code == 403


def test_a_bad_date_is_refused(as_user: AsUser) -> None:
    assert as_user("admin").get("/audit", params={"date_from": "yesterday"}).status_code == 422


def test_sign_ins_are_in_the_log(as_user: AsUser, db: Session) -> None:
    as_user("grid1")
    page = as_user("admin").get("/audit", params={"action": "login", "actor": "grid1"})
    assert f"user:{user(db, 'grid1').id}" in page.text
    assert "登录" in page.text
    assert "user:" + str(user(db, "admin").id) not in page.text


@pytest.mark.parametrize("statement", ["update", "delete"])
def test_the_log_refuses_changes(db: Session, statement: str, tag: str) -> None:
    row = entry(db, who="admin", area="2201", record=tag + "fixed")
    stmt = (update(AuditEntry).values(record_id=tag + "changed") if statement == "update"
            else delete(AuditEntry)).where(AuditEntry.id == row.id)
    with pytest.raises(DBAPIError), db.begin_nested():
        db.execute(stmt)
