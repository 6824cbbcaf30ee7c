"""The daily report's pages and JSON: the wide table with its day picker and late areas, the
printable page, submitting and correcting, a parent's review, scope and permissions."""

from __future__ import annotations

import re
from datetime import timedelta
from zoneinfo import ZoneInfo

from daily_helpers import GRID1, NANGUAN, NANLING, OTHER_COMMUNITY, make_person, quarantine, today
from sqlalchemy import select
from sqlalchemy.orm import Session

from fangkong.areas.models import Area, Leader
from fangkong.i18n import Translator
from fangkong.reports.sections import load_sections


def csrf(client) -> str:  # type: ignore[no-untyped-def]
    return str(client.cookies["fk_csrf"])


def test_the_report_page_shows_the_table_the_day_picker_and_late_areas(
    db: Session, as_user
) -> None:
    client = as_user("nanguan")
    page = client.get("/reports/daily")
    assert page.status_code == 200, page.text[-2000:]
    text = page.text
    assert 'id="daily-report"' in text
    for name in db.scalars(select(Area.name).where(Area.parent_code == NANGUAN)):
        assert name in text
    day = today().isoformat()
    assert f'href="/reports/daily?area={NANLING}&amp;day={day}"' in text
    assert f'type="date" id="rp-day" name="day" value="{day}" max="{day}"' in text
    assert 'rel="prev"' in text
    assert 'rel="next"' not in text  # no day after today
    assert "合计" in text
    assert "未报" in text
    assert 'class="rp-late"' in text
    leader = db.scalars(select(Leader).where(Leader.area_code == NANLING,
                                             Leader.duty == "responsible")).first()
    assert leader is not None
    assert leader.name in text
    assert 'id="submit-report"' in text
    assert "/reports/daily/print?" in text
    assert "/reports/daily.xlsx?" in text
    assert 'href="/reports/daily"' in text  # the navigation item
    earlier = client.get(f"/reports/daily?area={NANLING}&day={(today() - timedelta(days=3))}")
    assert earlier.status_code == 200
    assert 'rel="next"' in earlier.text
    assert OTHER_COMMUNITY in earlier.text


def test_scope_days_and_permissions(db: Session, as_user) -> None:
    client = as_user("nanguan")
    assert client.get("/reports/daily?area=220104").status_code == 404
    assert client.get("/reports/daily?area=2202").status_code == 404
    future = (today() + timedelta(days=1)).isoformat()
    assert client.get(f"/reports/daily?day={future}").status_code == 422
    assert client.get(f"/api/v1/reports/daily?day={future}").status_code == 422
    assert client.get("/api/v1/reports/daily?day=0001-01-01").status_code == 422
    grid = as_user("grid1").get("/reports/daily")
    assert grid.status_code == 200
    assert 'id="submit-report"' not in grid.text
    assert "/reports/daily.xlsx" not in grid.text
    assert as_user("checkpoint").get("/reports/daily").status_code == 403
    assert as_user("checkpoint").get("/api/v1/reports/daily").status_code == 403


def test_the_json_report(db: Session, as_user) -> None:
    quarantine(db, make_person(db, GRID1), day=today())
    body = as_user("nanling").get("/api/v1/reports/daily").json()
    assert body["area_code"] == NANLING
    assert body["day"] == today().isoformat()
    assert {"sections", "columns", "rows", "total", "missing", "missing_total"} <= set(body)
    chinese = Translator("zh_Hans", ZoneInfo("Asia/Shanghai"))
    sections = load_sections()
    assert [item["label"] for item in body["sections"]] == [
        chinese.gettext(section.label) for section in sections]
    coverage = next(item for item in body["columns"] if item["key"] == "screening.coverage")
    assert (coverage["label"], coverage["kind"]) == ("覆盖率", "percent")
    keys = [column["key"] for column in body["columns"]]
    row = next(item for item in body["rows"] if item["code"] == GRID1[:12])
    assert set(row["values"]) == set(row["deltas"]) == set(keys)
    assert row["values"]["quarantine.under_total"] >= 1
    assert body["total"]["values"]["quarantine.under_total"] == sum(
        item["values"]["quarantine.under_total"] for item in body["rows"])
    assert any(item["code"] == OTHER_COMMUNITY for item in body["missing"])


def test_the_printable_page_is_a4_landscape(db: Session, as_user) -> None:
    page = as_user("nanguan").get(f"/reports/daily/print?area={NANGUAN}")
    assert page.status_code == 200
    assert re.search(r"@page\s*{\s*size:\s*A4 landscape", page.text)
    assert "南关区新型冠状病毒感染的肺炎疫情防控工作日报" in page.text
    assert "填报单位：南关区" in page.text
    for line in ("填报人：", "审核人：", "报送时间："):
        assert line in page.text
    assert 'class="mainnav"' not in page.text


def test_submit_correct_and_review_through_the_pages(db: Session, as_user) -> None:
    client = as_user("nanling")
    form = {"csrf_token": csrf(client), "area": NANLING, "day": today().isoformat(), "note": ""}
    sent = client.post("/reports/daily/submit", data=form, follow_redirects=False)
    assert sent.status_code == 303, sent.text[-2000:]
    page = client.get(sent.headers["location"])
    assert "日报已报送。" in page.text
    assert "已报送" in page.text
    assert 'id="corrections"' not in page.text
    quarantine(db, make_person(db, GRID1), day=today())
    page = client.get("/reports/daily")
    assert 'id="corrections"' in page.text
    assert "rp-changed" in page.text
    refused = client.post("/reports/daily/submit", data=form)
    assert refused.status_code == 422
    assert "请说明更正的内容。" in refused.text
    corrected = client.post("/reports/daily/submit", data={**form, "note": "补录隔离人员"},
                            follow_redirects=False)
    assert corrected.status_code == 303
    district = as_user("nanguan")
    overview = district.get("/reports/daily").text
    link = re.search(r'href="/reports/daily/submissions/(\d+)" class="badge[^"]*">已报送 · 更正',
                     overview)
    assert link, overview[-4000:]
    submission = district.get(f"/reports/daily/submissions/{link.group(1)}")
    assert submission.status_code == 200
    assert 'id="review-form"' in submission.text
    assert "第 2 版" in submission.text
    back = district.post(f"/reports/daily/submissions/{link.group(1)}/review",
                         data={"csrf_token": csrf(district), "decision": "return", "note": ""})
    assert back.status_code == 422
    done = district.post(f"/reports/daily/submissions/{link.group(1)}/review",
                         data={"csrf_token": csrf(district), "decision": "approve", "note": ""},
                         follow_redirects=False)
    assert done.status_code == 303
    reviewed = district.get(done.headers["location"]).text
    assert "日报已审核通过。" in reviewed
    assert 'id="review-form"' not in reviewed
    assert as_user("grid2").get(f"/reports/daily/submissions/{link.group(1)}").status_code == 404
