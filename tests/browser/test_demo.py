"""What `make demo` runs (`fangkong demo`, then `fangkong serve`) gives a Chinese sign-in page;
a second `fangkong demo` reuses the data."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from browser_support import local_socket, shoot
from playwright.sync_api import Browser, expect

pytestmark = pytest.mark.browser

FANGKONG = str(Path(sys.executable).parent / "fangkong")


def demo_env(folder: Path) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("FANGKONG_")}
    env["FANGKONG_DATABASE_URL"] = f"sqlite:///{folder / 'var' / 'fangkong.db'}"
    env["FANGKONG_SECRET_KEY"] = "demo-test-secret-key-0123456789"
    env["COLUMNS"] = "120"
    return env


def run_demo(folder: Path) -> str:
    result = subprocess.run(  # noqa: S603 - the project's own command
        [FANGKONG, "demo"], cwd=folder, env=demo_env(folder), capture_output=True, text=True,
        timeout=600, check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def wait_for_port(port: int, server: subprocess.Popen[bytes], seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert server.poll() is None, "fangkong serve stopped"
        probe = local_socket()
        try:
            probe.settimeout(0.5)
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        finally:
            probe.close()
        time.sleep(0.1)
    pytest.fail(f"fangkong serve did not listen on port {port}", pytrace=False)


def test_demo_builds_once_and_serves_a_chinese_login_page(browser: Browser, tmp_path: Path) -> None:
    first = run_demo(tmp_path)
    assert "areas created" in first
    assert "grid1" in first
    assert "reused" in run_demo(tmp_path)

    sock = local_socket()
    port = sock.getsockname()[1]
    sock.close()
    log = (tmp_path / "serve.log").open("wb")
    server = subprocess.Popen(  # noqa: S603 - the project's own command
        [FANGKONG, "serve", "--host", "127.0.0.1", "--port", str(port)],
        cwd=tmp_path, env=demo_env(tmp_path), stdout=log, stderr=subprocess.STDOUT,
    )
    try:
        wait_for_port(port, server)
        page = browser.new_page()
        page.goto(f"http://127.0.0.1:{port}/login")
        expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
        expect(page.locator("main")).to_contain_text("登录")
        expect(page.locator("#username")).to_be_visible()
        shoot(page, "demo-login-zh")
        page.close()
    finally:
        server.terminate()
        server.wait(timeout=15)
        log.close()
