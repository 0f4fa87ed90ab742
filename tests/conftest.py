"""Shared fixtures. Databases: SQLite always; PostgreSQL when TEST_DATABASE_URL is set, Redis when
TEST_REDIS_URL is set. Locally a missing one skips with a reason; with CI=true it fails.

Under pytest-xdist (`make test` runs `-n`) each worker has its own: worker gwN uses the database
`<name>_gwN` (created and migrated once per worker, dropped at the end) and the Redis database
number of TEST_REDIS_URL plus N. A plain `pytest` run uses the URLs as given."""
from __future__ import annotations

import asyncio
import fcntl
import ipaddress
import os
import shutil
import socket
from collections.abc import AsyncIterator, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from bot.config import Settings
from storage.db import make_engine
from storage.migrate import upgrade
from tests.fakes.servers import FakeTelegram, FakeTwilio

IN_CI = os.environ.get("CI", "").lower() == "true"


def worker_pg_url(url: str, worker_id: str) -> str:
    """This xdist worker's PostgreSQL database: `<name>_gw0`, `<name>_gw1`, ... (as given outside xdist)."""
    if not url or not worker_id.startswith("gw"):
        return url
    parsed = make_url(url)
    return parsed.set(database=f"{parsed.database}_{worker_id}").render_as_string(hide_password=False)


def worker_redis_url(url: str, worker_id: str) -> str:
    """This xdist worker's Redis database: TEST_REDIS_URL's number plus the worker's index."""
    if not url or not worker_id.startswith("gw"):
        return url
    parts = urlsplit(url)
    number = int(parts.path.strip("/") or 0) + int(worker_id[2:])
    if number > 15:
        raise pytest.UsageError(f"{url} leaves no Redis database for xdist worker {worker_id} (16 in all): "
                                "use a lower database number or fewer workers")
    return urlunsplit(parts._replace(path=f"/{number}"))


# "gw0", "gw1", ... in an xdist worker; the same id as xdist's `worker_id` fixture
WORKER_ID = os.environ.get("PYTEST_XDIST_WORKER", "master")
# the URLs this process's tests use (its worker's own, under xdist)
PG_URL = worker_pg_url(os.environ.get("TEST_DATABASE_URL", ""), WORKER_ID)
REDIS_URL = worker_redis_url(os.environ.get("TEST_REDIS_URL", ""), WORKER_ID)
# the credentials the fake providers expect (tests/fakes/servers.py)
TOKEN = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"
SID, AUTH = "AC" + "0" * 32, "twilio-test-auth-token-0123456789"
TABLES = ("sent_messages", "contacts", "conversation_state", "processed_messages", "staff", "audit_log",
          "registry", "registry_imports", "rate_counters", "report_documents", "report_events", "reports", "outbox",
          "announcements", "revoked_sessions", "web_messages", "tickets", "ticket_messages", "ticket_events",
          "canned_replies", "faq_entries", "faq_revision", "faq_unanswered", "whatsapp_content",
          "report_checks")


def need(url: str, what: str) -> str:
    if not url:
        if IN_CI:
            pytest.fail(f"{what} is required in CI")
        pytest.skip(f"{what} not set: this backend is tested in CI (.ci/run)")
    return url


# --- what runs where: `make test` spreads the suite over xdist workers (--dist loadgroup) ---
# Tests that start servers, kill processes or drive a browser form one group, which a single worker
# runs one after another. Tests that measure throughput (tests/bench) have the machine to
# themselves: the other workers wait between two of their tests while one runs (see _Turns).
SERIAL = "serial"
SERIAL_DIRS = ("bench", "browser", "faults")
ALONE_DIRS = ("bench",)


def pytest_addoption(parser):
    parser.addoption("--big", action="store_true",
                     help="run only the tests marked `big` (cases too big for the suite; `make bench` runs them)")


def _under(item, names: tuple[str, ...]) -> bool:
    return any(Path(__file__).parent / name in item.path.parents for name in names)


@pytest.hookimpl(tryfirst=True)  # before xdist reads the groups
def pytest_collection_modifyitems(config, items):
    for item in items:
        if _under(item, SERIAL_DIRS) and not item.get_closest_marker("xdist_group"):
            item.add_marker(pytest.mark.xdist_group(SERIAL))
        if _under(item, ALONE_DIRS):
            item.add_marker(pytest.mark.alone)
    # the `big` tests run only with --big (deselected, not skipped: CI fails on a skip)
    big = config.getoption("--big")
    keep = [item for item in items if bool(item.get_closest_marker("big")) == big]
    if len(keep) < len(items):
        config.hook.pytest_deselected(items=[item for item in items if bool(item.get_closest_marker("big")) != big])
        items[:] = keep


class _Turns:
    """Turns at the machine for the workers of one xdist run, with flock(2) on two files in the
    run's temporary folder (locks go with a process that dies). Every test holds a shared turn; a
    test marked `alone` takes the gate, which keeps new shared turns out, then waits for the
    exclusive turn, i.e. for the tests already running elsewhere to finish."""

    def __init__(self, folder: Path) -> None:
        self._gate = open(folder / "turns.gate", "a+")  # noqa: SIM115  (open for the whole session)
        self._turn = open(folder / "turns.lock", "a+")  # noqa: SIM115

    @contextmanager
    def take(self, alone: bool):
        fcntl.flock(self._gate, fcntl.LOCK_EX)
        try:
            fcntl.flock(self._turn, fcntl.LOCK_EX if alone else fcntl.LOCK_SH)
        finally:
            if not alone:
                fcntl.flock(self._gate, fcntl.LOCK_UN)
        try:
            yield
        finally:
            fcntl.flock(self._turn, fcntl.LOCK_UN)
            if alone:
                fcntl.flock(self._gate, fcntl.LOCK_UN)


def pytest_configure(config):
    config.addinivalue_line("markers", "alone: runs while no other xdist worker runs a test (throughput)")
    if hasattr(config, "workerinput"):  # an xdist worker: its basetemp is <the run's folder>/popen-gwN
        config._layanan_turns = _Turns(Path(config.option.basetemp).parent)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item, nextitem):
    turns = getattr(item.config, "_layanan_turns", None)
    if turns is None:
        yield
        return
    with turns.take(alone=item.get_closest_marker("alone") is not None):
        yield


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


async def _recreate(url: str, *, drop_only: bool = False) -> None:
    """Drop and create the database of `url`, through the server's `postgres` maintenance database."""
    import asyncpg

    target = make_url(url)
    admin = target.set(drivername="postgresql", database="postgres").render_as_string(hide_password=False)
    conn = await asyncpg.connect(admin, timeout=10)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{target.database}" WITH (FORCE)')
        if not drop_only:
            await conn.execute(f'CREATE DATABASE "{target.database}"')
    finally:
        await conn.close()


@pytest.fixture(scope="session")
def _pg_migrated(worker_id) -> Iterator[str]:
    """PostgreSQL, migrated once per session; under xdist a database of this worker's own."""
    url = worker_pg_url(need(os.environ.get("TEST_DATABASE_URL", ""), "TEST_DATABASE_URL (PostgreSQL)"), worker_id)
    assert url == PG_URL, (url, PG_URL)
    own = worker_id.startswith("gw")
    if own:
        run_async(_recreate(url))
    _in_thread(upgrade, url)
    yield url
    if own:
        run_async(_recreate(url, drop_only=True))


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
