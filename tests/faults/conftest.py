"""Fixtures for the fault tests: a private Redis and a private PostgreSQL cluster, `python -m bot
serve` itself, a tmpfs for the attachment disk, the fake Telegram and Twilio APIs; citizens who
write through webhooks signed as the providers sign them; what ended up filed.

Private instances, never the machine's shared PostgreSQL (5432) and Redis (6379): CI runs the rest
of the suite against those at the same time, and these tests stop, kill and restart what they use.
Every port is a free one picked at the start; every process is stopped at the end of its test."""
from __future__ import annotations

import re
import shutil
from collections.abc import Callable, Iterator

import httpx
import pytest

from tests.fakes.servers import FakeTelegram, FakeTwilio
from tests.faults.processes import (
    PostgresCluster,
    PostgresDatabase,
    RedisServer,
    Server,
    SmallDisk,
    missing,
    pg_bindir,
)
from tests.handlers.conftest import AUTH, FROM, SECRET, SID, TOKEN, sign, tg_update, wa_form

__all__ = ["Citizen", "filed_reports", "reference_in"]


# --- Redis, PostgreSQL, the attachment disk ---

@pytest.fixture
def private_redis(tmp_path) -> Iterator[RedisServer]:
    if shutil.which("redis-server") is None:
        missing("redis-server is not installed")
    workdir = tmp_path / "redis"
    workdir.mkdir()
    redis = RedisServer(workdir)
    redis.start()
    yield redis
    redis.kill()


@pytest.fixture(scope="session")
def _pg_cluster() -> Iterator[PostgresCluster]:
    bindir = pg_bindir()
    if bindir is None:
        missing("PostgreSQL server binaries (initdb, pg_ctl) were not found")
    cluster = PostgresCluster(bindir)
    try:
        cluster.start()
        yield cluster
    finally:
        cluster.remove()


@pytest.fixture
def private_pg(_pg_cluster, request) -> PostgresDatabase:
    """The private cluster, running, with a fresh migrated database for this test."""
    from storage.migrate import upgrade
    from tests.conftest import _in_thread

    if not _pg_cluster.running:
        _pg_cluster.start()
    name = "t_" + "".join(c if c.isalnum() else "_" for c in request.node.name.lower())[:50]
    _pg_cluster.psql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    _pg_cluster.psql(f'CREATE DATABASE "{name}"')
    database = PostgresDatabase(_pg_cluster, name)
    _in_thread(upgrade, database.url)
    return database


@pytest.fixture
def small_attachment_disk(tmp_path) -> Iterator[SmallDisk]:
    """A small disk of its own for DATA_DIR/attachments of the servers `serve` starts."""
    disk = SmallDisk(tmp_path / "data" / "attachments")
    yield disk
    disk.unmount()


# --- the fakes ---

_PERSONAL = re.compile(r"(?<!\d)\d{16}(?!\d)|\+?62 ?8\d{7,11}|08\d{8,11}")  # NIK or KK, phone numbers


@pytest.fixture
def serve(tmp_path, fake_telegram, fake_twilio) -> Iterator[Callable[..., Server]]:
    """Start servers wired to the fakes: `serve(DATABASE_URL=..., REDIS_URL=...)`; all of them
    are stopped at the end."""
    started: list[Server] = []

    def start(**env: str) -> Server:
        data = tmp_path / "data"
        data.mkdir(exist_ok=True)
        channels = {"DATA_DIR": str(data), "TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_WEBHOOK_SECRET": SECRET,
                    "TELEGRAM_API_BASE_URL": fake_telegram.base_url, "TWILIO_ACCOUNT_SID": SID,
                    "TWILIO_AUTH_TOKEN": AUTH, "TWILIO_WHATSAPP_FROM": FROM, "TWILIO_API_BASE_URL": fake_twilio.url}
        server = Server({**channels, **env}, tmp_path)
        started.append(server)
        return server.start()

    yield start
    for server in started:
        server.stop()
    log = (tmp_path / "serve.log").read_text(errors="replace") if started else ""
    assert not _PERSONAL.search(log), "a NIK, KK or phone number reached the server's log"


# --- citizens ---

class Citizen:
    """One person writing to the bot through a signed webhook, as the provider would call it;
    `sent` keeps what was posted so a redelivery can repeat it byte for byte."""

    _next_id = 700_000

    def __init__(self, telegram: FakeTelegram | None = None, *, chat_id: int | None = None,
                 twilio: FakeTwilio | None = None, number: str | None = None) -> None:
        self.telegram, self.chat_id, self.twilio, self.number = telegram, chat_id, twilio, number
        self.sent: list[dict] = []

    @classmethod
    def _id(cls) -> int:
        cls._next_id += 1
        return cls._next_id

    def say(self, server: Server, text: str | None = None, **message) -> httpx.Response:
        if self.chat_id is not None:
            update = tg_update(self._id(), self.chat_id, text, **message)
            self.sent.append(update)
            return self.redeliver(server, update)
        form = wa_form(f"SM{self._id():032x}", self.number, text or "", **message)
        self.sent.append(form)
        return httpx.post(f"{server.base}/webhooks/whatsapp", data=form, timeout=60,
                          headers={"X-Twilio-Signature": sign("/webhooks/whatsapp", form, server.base)})

    def redeliver(self, server: Server, update: dict) -> httpx.Response:
        """Post a Telegram update (again, as Telegram does when it got no answer), and perform the Bot
        API method the webhook answers with, as Telegram does."""
        response = httpx.post(f"{server.base}/webhooks/telegram", json=update, timeout=60,
                              headers={"X-Telegram-Bot-Api-Secret-Token": SECRET})
        if response.status_code == 200 and "json" in response.headers.get("content-type", ""):
            params = dict(response.json())
            httpx.post(f"{self.telegram.base_url}{TOKEN}/{params.pop('method')}", json=params, timeout=10)
        return response

    def texts(self) -> list[str]:
        """What the bot sent this person through the provider's API, oldest first."""
        if self.chat_id is not None:
            return self.telegram.texts_to(self.chat_id)
        return self.twilio.shown_to(self.number)

    def walk(self, server: Server, answers: list) -> list[str]:
        """Send each answer (text, or a dict of message fields for media) and return the texts the
        bot sent in reply to the whole walk; every webhook must be accepted (200)."""
        before = len(self.texts())
        for answer in answers:
            r = self.say(server, **answer) if isinstance(answer, dict) else self.say(server, answer)
            assert r.status_code == 200, (answer, r.status_code, r.text)
        return self.texts()[before:]


# --- what was filed ---

_REFERENCE = re.compile(r"Nomor laporan: (SK-[0-9A-Z]{4}-[0-9A-Z]{3})")


def reference_in(texts: list[str]) -> str:
    """The reference number the bot gave in these replies (there must be exactly one)."""
    found = {m for t in texts for m in _REFERENCE.findall(t)}
    assert len(found) == 1, texts
    return found.pop()


def filed_reports(db_url: str) -> dict[str, int]:
    """Every report in the database: its reference and how many documents it has."""
    from sqlalchemy import func, select
    from sqlalchemy.ext.asyncio import create_async_engine

    from storage.models import Report, ReportDocument
    from tests.conftest import run_async

    async def read() -> dict[str, int]:
        engine = create_async_engine(db_url)
        try:
            async with engine.connect() as conn:
                rows = await conn.execute(
                    select(Report.reference, func.count(ReportDocument.id))
                    .outerjoin(ReportDocument, ReportDocument.report_id == Report.id).group_by(Report.reference))
                return {reference: n for reference, n in rows}
        finally:
            await engine.dispose()

    return run_async(read())
