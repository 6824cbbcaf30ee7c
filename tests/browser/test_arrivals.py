"""Arrivals in a real browser: a checkpoint officer registers a family of three at 长春站 on a
desktop; a traveller self-registers on a phone-sized screen from the station's QR link."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from browser_support import demo_session, demo_settings, served, shoot, sign_in
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import select

from fangkong.arrivals.demo import do_seed_demo_arrivals_policy
from fangkong.arrivals.models import Checkpoint
from fangkong.registry.validators import id_check_character

pytestmark = pytest.mark.browser


def id_number(serial: int) -> str:
    first17 = f"22010219850315{serial:03d}"
    return first17 + id_check_character(first17)


@pytest.fixture(scope="module")
def arrivals_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    """The demo city with the arrivals policy (key areas, rules, checkpoints), served; and
    the QR token of 长春站."""
    settings = demo_settings(tmp_path_factory.mktemp("arrivals-browser"))
    with demo_session(settings) as session:
        do_seed_demo_arrivals_policy(session)
        token = session.scalars(select(Checkpoint.public_token).where(
            Checkpoint.name == "长春站")).one()
    with served(settings) as base:
        yield base, token


def fill_person(page: Page, index: int, name: str, serial: int, temperature: str) -> None:
    prefix = f"people\\.{index}\\."
    page.fill(f"#{prefix}name", name)
    page.fill(f"#{prefix}id_number", id_number(serial))
    page.fill(f"#{prefix}temperature", temperature)


def test_checkpoint_officer_registers_a_family_of_three(
    browser: Browser, arrivals_server: tuple[str, str]
) -> None:
    base, _token = arrivals_server
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    try:
        sign_in(page, base, "checkpoint")
        page.goto(base + "/arrivals/register")
        expect(page.locator("h1")).to_have_text("流入人员登记")
        page.select_option("#checkpoint_id", label="长春站")
        fill_person(page, 0, "张伟", 1, "36.6")
        page.fill("#people\\.0\\.phone", "13800138000")
        page.click("#add-person")
        expect(page.locator("#people\\.1\\.name")).to_be_focused()
        fill_person(page, 1, "李娜", 2, "36.8")
        page.click("#add-person")
        fill_person(page, 2, "张小明", 3, "44.0")  # a typo: 44 °C
        page.fill("#origin_code", "4201 湖北省 武汉市")
        page.fill("#transport", "Z62")
        page.fill("#destination_address", "幸福小区3栋2单元")
        page.fill("#destination", "220102001001")
        page.click("#register-submit")
        expect(page.locator(".problems")).to_contain_text("人员 3")
        expect(page.locator("#people\\.1\\.name")).to_have_value("李娜")  # nothing lost
        shoot(page, "arrivals-checkpoint-1-error")
        page.fill("#people\\.2\\.temperature", "37.0")
        page.click("#register-submit")
        expect(page).to_have_url(re.compile(r"/arrivals/register\?checkpoint=\d+&group=G"))
        rows = page.locator(".registered tbody tr")
        expect(rows).to_have_count(3)
        expect(page.locator(".registered")).to_contain_text("居家隔离")
        expect(page.locator(".registered")).to_contain_text("高风险")
        expect(page.locator("#people\\.0\\.name")).to_have_value("")  # ready for the next
        expect(page.locator("#checkpoint_id option:checked")).to_have_text("长春站")  # kept
        shoot(page, "arrivals-checkpoint-2-registered")
    finally:
        context.close()


def test_traveller_self_registers_on_a_phone(
    browser: Browser, arrivals_server: tuple[str, str]
) -> None:
    base, token = arrivals_server
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True,
                                  has_touch=True, device_scale_factor=2)
    page = context.new_page()
    try:
        page.goto(f"{base}/public/arrive/{token}")
        expect(page.locator("h1")).to_contain_text("长春站")
        assert page.evaluate(
            "document.documentElement.scrollWidth <= document.documentElement.clientWidth + 1")
        shoot(page, "arrivals-self-phone-1-form")
        page.fill("#people\\.0\\.name", "王芳")
        page.fill("#people\\.0\\.id_number", id_number(8))
        page.fill("#people\\.0\\.phone", "13900139000")
        page.fill("#origin_code", "3303 浙江省 温州市")
        page.fill("#destination", "220103 宽城区")
        page.click("#arrive-submit")
        expect(page).to_have_url(re.compile(r"/public/arrive/done\?t="))
        expect(page.locator("h1")).to_have_text("登记成功")
        card = page.locator(".confirmation-card")
        expect(card).to_have_count(1)
        expect(card).to_contain_text("王芳")
        expect(card).to_contain_text("220102********")
        expect(page.locator("body")).not_to_contain_text(id_number(8))
        expect(page.locator("body")).not_to_contain_text("张伟")  # nobody else's data
        assert re.fullmatch(r"[A-Z0-9]{8}", card.locator("code").inner_text())
        shoot(page, "arrivals-self-phone-2-confirmation")
    finally:
        context.close()
