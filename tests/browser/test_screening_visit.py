"""A grid worker on a phone-sized screen records a visit with one tap ("all well") and sees the
coverage of their grid change; a street's staff enter paper forms in the line list by keyboard."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from browser_support import shoot, sign_in
from playwright.sync_api import Browser, BrowserContext, Page, expect

pytestmark = pytest.mark.browser

GRID = "220102001001001"  # grid1's grid
NEIGHBOUR = "220102001001002"  # another grid of the same community, for the line list
STREET = "220102001"  # 南岭街道
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True,
         "device_scale_factor": 2}


def post_json(context: BrowserContext, url: str, body: dict[str, object]) -> dict[str, object]:
    token = next(cookie["value"] for cookie in context.cookies() if cookie["name"] == "fk_csrf")
    response = context.request.post(url, data=body, headers={"X-CSRF-Token": token})
    assert response.ok, response.text()
    data: dict[str, object] = response.json()
    return data


def local_today() -> date:
    return datetime.now(ZoneInfo("Asia/Shanghai")).date()


@pytest.fixture(scope="module")
def prepared(browser: Browser, live_server: str) -> tuple[int, str]:
    return prepare_round(browser, live_server)


def prepare_round(browser: Browser, base: str) -> tuple[int, str]:
    """As the street's commander: a round over the street, two households in grid1's grid (one
    of them with three members) and one in the neighbouring grid. Returns the round's id and
    the address of the household of three."""
    context = browser.new_context()
    page = context.new_page()
    sign_in(page, base, "nanling")
    today = local_today()
    round_ = post_json(context, f"{base}/api/v1/screening/rounds", {
        "name": "南岭街道第一轮排查", "area_code": STREET,
        "starts_on": (today - timedelta(days=1)).isoformat(),
        "ends_on": (today + timedelta(days=5)).isoformat()})
    address = "明德路18号3栋2单元401室"
    household = post_json(context, f"{base}/api/v1/households", {
        "area_code": GRID, "address": address})
    for name, relation in (("赵建国", "head"), ("孙丽", "spouse"), ("赵小宇", "child")):
        post_json(context, f"{base}/api/v1/persons", {
            "household_id": household["id"], "name": name, "relation": relation})
    post_json(context, f"{base}/api/v1/households", {
        "area_code": GRID, "address": "明德路18号3栋2单元402室"})
    paper = post_json(context, f"{base}/api/v1/households", {
        "area_code": NEIGHBOUR, "address": "育才路6号1栋101室"})
    post_json(context, f"{base}/api/v1/persons", {
        "household_id": paper["id"], "name": "钱伟", "relation": "head"})
    context.close()
    return int(str(round_["id"])), address


def fits_the_screen(page: Page) -> bool:
    return bool(page.evaluate(
        "document.documentElement.scrollWidth <= document.documentElement.clientWidth + 1"))


def test_a_grid_worker_records_a_visit_on_a_phone(
    browser: Browser, live_server: str, prepared: tuple[int, str],
) -> None:
    round_id, address = prepared
    context = browser.new_context(**PHONE)  # type: ignore[arg-type]
    page = context.new_page()
    try:
        sign_in(page, live_server, "grid1")
        page.goto(f"{live_server}/screening")
        expect(page.locator("main")).to_contain_text("南岭街道第一轮排查")
        shoot(page, "screening-phone-1-rounds")

        page.goto(f"{live_server}/screening/rounds/{round_id}/coverage?area={GRID}")
        reached = page.locator('[data-stat="reached-pct"]')
        expect(reached).to_have_text("0.0%")
        # other browser tests on the shared server may register households in this grid too
        households = int(page.locator('[data-stat="to-visit"]').inner_text())
        assert households >= 2
        shoot(page, "screening-phone-2-coverage-before")

        page.goto(f"{live_server}/screening")
        page.get_by_role("link", name="入户排查").first.click()
        expect(page).to_have_url(re.compile(rf"/screening/rounds/{round_id}/next"))
        assert fits_the_screen(page), "the household list scrolls sideways"
        shoot(page, "screening-phone-3-households-to-visit")
        page.get_by_role("link", name=re.compile(address)).click()

        expect(page.locator("h1")).to_have_text(address)
        expect(page.locator(".sc-member")).to_have_count(3)
        expect(page.locator(".sc-member").first).to_contain_text("在家，正常")
        assert fits_the_screen(page), "the visit form scrolls sideways"
        shoot(page, "screening-phone-4-visit-form")
        page.get_by_role("button", name="全部正常").tap()

        expect(page).to_have_url(re.compile(r"done=visit_saved"))
        expect(page.locator(".flash")).to_contain_text("入户记录已保存")
        expect(page.locator("main")).not_to_contain_text(address)
        shoot(page, "screening-phone-5-saved")

        page.goto(f"{live_server}/screening/rounds/{round_id}/coverage?area={GRID}")
        expect(reached).to_have_text(f"{100 / households:.1f}%")
        expect(page.locator('[data-stat="to-visit"]')).to_have_text(str(households - 1))
        expect(page.locator('[data-stat="visited"]')).to_have_text("1")
        expect(page.locator('[data-stat="persons-seen"]')).to_have_text("3")
        expect(page.locator("#coverage-workers")).to_contain_text("网格员一")
        assert fits_the_screen(page), "the coverage page scrolls sideways"
        shoot(page, "screening-phone-6-coverage-after")
    finally:
        context.close()


def test_paper_forms_are_entered_row_by_row_with_the_keyboard(
    browser: Browser, live_server: str, prepared: tuple[int, str],
) -> None:
    round_id, _ = prepared
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    try:
        sign_in(page, live_server, "nanling")
        page.goto(f"{live_server}/screening/rounds/{round_id}/line-list")
        household = page.locator("#ll-household")
        expect(household).to_be_focused()
        household.fill("育才路6号")
        page.keyboard.press("Tab")  # the outcome: visited
        page.keyboard.press("Tab")
        page.keyboard.type("1 38.4 咳嗽")
        page.keyboard.press("Enter")
        expect(page.locator(".ll-saved")).to_contain_text("育才路6号1栋101室")
        expect(page.locator("#ll-household")).to_be_focused()
        page.keyboard.type("没有这一户")
        page.keyboard.press("Enter")
        expect(page.locator(".ll-errors")).to_contain_text("本轮排查范围内没有匹配的住户")
        expect(page.locator(".ll-saved")).to_have_count(1)
        shoot(page, "screening-line-list")
        page.goto(f"{live_server}/screening/follow-ups")
        expect(page.locator("main")).to_contain_text("钱伟")
        expect(page.locator("main")).to_contain_text("发热")
    finally:
        context.close()
