"""The daily report level by level: a district commander opens the day's report (a wide table
that scrolls sideways on a phone), submits it; the city commander sees it submitted in the
city's report, opens the snapshot and approves it."""

from __future__ import annotations

import re

import pytest
from browser_support import shoot, sign_in
from playwright.sync_api import Browser, expect

pytestmark = pytest.mark.browser

NANGUAN = "220102"
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True,
         "device_scale_factor": 2}
LAPTOP = {"viewport": {"width": 1366, "height": 800}}


def test_a_district_submits_its_report_and_the_city_approves_it(
    browser: Browser, live_server: str
) -> None:
    context = browser.new_context(**LAPTOP)  # type: ignore[arg-type]
    page = context.new_page()
    try:
        sign_in(page, live_server, "nanguan")
        page.locator('.mainnav a[href="/reports/daily"]').click()
        expect(page).to_have_url(re.compile(r"/reports/daily$"))
        table = page.locator("#daily-report")
        expect(table).to_contain_text("南岭街道")
        expect(table.locator("tfoot")).to_contain_text("合计")
        expect(page.locator("#own-submission")).to_contain_text("本日报尚未报送")
        shoot(page, "reports-daily-1-district-report")
        page.locator("#submit-report").click()
        expect(page.locator(".flash")).to_contain_text("日报已报送")
        expect(page.locator("#own-submission")).to_contain_text("已报送")
        shoot(page, "reports-daily-2-district-submitted")
    finally:
        context.close()

    context = browser.new_context(**LAPTOP)  # type: ignore[arg-type]
    page = context.new_page()
    try:
        sign_in(page, live_server, "city")
        page.goto(f"{live_server}/reports/daily")
        row = page.locator(f'#daily-report tr[data-code="{NANGUAN}"]')
        state = row.locator(".rp-state a")
        expect(state).to_have_text("已报送")
        expect(page.locator('#daily-report tr[data-code="220103"] .rp-state')).to_contain_text(
            "未报")
        shoot(page, "reports-daily-3-city-sees-submitted")
        state.click()
        expect(page.locator("h1")).to_contain_text("南关区")
        expect(page.locator("#submission-status")).to_have_text("已报送")
        page.fill("#rp-review-note", "数据核对无误")
        page.locator("#approve-report").click()
        expect(page.locator(".flash")).to_contain_text("日报已审核通过")
        expect(page.locator("#submission-status")).to_have_text("已审核")
        expect(page.locator("#submission")).to_contain_text("数据核对无误")
        shoot(page, "reports-daily-4-city-approved")
        page.goto(f"{live_server}/reports/daily")
        expect(row.locator(".rp-state a")).to_have_text("已审核")
    finally:
        context.close()


def test_the_wide_table_scrolls_inside_its_frame_on_a_phone(
    browser: Browser, live_server: str
) -> None:
    context = browser.new_context(**PHONE)  # type: ignore[arg-type]
    page = context.new_page()
    try:
        sign_in(page, live_server, "nanling")
        page.goto(f"{live_server}/reports/daily")
        expect(page.locator("#daily-report")).to_be_visible()
        wide = page.evaluate("""() => {
            const frame = document.querySelector('.rp-wrap');
            const root = document.documentElement;
            return [frame.scrollWidth > frame.clientWidth,
                    root.scrollWidth <= root.clientWidth + 1];
        }""")
        assert wide == [True, True], "the table should scroll in its frame, not the page"
        page.locator(".rp-wrap").evaluate("frame => frame.scrollLeft = 400")
        first = page.locator("#daily-report tbody th.rp-area").first
        expect(first).to_be_in_viewport()  # the area column stays in view
        shoot(page, "reports-daily-5-phone")
        page.goto(f"{live_server}/reports/daily/print")
        expect(page.locator("h1")).to_contain_text("南岭街道新型冠状病毒感染的肺炎疫情防控工作日报")
    finally:
        context.close()
