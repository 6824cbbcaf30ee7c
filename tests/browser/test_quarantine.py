"""A grid worker on a phone records a fever check for a person under home quarantine and sees
the alert on the alerts page, acknowledges it; a life-support delivery is marked done; the
person reports a check through their personal link, without an account."""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from browser_support import shoot, sign_in
from playwright.sync_api import Browser, BrowserContext, Page, expect

pytestmark = pytest.mark.browser

GRID = "220102001001001"  # grid1's grid
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True,
         "device_scale_factor": 2}


def post_json(context: BrowserContext, url: str, body: dict[str, object]) -> object:
    token = next(cookie["value"] for cookie in context.cookies() if cookie["name"] == "fk_csrf")
    response = context.request.post(url, data=body, headers={"X-CSRF-Token": token})
    assert response.ok, response.text()
    return response.json()


def fits_the_screen(page: Page) -> bool:
    return bool(page.evaluate(
        "document.documentElement.scrollWidth <= document.documentElement.clientWidth + 1"))


@pytest.fixture(scope="module")
def quarantined(browser: Browser, live_server: str) -> dict[str, int]:
    """As grid1, through the API: a household of two, the first under home quarantine with a
    request for food. Returns the ids."""
    context = browser.new_context()
    page = context.new_page()
    sign_in(page, live_server, "grid1")
    household = post_json(context, f"{live_server}/api/v1/households", {
        "area_code": GRID, "address": "隔离测试小区5栋1单元302室"})
    assert isinstance(household, dict)
    person = post_json(context, f"{live_server}/api/v1/persons", {
        "household_id": household["id"], "name": "周卫国", "relation": "head"})
    assert isinstance(person, dict)
    today = datetime.now(ZoneInfo("Asia/Shanghai")).date().isoformat()
    started = post_json(context, f"{live_server}/api/v1/quarantine", {
        "person_id": person["id"], "kind": "home", "starts_on": today, "note": "武汉返长"})
    assert isinstance(started, list)
    request = post_json(context, f"{live_server}/api/v1/quarantine/{started[0]['id']}/support",
                        {"category": "food", "urgency": "urgent", "details": "米、面、鸡蛋"})
    assert isinstance(request, dict)
    context.close()
    return {"quarantine": int(started[0]["id"]), "request": int(request["id"])}


def test_a_grid_worker_records_a_fever_check_and_sees_the_alert(
    browser: Browser, live_server: str, quarantined: dict[str, int],
) -> None:
    context = browser.new_context(**PHONE)  # type: ignore[arg-type]
    page = context.new_page()
    try:
        sign_in(page, live_server, "grid1")
        page.goto(f"{live_server}/quarantine/{quarantined['quarantine']}")
        expect(page.locator("h1")).to_contain_text("周卫国")
        expect(page.locator("h1")).to_contain_text("居家隔离")
        assert fits_the_screen(page), "the quarantine page scrolls sideways"
        shoot(page, "quarantine-phone-1-person")
        page.fill("#check-temperature", "38.6")
        page.locator("#check-symptom-cough").check()
        page.locator("#check-submit").tap()

        expect(page).to_have_url(re.compile(r"done=alert"))
        expect(page.locator(".flash")).to_contain_text("发出预警")
        expect(page.locator(".qz-timeline")).to_contain_text("38.6")
        shoot(page, "quarantine-phone-2-fever-recorded")

        page.goto(f"{live_server}/quarantine/alerts")
        card = page.locator(".qz-alert").filter(has_text="周卫国")
        expect(card).to_contain_text("发热")
        expect(card).to_contain_text("38.6")
        assert fits_the_screen(page), "the alerts page scrolls sideways"
        shoot(page, "quarantine-phone-3-alert")
        card.locator('input[name="action_taken"]').fill("已电话联系，社区医生上门复测")
        card.locator(".qz-ack").tap()
        expect(page).to_have_url(re.compile(r"done=acknowledged"))
        expect(page.locator("main")).not_to_contain_text("周卫国")  # no longer open
        page.goto(f"{live_server}/quarantine/alerts?status=")
        expect(page.locator(".qz-alert").filter(has_text="周卫国")).to_contain_text(
            "社区医生上门复测")
        shoot(page, "quarantine-phone-4-acknowledged")
    finally:
        context.close()


def test_a_life_support_delivery_is_marked_done(
    browser: Browser, live_server: str, quarantined: dict[str, int],
) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    try:
        sign_in(page, live_server, "grid1")
        page.goto(f"{live_server}/quarantine/support")
        card = page.locator(f"#support-{quarantined['request']}")
        expect(card).to_contain_text("米、面、鸡蛋")
        expect(card).to_contain_text("紧急")
        shoot(page, "quarantine-desktop-1-support-requested")
        card.locator('input[name="assignee_name"]').fill("志愿者刘洋")
        card.get_by_role("button", name="派单").click()
        expect(page).to_have_url(re.compile(r"done=assigned"))
        card = page.locator(f"#support-{quarantined['request']}")
        expect(card).to_contain_text("已派给 志愿者刘洋")
        card.locator('.qz-support-actions input[name="note"]').fill("已送到门口，电话告知")
        card.locator(".qz-deliver").click()
        expect(page).to_have_url(re.compile(r"done=delivered"))
        page.goto(f"{live_server}/quarantine/support?status=delivered")
        card = page.locator(f"#support-{quarantined['request']}")
        expect(card).to_contain_text("已送达")
        expect(card).to_contain_text("已送到门口")
        shoot(page, "quarantine-desktop-2-support-delivered")
    finally:
        context.close()


def test_the_person_reports_a_check_through_their_personal_link(
    browser: Browser, live_server: str, quarantined: dict[str, int],
) -> None:
    staff = browser.new_context(**PHONE)  # type: ignore[arg-type]
    page = staff.new_page()
    try:
        sign_in(page, live_server, "grid1")
        page.goto(f"{live_server}/quarantine/{quarantined['quarantine']}")
        page.locator("#issue-link").tap()
        link = page.locator("#check-link").inner_text().strip()
        assert "/public/check/" in link
        shoot(page, "quarantine-phone-5-personal-link")
    finally:
        staff.close()
    person = browser.new_context(**PHONE)  # type: ignore[arg-type]
    page = person.new_page()
    try:
        page.goto(link)
        expect(page.locator("h1")).to_contain_text("周*")
        expect(page.locator("main")).not_to_contain_text("周卫国")
        page.fill("#temperature", "36.4")
        page.locator("#self-check-submit").tap()
        expect(page.locator(".flash")).to_contain_text("已记录")
        assert fits_the_screen(page), "the personal check page scrolls sideways"
        shoot(page, "quarantine-phone-6-self-check")
    finally:
        person.close()
