"""Shared fixtures. Databases: SQLite always; PostgreSQL when TEST_DATABASE_URL is set, Redis when
TEST_REDIS_URL is set. Locally a missing one skips with a reason; with CI=true it fails."""
from __future__ import annotations

import asyncio
import ipaddress
import os
import shutil
import socket
from collections.abc import AsyncIterator, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from sqlalchemy import text

from bot.config import Settings
from storage.db import make_engine
from storage.migrate import upgrade
from tests.fakes.servers import FakeTelegram, FakeTwilio

PG_URL = os.environ.get("TEST_DATABASE_URL", "")
REDIS_URL = os.environ.get("TEST_REDIS_URL", "")
IN_CI = os.environ.get("CI", "").lower() == "true"
# the credentials the fake providers expect (tests/fakes/servers.py)
TOKEN = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"
SID, AUTH = "AC" + "0" * 32, "twilio-test-auth-token-0123456789"
TABLES = ("sent_messages", "contacts", "conversation_state", "processed_messages", "staff", "audit_log",
          "registry", "registry_imports", "rate_counters", "report_documents", "report_events", "reports", "outbox",
          "announcements", "revoked_sessions", "tickets", "ticket_messages", "ticket_events", "canned_replies")


def need(url: str, what: str) -> str:
    if not url:
        if IN_CI:
            pytest.fail(f"{what} is required in CI")
        pytest.skip(f"{what} not set: this backend is tested in CI (.ci/run)")
    return url


# --- nothing reaches the internet (STYLE rule 13) ---
_real_connect = socket.socket.connect


def _guarded_connect(self, address):
    host = address[0] if isinstance(address, tuple) else None
    if host is not None:
        try:
            ok = ipaddress.ip_address(host).is_loopback
        except ValueError:
            ok = host == "localhost"
        if not ok:
            raise RuntimeError(f"test tried to reach the network: {host}")
    return _real_connect(self, address)


@pytest.fixture(autouse=True)
def _offline(monkeypatch):
    monkeypatch.setattr(socket.socket, "connect", _guarded_connect)


def _in_thread(fn, *args):
    """Run blocking code that starts its own event loop (Alembic's env, asyncio.run) from a
    fixture, even while a test's loop is running."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(fn, *args).result()


def run_async(coro):
    return _in_thread(asyncio.run, coro)


# --- databases ---
@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.db"
    _in_thread(upgrade, f"sqlite+aiosqlite:///{path}")
    return path


@pytest.fixture
def sqlite_url(sqlite_template, tmp_path) -> str:
    path = tmp_path / "layanan.db"
    shutil.copy(sqlite_template, path)
    return f"sqlite+aiosqlite:///{path}"


async def _truncate(url: str) -> None:
    engine = make_engine(url)
    async with engine.begin() as conn:
        await conn.execute(text(f"TRUNCATE {', '.join(TABLES)} RESTART IDENTITY"))
    await engine.dispose()


async def _flush(url: str) -> None:
    from redis.asyncio import Redis

    client = Redis.from_url(url)
    await client.flushdb()
    await client.aclose()


@pytest.fixture(scope="session")
def _pg_migrated() -> str:
    url = need(PG_URL, "TEST_DATABASE_URL (PostgreSQL)")
    _in_thread(upgrade, url)
    return url


@pytest.fixture
def pg_url(_pg_migrated) -> str:
    run_async(_truncate(_pg_migrated))
    return _pg_migrated


@pytest.fixture
def redis_url() -> str:
    url = need(REDIS_URL, "TEST_REDIS_URL (Redis)")
    run_async(_flush(url))
    return url


@pytest.fixture
def db_url(request) -> str:
    """The database the app-level tests run on: PostgreSQL in CI, SQLite on a laptop."""
    return request.getfixturevalue("pg_url" if PG_URL else "sqlite_url")


@pytest.fixture
def settings(db_url, tmp_path, request) -> Settings:
    redis = request.getfixturevalue("redis_url") if REDIS_URL else ""
    # no quiet hours (a test must not depend on the hour it runs at) and no canary: the tests that
    # are about them switch them on
    return Settings(_env_file=None, database_url=db_url, redis_url=redis, data_dir=tmp_path,
                    secret_key="test-secret-key-" + "x" * 32, broadcast_quiet_hours="", broadcast_canary_percent=0)


@pytest.fixture
async def client(settings) -> AsyncIterator[httpx.AsyncClient]:
    from bot.app import create_app

    app = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
            c.app = app  # type: ignore[attr-defined]
            yield c


async def chat(client: httpx.AsyncClient, user: str, text_: str) -> list[dict]:
    r = await client.post("/api/chat", json={"user": user, "text": text_})
    assert r.status_code == 200, r.text
    return r.json()["replies"]


# --- the fake providers: real HTTP servers on loopback that the real libraries talk to ---
@pytest.fixture
def fake_telegram() -> Iterator[FakeTelegram]:
    fake = FakeTelegram(TOKEN)
    yield fake
    fake.close()


@pytest.fixture
def fake_twilio() -> Iterator[FakeTwilio]:
    fake = FakeTwilio(SID, AUTH)
    yield fake
    fake.close()
