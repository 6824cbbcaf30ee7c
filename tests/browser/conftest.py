"""Browser fixtures: the demo city served by uvicorn on a free local port, and Debian's
Chromium driven by Playwright. Chromium missing is a failure, never a skip."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn
from browser_support import local_socket
from playwright.sync_api import Browser, sync_playwright

from fangkong.app import create_app
from fangkong.areas.demo import DemoSize
from fangkong.db import make_engine, make_session_factory, transaction
from fangkong.demo import do_build_demo
from fangkong.migrations import upgrade
from fangkong.settings import Settings

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]


def demo_settings(folder: Path) -> Settings:
    return Settings(database_url=f"sqlite:///{folder / 'fangkong.db'}",
                    secret_key="browser-test-secret-key-0123456789")


def build_demo(settings: Settings) -> None:
    engine = make_engine(settings)
    upgrade(engine)
    with transaction(make_session_factory(engine)) as session:
        do_build_demo(session, size=DemoSize(2, 2), seed=2020)
    engine.dispose()


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The app on the demo city (an SQLite file), served in a background thread."""
    settings = demo_settings(tmp_path_factory.mktemp("browser"))
    build_demo(settings)
    sock = local_socket()
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(create_app(settings), log_level="warning"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]},
                              name="fangkong-live-server", daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            pytest.fail("the test server did not start", pytrace=False)
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=15)
    sock.close()


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
