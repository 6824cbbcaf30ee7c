"""Submission and approval level by level: a commander submits their area's report of a day,
which freezes it; the commander of the area above approves it or returns it with a note; later
changes of the day show as corrections, and a new submission is a new version."""

from __future__ import annotations

from datetime import date

import pytest
from daily_helpers import (
    GRID1,
    NANGUAN,
    NANLING,
    actor_of,
    area,
    days_ago,
    make_person,
    quarantine,
    today,
)
from sqlalchemy import select
from sqlalchemy.orm import Session

from fangkong.accounts.models import AuditEntry
from fangkong.errors import Conflict, Forbidden, Invalid, NotFound
from fangkong.reports.approval import (
    access_submission,
    do_review_report,
    do_submit_report,
    list_versions,
    snapshot_of,
)
from fangkong.reports.daily import build_report
from fangkong.reports.daily_schemas import report_read
from fangkong.reports.daily_views import submission_detail
from fangkong.reports.models import ReportSubmission
from fangkong.settings import Settings


def submit(db: Session, settings: Settings, username: str, code: str, *, note: str = "",
           day: date | None = None) -> ReportSubmission:
    return do_submit_report(db, actor=actor_of(db, username), settings=settings,
                            area=area(db, code), day=day or today(), today=today(), note=note)


def test_a_submission_freezes_the_report_and_the_parent_approves_it(
    db: Session, settings: Settings
) -> None:
    quarantine(db, make_person(db, GRID1), day=today())
    row = submit(db, settings, "nanguan", NANGUAN)
    assert (row.version, row.status, row.submitted_by_name) == (1, "submitted", "南关区指挥部")
    live = report_read(build_report(db, settings, area=area(db, NANGUAN), day=today()))
    frozen = snapshot_of(row)
    assert frozen.total.values == live.total.values
    assert [item.code for item in frozen.rows] == [item.code for item in live.rows]
    audit = db.scalars(select(AuditEntry).where(AuditEntry.resource == "daily_report",
                                                AuditEntry.record_id == str(row.id))).all()
    assert [entry.action for entry in audit] == ["create"]
    with pytest.raises(NotFound):  # a street does not even see its district's report
        do_review_report(db, actor=actor_of(db, "nanling"), submission=row, approve=True)
    with pytest.raises(Forbidden):  # nor a district its own report
        do_review_report(db, actor=actor_of(db, "nanguan"), submission=row, approve=True)
    with pytest.raises(Invalid):  # a return says why
        do_review_report(db, actor=actor_of(db, "city"), submission=row, approve=False)
    do_review_report(db, actor=actor_of(db, "city"), submission=row, approve=True, note="同意")
    assert (row.status, row.reviewed_by_name, row.review_note) == ("approved", "市指挥部", "同意")
    assert row.reviewed_at is not None
    with pytest.raises(Conflict):  # reviewed once
        do_review_report(db, actor=actor_of(db, "city"), submission=row, approve=False,
                         note="再议")


def test_only_the_areas_commander_submits_within_their_scope(
    db: Session, settings: Settings
) -> None:
    with pytest.raises(Forbidden):  # the district's commander does not submit for a street
        submit(db, settings, "nanguan", NANLING)
    with pytest.raises(NotFound):  # nor for another district
        submit(db, settings, "nanling", NANGUAN[:4] + "04")
    with pytest.raises(Forbidden):  # a grid worker reads the report but does not submit it
        submit(db, settings, "grid1", GRID1)
    with pytest.raises(Invalid):  # not a day in the future
        do_submit_report(db, actor=actor_of(db, "nanling"), settings=settings,
                         area=area(db, NANLING), day=today().replace(year=today().year + 1),
                         today=today())
    assert submit(db, settings, "nanling", NANLING, day=days_ago(3)).version == 1


def test_later_changes_are_corrections_and_a_resubmission_is_a_new_version(
    db: Session, settings: Settings
) -> None:
    first = submit(db, settings, "nanling", NANLING)
    frozen = dict(first.snapshot)
    assert submission_detail(db, settings, first).differences == []
    quarantine(db, make_person(db, GRID1), day=today())
    detail = submission_detail(db, settings, first)
    changed = {(item.code, item.column) for item in detail.differences}
    assert ("220102001001", "quarantine.under_total") in changed
    assert ("", "quarantine.under_total") in changed  # the total row
    before = next(item for item in detail.differences
                  if (item.code, item.column) == ("", "quarantine.under_total"))
    assert before.live == int(before.submitted or 0) + 1
    assert first.snapshot == frozen  # the submitted report does not change
    with pytest.raises(Invalid):  # a correction says what it corrects
        submit(db, settings, "nanling", NANLING)
    do_review_report(db, actor=actor_of(db, "nanguan"), submission=first, approve=False,
                     note="隔离人数有误")
    assert first.status == "returned"
    second = submit(db, settings, "nanling", NANLING, note="补录一名居家隔离人员")
    assert (second.version, second.status) == (2, "submitted")
    assert submission_detail(db, settings, second).differences == []
    versions = list_versions(db, NANLING, today())
    assert [(item.version, item.status) for item in versions] == [(2, "submitted"),
                                                                   (1, "returned")]
    assert versions[1].snapshot == frozen
    with pytest.raises(Conflict):  # an earlier version is not reviewed any more
        do_review_report(db, actor=actor_of(db, "nanguan"), submission=first, approve=True)
    do_review_report(db, actor=actor_of(db, "nanguan"), submission=second, approve=True)
    assert second.status == "approved"


def test_a_submission_outside_the_scope_is_not_found(db: Session, settings: Settings) -> None:
    row = submit(db, settings, "nanguan", NANGUAN)
    assert access_submission(db, actor_of(db, "city"), row.id) is row
    with pytest.raises(NotFound):
        access_submission(db, actor_of(db, "grid2"), row.id)
    with pytest.raises(NotFound):
        access_submission(db, actor_of(db, "city"), 987654321)


def test_the_api_submits_lists_reviews_and_answers_snapshots(
    db: Session, settings: Settings, as_user
) -> None:
    client = as_user("nanling")
    token = {"X-CSRF-Token": client.cookies["fk_csrf"]}
    created = client.post("/api/v1/reports/submissions", headers=token, json={
        "area_code": NANLING, "day": today().isoformat()})
    assert created.status_code == 201, created.text
    body = created.json()
    assert (body["version"], body["status"], body["correction"]) == (1, "submitted", False)
    again = client.post("/api/v1/reports/submissions", headers=token, json={
        "area_code": NANLING, "day": today().isoformat()})
    assert again.status_code == 422
    assert again.json()["fields"]["note"]
    other = client.post("/api/v1/reports/submissions", headers=token, json={
        "area_code": "220104", "day": today().isoformat()})
    assert other.status_code == 404
    client = as_user("nanguan")
    token = {"X-CSRF-Token": client.cookies["fk_csrf"]}
    states = client.get(f"/api/v1/reports/submissions?area={NANGUAN}").json()
    assert states["versions"] == []
    by_code = {item["area_code"]: item for item in states["children"]}
    assert by_code[NANLING]["status"] == "submitted"
    assert by_code[NANLING]["submission"]["id"] == body["id"]
    assert {item["status"] for code, item in by_code.items() if code != NANLING} == {
        "not_submitted"}
    detail = client.get(f"/api/v1/reports/submissions/{body['id']}").json()
    assert detail["snapshot"]["area_code"] == NANLING
    assert detail["snapshot"]["columns"][0]["label"] == "户数"  # labels in the caller's language
    assert detail["differences"] == []
    returned = client.post(f"/api/v1/reports/submissions/{body['id']}/return", headers=token,
                           json={"note": ""})
    assert returned.status_code == 422
    approved = client.post(f"/api/v1/reports/submissions/{body['id']}/approve", headers=token,
                           json={"note": ""})
    assert approved.status_code == 200, approved.text
    assert approved.json()["status"] == "approved"
    assert as_user("grid2").get(f"/api/v1/reports/submissions/{body['id']}").status_code == 404
    workbook = as_user("nanguan").get(f"/api/v1/reports/submissions/{body['id']}.xlsx")
    assert workbook.status_code == 200
