"""Helpers of the browser tests (a module of its own: `conftest` is not importable by name)."""

from __future__ import annotations

import re
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import uvicorn
from playwright.sync_api import Page, expect
from sqlalchemy.orm import Session

from fangkong.app import create_app
from fangkong.areas.demo import DemoSize
from fangkong.db import make_engine, make_session_factory, transaction
from fangkong.demo import DEMO_PASSWORD, do_build_demo
from fangkong.migrations import upgrade
from fangkong.settings import Settings

SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"


def local_socket() -> socket.socket:
    """A socket bound to a free port on 127.0.0.1, handed to the server as it is (no race)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    return sock


def shoot(page: Page, name: str) -> Path:
    """A full-page screenshot in test-artifacts/screenshots/, for a person to look at."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{re.sub(r'[^A-Za-z0-9_.-]+', '-', name)}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def demo_settings(folder: Path) -> Settings:
    return Settings(database_url=f"sqlite:///{folder / 'fangkong.db'}",
                    secret_key="browser-test-secret-key-0123456789")


@contextmanager
def demo_session(settings: Settings) -> Iterator[Session]:
    """The demo city built in the settings' database; the session, still in its transaction,
    for whatever a test adds to it (committed on leaving)."""
    engine = make_engine(settings)
    upgrade(engine)
    try:
        with transaction(make_session_factory(engine)) as session:
            do_build_demo(session, size=DemoSize(2, 2), seed=2020)
            yield session
    finally:
        engine.dispose()


@contextmanager
def served(settings: Settings) -> Iterator[str]:
    """The app on these settings, served by uvicorn in a background thread; its base URL."""
    sock = local_socket()
    server = uvicorn.Server(uvicorn.Config(create_app(settings), log_level="warning"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]},
                              name="fangkong-test-server", daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            pytest.fail("the test server did not start", pytrace=False)
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        server.should_exit = True
        thread.join(timeout=15)
        sock.close()


def submit_sign_in(page: Page, username: str) -> None:
    """Fill and send the sign-in form on the page (a demo account's password)."""
    page.fill("#username", username)
    page.fill("#password", DEMO_PASSWORD)
    page.locator("form:has(#password) [type=submit]").click()


def sign_in(page: Page, base: str, username: str) -> None:
    page.goto(base + "/login")
    submit_sign_in(page, username)
    expect(page).not_to_have_url(re.compile(r"/login"))
