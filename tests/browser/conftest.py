"""Browser tests: Debian's chromium driven by Playwright for Python, against the real app served by
uvicorn on 127.0.0.1 (in a thread of the test process, so that tests can set up data through the
same runtime), with the fake Bot API for the chats that staff actions reach.

Chromium comes from Debian's package `chromium`, which .ci/run installs when it is missing (without
it these tests skip locally and fail in CI); Playwright's own browser download is never used.
Screenshots of each page go to docs/screenshots/."""
from __future__ import annotations

import asyncio
import os
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import uvicorn

from bot.config import Settings
from tests.conftest import IN_CI, REDIS_URL

CHROMIUM = "/usr/bin/chromium"
SHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
TOKEN = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"
PASSWORD = "Rahasia-Staf-2026!"


@pytest.fixture(scope="session")
def chromium() -> str:
    if not os.path.exists(CHROMIUM):
        if IN_CI:
            pytest.fail(f"Debian's chromium ({CHROMIUM}) is required in CI: .ci/run installs the package "
                        "`chromium` when it is missing")
        pytest.skip(f"Debian's chromium ({CHROMIUM}) is not installed: install the package `chromium` "
                    "(.ci/run does)")
    return CHROMIUM


@pytest.fixture
def browser(chromium):
    """Per test: Playwright's sync API runs its own event loop in this thread while it is open, which
    the async tests that follow must not find still running."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium,
                                     args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        yield browser
        browser.close()


class LiveServer:
    """The app under uvicorn in a thread; `run(coro)` runs a coroutine on the server's own loop."""

    def __init__(self, settings: Settings, port: int) -> None:
        from bot.app import create_app

        self.app = create_app(settings)
        self.url = f"http://127.0.0.1:{port}"
        self._server = uvicorn.Server(uvicorn.Config(self.app, host="127.0.0.1", port=port, log_level="warning",
                                                     lifespan="on"))
        self.loop: asyncio.AbstractEventLoop | None = None
        self._thread = threading.Thread(target=lambda: asyncio.run(self._serve()), daemon=True)

    async def _serve(self) -> None:
        self.loop = asyncio.get_running_loop()
        await self._server.serve()

    def start(self) -> None:
        self._thread.start()
        deadline = time.monotonic() + 30
        while not self._server.started:
            assert time.monotonic() < deadline and self._thread.is_alive(), "the server did not start"
            time.sleep(0.05)

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(30)

    @property
    def runtime(self):
        return self.app.state.runtime

    def run(self, coro, timeout: float = 60):
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def staff(self, username: str, role: str, *, kecamatan: str | None = None, desa: str | None = None):
        return self.run(self.runtime.staff.create(username=username, role=role, password=PASSWORD,
                                                  kecamatan=kecamatan, desa=desa, actor="test"))


@contextmanager
def live_server(db_url, tmp_path, request, **channels) -> Iterator[LiveServer]:
    """The real app on a free loopback port, on the test's database (and Redis in CI), with the
    channel settings given; stopped afterwards."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    redis = request.getfixturevalue("redis_url") if REDIS_URL else ""
    settings = Settings(_env_file=None, database_url=db_url, redis_url=redis, data_dir=tmp_path,
                        secret_key="browser-secret-key-" + "x" * 32, public_base_url=f"http://127.0.0.1:{port}",
                        broadcast_quiet_hours="", broadcast_canary_percent=0, **channels)
    server = LiveServer(settings, port)
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def live(db_url, tmp_path, request, fake_telegram) -> Iterator[LiveServer]:
    with live_server(db_url, tmp_path, request, worker_in_process=True, telegram_bot_token=TOKEN,
                     telegram_webhook_secret="s3cret", telegram_api_base_url=fake_telegram.base_url) as server:
        yield server


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1200, "height": 900}, locale="id-ID")
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


def login(page, live: LiveServer, username: str) -> None:
    page.goto(live.url + "/admin")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("form button[type=submit]")
    page.wait_for_url(live.url + "/admin")


def shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)
