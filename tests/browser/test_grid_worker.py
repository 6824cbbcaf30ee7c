"""A grid worker on a desktop and on a phone: signs in, sees only their own grid, gets the
404 page for another district, and switches the interface to English and back."""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest
from browser_support import shoot, submit_sign_in
from playwright.sync_api import Browser, Page, expect

pytestmark = pytest.mark.browser

MY_GRID = "220102001001001"
OTHER_DISTRICT = "220104"  # 朝阳区


@dataclass(frozen=True)
class Screen:
    name: str
    width: int
    height: int
    phone: bool


SCREENS = [Screen("desktop", 1280, 800, phone=False), Screen("phone", 390, 844, phone=True)]


def sign_in(page: Page, base: str, username: str) -> None:
    page.goto(base + "/")
    expect(page).to_have_url(re.compile(r"/login"))
    submit_sign_in(page, username)


def fits_the_screen(page: Page) -> bool:
    return bool(page.evaluate(
        "document.documentElement.scrollWidth <= document.documentElement.clientWidth + 1"
    ))


@pytest.mark.parametrize("screen", SCREENS, ids=lambda screen: screen.name)
def test_grid_worker_sees_only_their_grid_in_both_languages(
    browser: Browser, live_server: str, screen: Screen
) -> None:
    context = browser.new_context(
        viewport={"width": screen.width, "height": screen.height},
        is_mobile=screen.phone, has_touch=screen.phone,
        device_scale_factor=2 if screen.phone else 1,
    )
    page = context.new_page()
    html = page.locator("html")
    try:
        sign_in(page, live_server, "grid1")
        shot = f"grid-worker-{screen.name}"
        expect(page).to_have_url(f"{live_server}/areas/{MY_GRID}")
        expect(html).to_have_attribute("lang", "zh-CN")
        expect(page.locator("main")).to_contain_text("第1网格")
        assert fits_the_screen(page), "the page scrolls sideways"
        shoot(page, f"{shot}-1-my-grid")

        page.goto(live_server + "/")
        expect(page).to_have_url(f"{live_server}/areas/{MY_GRID}")

        response = page.goto(f"{live_server}/areas/{OTHER_DISTRICT}")
        assert response is not None
        assert response.status == 404
        expect(page.locator("main")).to_contain_text("not_found")
        expect(page.locator("main")).not_to_contain_text("朝阳区")
        shoot(page, f"{shot}-2-other-district-404")

        page.goto(f"{live_server}/areas/{MY_GRID}")
        page.get_by_role("button", name="English").click()
        expect(html).to_have_attribute("lang", "en")
        expect(page).to_have_url(f"{live_server}/areas/{MY_GRID}")
        expect(page.get_by_role("button", name="Sign out")).to_be_visible()
        assert fits_the_screen(page), "the English page scrolls sideways"
        shoot(page, f"{shot}-3-english")

        page.get_by_role("button", name="中文").click()
        expect(html).to_have_attribute("lang", "zh-CN")
        expect(page).to_have_url(f"{live_server}/areas/{MY_GRID}")
        shoot(page, f"{shot}-4-chinese-again")
    finally:
        context.close()
