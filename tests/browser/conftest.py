"""Browser fixtures: the demo city served by uvicorn on a free local port, and Debian's
Chromium driven by Playwright. Chromium missing is a failure, never a skip."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from browser_support import demo_session, demo_settings, served
from playwright.sync_api import Browser, sync_playwright

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The app on the demo city (an SQLite file), served in a background thread."""
    settings = demo_settings(tmp_path_factory.mktemp("browser"))
    with demo_session(settings):
        pass
    with served(settings) as base:
        yield base


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.is_file():
        pytest.fail(
            f"Chromium is missing at {CHROMIUM}. The browser tests never skip: install Debian's "
            "packages `chromium` and `fonts-wqy-microhei` (.ci/run does it), then run again.",
            pytrace=False,
        )
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield launched
        launched.close()
