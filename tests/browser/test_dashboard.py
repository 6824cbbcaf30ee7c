"""The dashboard and the public bulletin in a real browser: a district commander opens the
dashboard, clicks a street on the map and lands on that street's dashboard; a city commander
drafts and publishes a bulletin and it appears on the public page."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from browser_support import demo_session, demo_settings, served, shoot, sign_in
from playwright.sync_api import Browser, expect

from fangkong.reports.shapes import do_generate_demo_shapes

pytestmark = pytest.mark.browser
NANGUAN = "220102"
NANLING = "220102001"  # the first street of 南关区


@pytest.fixture(scope="module")
def shapes_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The demo city with its generated outlines, served."""
    settings = demo_settings(tmp_path_factory.mktemp("dashboard-browser"))
    with demo_session(settings) as session:
        do_generate_demo_shapes(session, "2201")
    with served(settings) as base:
        yield base


def test_a_district_commander_drills_down_from_the_map(
    browser: Browser, shapes_server: str,
) -> None:
    context = browser.new_context(viewport={"width": 1440, "height": 1000})
    page = context.new_page()
    try:
        sign_in(page, shapes_server, "nanguan")
        page.goto(shapes_server + "/reports/dashboard")
        expect(page.locator("h1")).to_contain_text("指挥大屏")
        expect(page.locator("#dashboard")).to_have_attribute("data-loaded", re.compile(r"\d"))
        expect(page.locator("#dash-headline .stat").first).to_be_visible()
        expect(page.locator("#dash-children tbody tr")).not_to_have_count(0)
        expect(page.locator("#dash-figure option:checked")).to_have_text("覆盖率")
        page.wait_for_function(f"window.fkDashboard && window.fkDashboard.pointOf('{NANLING}')")
        page.wait_for_timeout(800)  # the map's entry animation
        shoot(page, "dashboard-1-district")
        point = page.evaluate(f"window.fkDashboard.pointOf('{NANLING}')")
        page.mouse.click(point["x"], point["y"])
        expect(page).to_have_url(re.compile(rf"/reports/dashboard\?area={NANLING}$"))
        expect(page.locator("#dash-area-name")).to_have_text("南岭街道")
        expect(page.locator("#dashboard")).to_have_attribute("data-loaded", re.compile(r"\d"))
        page.click("#dash-wall")
        page.wait_for_timeout(800)
        shoot(page, "dashboard-2-street-wall-screen")
    finally:
        context.close()


def test_a_city_commander_publishes_a_bulletin_that_appears_publicly(
    browser: Browser, shapes_server: str,
) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    try:
        sign_in(page, shapes_server, "city")
        page.goto(shapes_server + "/reports/bulletins")
        page.click("#new-bulletin")
        expect(page.locator("#pb-title")).to_have_value(re.compile("长春市"))
        page.check("input[name=columns][value='arrivals.total']")
        page.check("input[name=detail_level][value=district]")
        page.click("#refill")
        expect(page.locator("#pb-body")).to_contain_text("南关区")
        page.fill("#pb-title", "长春市疫情防控通报（浏览器测试）")
        page.click("#save-draft")
        expect(page.locator("#bulletin-status")).to_have_text("草稿")
        expect(page.locator("#bulletin-figures")).to_contain_text("南关区")
        shoot(page, "bulletin-1-draft-preview")
        public = context.new_page()
        public.goto(shapes_server + "/public")
        expect(public.locator("#latest-bulletins")).not_to_contain_text("浏览器测试")
        page.once("dialog", lambda dialog: dialog.accept())
        page.click("#publish")
        expect(page.locator("#bulletin-status")).to_have_text("已发布")
        anonymous = browser.new_context(viewport={"width": 390, "height": 844})
        phone = anonymous.new_page()
        phone.goto(shapes_server + "/public")
        expect(phone.locator("#latest-bulletins")).to_contain_text("长春市疫情防控通报（浏览器测试）")
        expect(phone.locator("a[href='/public/arrive']")).to_be_visible()
        shoot(phone, "bulletin-2-public-home")
        anonymous.close()
    finally:
        context.close()
