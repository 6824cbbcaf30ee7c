"""A hospital's medical user on a phone records a pooled tube (混检) of three, enters its
positive result, sees the three on the retest list, takes one of them again as a single sample,
enters that positive result, and finds the person on the "positive, to handle" list."""

from __future__ import annotations

from datetime import date

import pytest
from browser_support import shoot, sign_in
from playwright.sync_api import Browser, BrowserContext, Page, expect

from fangkong.registry.validators import id_check_character

pytestmark = pytest.mark.browser

GRID = "220104001001001"  # in the hospital's district (朝阳区)
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True,
         "device_scale_factor": 2}
NAMES = ("周建华", "吴秀兰", "郑小明")


def resident_id(sequence: int) -> str:
    first17 = f"220104{date(1979, 5, 20):%Y%m%d}{sequence:03d}"
    return first17 + id_check_character(first17)


def post_json(context: BrowserContext, url: str, body: dict[str, object]) -> dict[str, object]:
    token = next(cookie["value"] for cookie in context.cookies() if cookie["name"] == "fk_csrf")
    response = context.request.post(url, data=body, headers={"X-CSRF-Token": token})
    assert response.ok, response.text()
    data: dict[str, object] = response.json()
    return data


@pytest.fixture(scope="module")
def residents(browser: Browser, live_server: str) -> None:
    """As the administrator: a household of three in a grid of the hospital's district."""
    context = browser.new_context()
    page = context.new_page()
    sign_in(page, live_server, "admin")
    household = post_json(context, f"{live_server}/api/v1/households", {
        "area_code": GRID, "address": "建设街88号2栋1单元301室"})
    for index, name in enumerate(NAMES):
        post_json(context, f"{live_server}/api/v1/persons", {
            "household_id": household["id"], "name": name, "id_number": resident_id(11 + index),
            "relation": "head" if index == 0 else "other"})
    context.close()


def add_person(page: Page, index: int) -> None:
    page.fill("#person-q", resident_id(11 + index))
    results = page.locator("#person-results")
    expect(results).to_contain_text(NAMES[index])
    results.get_by_role("button", name="加入").first.tap()
    expect(page.locator("#members")).to_contain_text(NAMES[index])


def enter_result(page: Page, result: str) -> None:
    page.select_option("#result", result)
    page.fill("#lab", "长春市疾控中心实验室")
    page.get_by_role("button", name="保存结果").tap()
    expect(page.locator(".flash")).to_contain_text("检测结果已录入")


def test_a_pooled_tube_then_a_retest_puts_a_person_on_the_positive_list(
    browser: Browser, live_server: str, residents: None,
) -> None:
    context = browser.new_context(**PHONE)  # type: ignore[arg-type]
    page = context.new_page()
    try:
        sign_in(page, live_server, "hospital")
        page.goto(f"{live_server}/testing/samples/new")
        page.fill("#tube_code", "HJ20200214001")
        page.press("#tube_code", "Enter")  # a scanner's Enter moves on to the persons
        expect(page.locator("#person-q")).to_be_focused()
        page.select_option("#pool", "pool10")
        for index in range(3):
            add_person(page, index)
        page.fill("#collected_where", "建设街社区采样点")
        shoot(page, "testing-phone-1-pooled-tube")
        page.get_by_role("button", name="保存采样").tap()

        expect(page.locator(".flash")).to_contain_text("采样已登记")
        expect(page.locator("h1")).to_contain_text("HJ20200214001")
        expect(page.locator("main")).to_contain_text("3人")
        enter_result(page, "positive")
        expect(page.locator("main")).to_contain_text("待复检")
        shoot(page, "testing-phone-2-pooled-positive")

        page.goto(f"{live_server}/testing/retests")
        for name in NAMES:
            expect(page.locator("main")).to_contain_text(name)
        shoot(page, "testing-phone-3-retest-list")

        page.goto(f"{live_server}/testing/samples/new")
        page.fill("#tube_code", "DJ20200214002")
        add_person(page, 1)
        page.get_by_role("button", name="保存采样").tap()
        expect(page.locator(".flash")).to_contain_text("采样已登记")
        enter_result(page, "positive")

        page.goto(f"{live_server}/testing/positives")
        row = page.locator("table.tt-positives tbody tr", has_text=NAMES[1])
        expect(row).to_contain_text("DJ20200214002")
        expect(row).to_contain_text("阳性待处置")
        expect(page.locator("main")).not_to_contain_text(NAMES[0])
        shoot(page, "testing-phone-4-positive-list")

        page.goto(f"{live_server}/testing/retests")
        expect(page.locator("main")).not_to_contain_text(NAMES[1])  # retested
        expect(page.locator("main")).to_contain_text(NAMES[0])
    finally:
        context.close()
