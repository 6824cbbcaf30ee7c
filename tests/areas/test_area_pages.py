"""The area pages: tree, search (htmx and plain), one area, forms, leaders, the import."""

from __future__ import annotations

import csv
import html
import io
import re
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from fangkong.areas.models import Area, Leader
from fangkong.i18n import Translator
from fangkong.tabular import Unreadable

HX = {"HX-Request": "true", "HX-Target": "area-results"}
ZH = Translator("zh_Hans", ZoneInfo("Asia/Shanghai"))


def csrf_of(client) -> str:  # type: ignore[no-untyped-def]
    """The double-submit CSRF token the signed-in client holds."""
    token = client.cookies.get("fk_csrf")
    assert token
    return str(token)


def test_tree_starts_at_the_callers_area(as_user) -> None:  # type: ignore[no-untyped-def]
    client = as_user("nanling")
    page = client.get("/areas")
    assert page.status_code == 200
    assert 'href="/areas/220102001"' in page.text
    assert 'hx-get="/areas/220102001/children"' in page.text
    assert 'href="/areas/220102"' not in page.text
    assert "街道乡镇" in page.text  # the level label, from the data


def test_admin_tree_starts_at_the_top_and_expands(as_user) -> None:  # type: ignore[no-untyped-def]
    client = as_user("admin")
    page = client.get("/areas")
    assert 'href="/areas/2201"' in page.text
    assert 'href="/areas/import"' in page.text
    fragment = client.get("/areas/2201/children", headers={"HX-Request": "true"})
    assert fragment.status_code == 200
    assert "<html" not in fragment.text
    assert fragment.text.count('class="node-name"') == 15
    assert "南关区" in fragment.text


def test_children_fragment_outside_scope_is_404(as_user) -> None:  # type: ignore[no-untyped-def]
    client = as_user("nanling")
    assert client.get("/areas/220102/children").status_code == 404
    assert client.get("/areas/220104001/children").status_code == 404


def test_search_by_pinyin_as_you_type_and_without_js(as_user) -> None:  # type: ignore[no-untyped-def]
    client = as_user("nanguan")
    fragment = client.get("/areas", params={"q": "nljd"}, headers=HX)
    assert "<html" not in fragment.text
    assert 'href="/areas/220102001"' in fragment.text
    plain = client.get("/areas", params={"q": "nljd"})
    assert "<html" in plain.text
    assert 'href="/areas/220102001"' in plain.text
    assert 'value="nljd"' in plain.text


def test_search_is_scoped(as_user) -> None:  # type: ignore[no-untyped-def]
    client = as_user("nanguan")
    found = client.get("/areas", params={"q": "2201"})
    codes = set(re.findall(r'href="/areas/(\d+)"', found.text))
    assert codes
    assert all(code.startswith("220102") for code in codes)


def test_area_page_shows_breadcrumbs_facts_children_and_leaders(  # type: ignore[no-untyped-def]
    as_user, db: Session,
) -> None:
    client = as_user("nanguan")
    page = client.get("/areas/220102001")
    assert page.status_code == 200
    text = page.text
    crumbs = text[text.index('class="breadcrumbs"'):text.index("</nav>", text.index(
        'class="breadcrumbs"'))]
    assert 'href="/areas/220102"' in crumbs
    assert 'href="/areas/2201"' not in crumbs  # the city lies outside a district's scope
    assert 'href="/areas/220102001001"' in text
    assert 'href="/areas/220102001002"' in text
    leader = db.scalars(select(Leader).where(Leader.area_code == "220102001")).first()
    assert leader is not None
    assert f'href="tel:{leader.phone}"' in text
    assert "包保领导" in text  # the duty label, translated
    assert "网格" in text
    assert ">4<" in text
    assert 'action="/areas/220102001/leaders"' in text  # a commander may write leaders
    assert 'action="/areas/220102001/children"' not in text  # but not areas


def test_area_outside_scope_answers_like_a_missing_one(as_user) -> None:  # type: ignore[no-untyped-def]
    client = as_user("grid1")
    outside = client.get("/areas/220104001001001")
    missing = client.get("/areas/220199999999999")
    assert outside.status_code == missing.status_code == 404
    assert outside.text.replace("220104001001001", "X") == missing.text.replace(
        "220199999999999", "X")
    assert client.get("/areas/220102001001001").status_code == 200


def test_admin_renames_an_area_and_adds_a_child(  # type: ignore[no-untyped-def]
    as_user, db: Session,
) -> None:
    client = as_user("admin")
    token = csrf_of(client)
    saved = client.post("/areas/220102001001", data={
        "csrf_token": token, "name": "新幸福社区", "population": "4321"}, follow_redirects=False)
    assert saved.status_code == 303
    assert saved.headers["location"] == "/areas/220102001001?done=saved"
    area = db.get(Area, "220102001001")
    assert area is not None
    assert (area.name, area.population) == ("新幸福社区", 4321)
    added = client.post("/areas/220102001001/children", data={
        "csrf_token": token, "code": "220102001001009", "name": "第9网格"},
        follow_redirects=False)
    assert added.status_code == 303
    child = db.get(Area, "220102001001009")
    assert child is not None
    assert (child.level, child.parent_code) == ("grid", "220102001001")
    assert "区划已添加" in client.get(added.headers["location"]).text


def test_bad_child_keeps_what_was_typed_and_names_the_field(as_user) -> None:  # type: ignore[no-untyped-def]
    client = as_user("admin")
    page = client.post("/areas/220102001/children", data={
        "csrf_token": csrf_of(client), "code": "220103001009", "name": "错位社区"})
    assert page.status_code == 422
    assert 'value="220103001009"' in page.text
    assert 'value="错位社区"' in page.text
    assert 'id="child-code-error"' in page.text


def test_commander_cannot_change_areas(as_user) -> None:  # type: ignore[no-untyped-def]
    client = as_user("nanguan")
    response = client.post("/areas/220102001", data={
        "csrf_token": csrf_of(client), "name": "改名"})
    assert response.status_code == 403


def test_commander_adds_edits_and_removes_a_leader(  # type: ignore[no-untyped-def]
    as_user, db: Session,
) -> None:
    client = as_user("nanling")
    token = csrf_of(client)
    added = client.post("/areas/220102001001/leaders", data={
        "csrf_token": token, "name": "测试孙丽", "title": "包保干部", "duty": "responsible",
        "phone": "13700000001", "notes": ""}, follow_redirects=False)
    assert added.status_code == 303
    leader = db.scalars(select(Leader).where(Leader.name == "测试孙丽")).one()
    form = client.get(f"/areas/220102001001/leaders/{leader.id}")
    assert 'value="13700000001"' in form.text
    saved = client.post(f"/areas/220102001001/leaders/{leader.id}", data={
        "csrf_token": token, "name": "测试孙丽", "title": "", "duty": "secretary", "phone": ""},
        follow_redirects=False)
    assert saved.status_code == 303
    db.refresh(leader)
    assert (leader.duty, leader.phone, leader.title) == ("secretary", "", "")
    removed = client.post(f"/areas/220102001001/leaders/{leader.id}/delete",
                          data={"csrf_token": token}, follow_redirects=False)
    assert removed.status_code == 303
    assert db.get(Leader, leader.id) is None


def test_leader_form_errors_are_shown(as_user) -> None:  # type: ignore[no-untyped-def]
    client = as_user("nanling")
    page = client.post("/areas/220102001/leaders", data={
        "csrf_token": csrf_of(client), "name": "", "duty": "boss", "phone": "139"})
    assert page.status_code == 422
    assert 'value="139"' in page.text
    assert 'id="leader-name-error"' in page.text


def test_leaders_of_other_areas_are_404(as_user, db: Session) -> None:  # type: ignore[no-untyped-def]
    client = as_user("nanling")
    other = db.scalars(select(Leader).where(Leader.area_code == "220104")).first()
    own = db.scalars(select(Leader).where(Leader.area_code == "220102001")).first()
    assert other is not None
    assert own is not None
    token = csrf_of(client)
    assert client.get(f"/areas/220104/leaders/{other.id}").status_code == 404
    assert client.post(f"/areas/220104/leaders/{other.id}/delete",
                       data={"csrf_token": token}).status_code == 404
    # a leader reached through another area's address is not found either
    assert client.get(f"/areas/220102001001/leaders/{own.id}").status_code == 404
    assert client.get(f"/areas/220102001/leaders/{own.id}").status_code == 200


@pytest.mark.parametrize("persona", ["grid1", "hospital", "market"])
def test_field_roles_cannot_write_leaders(as_user, persona: str) -> None:  # type: ignore[no-untyped-def]
    client = as_user(persona)
    home = client.get("/", follow_redirects=True)
    assert home.status_code == 200
    assert "/leaders\"" not in home.text
    code = {"grid1": "220102001001001", "hospital": "220104", "market": "2201"}[persona]
    response = client.post(f"/areas/{code}/leaders", data={
        "csrf_token": csrf_of(client), "name": "某人", "duty": "responsible"})
    assert response.status_code == 403


def import_file(client, content: bytes, name: str = "tree.csv"):  # type: ignore[no-untyped-def]
    return client.post("/areas/import", data={"csrf_token": csrf_of(client)},
                       files={"file": (name, content, "text/csv")})


def test_import_page_reports_counts_and_offers_rejected_rows(  # type: ignore[no-untyped-def]
    as_user, db: Session,
) -> None:
    client = as_user("admin")
    assert client.get("/areas/import").status_code == 200
    content = ("代码,名称,上级代码\n220102090,导入街道,\n220102090001,导入社区,\n"
               "220188001,孤儿街道,\n").encode("gb18030")
    page = import_file(client, content)
    assert page.status_code == 200
    assert db.get(Area, "220102090001") is not None
    report = page.text[page.text.index('id="import-report"'):]
    assert re.search(r'<div class="value">2</div><div class="label">新增', report)
    assert "上级区划 220188 不存在" in report
    hidden = re.search(r'name="report" value="([^"]*)"', page.text)
    assert hidden is not None
    download = client.post("/areas/import/rejected.csv", data={
        "csrf_token": csrf_of(client), "report": html.unescape(hidden.group(1))})
    assert download.status_code == 200
    assert download.headers["content-type"].startswith("text/csv")
    assert "attachment" in download.headers["content-disposition"]
    rows = list(csv.reader(io.StringIO(download.text.lstrip("\ufeff"))))
    assert rows[0][-1] == "reason"
    assert rows[1][0] == "220188001"
    assert "220188" in rows[1][-1]


def test_import_of_an_unreadable_file_changes_nothing(as_user) -> None:  # type: ignore[no-untyped-def]
    client = as_user("admin")
    page = import_file(client, b"\x00\x01garbage", "tree.xlsx")
    assert page.status_code == 422
    assert html.escape(ZH.gettext(Unreadable.default_message())) in page.text
    assert 'id="import-report"' not in page.text


def test_import_is_for_area_writers_only(as_user) -> None:  # type: ignore[no-untyped-def]
    client = as_user("city")
    assert client.get("/areas/import").status_code == 403
    assert import_file(client, "代码,名称\n220102091,某街道\n".encode()).status_code == 403


def test_enterprise_sees_the_area_but_not_its_leaders(  # type: ignore[no-untyped-def]
    as_user, db: Session,
) -> None:
    client = as_user("enterprise")
    page = client.get("/areas/220174001001")
    assert page.status_code == 200
    leader = db.scalars(select(Leader).where(Leader.area_code == "220174001001")).first()
    assert leader is not None
    assert leader.name not in page.text
    assert 'id="leaders"' not in page.text
    assert leader.phone not in page.text
