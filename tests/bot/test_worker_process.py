"""Real `python -m bot worker` processes stopped in the middle of a broadcast. SIGTERM: the worker
finishes what is in flight, gives the rest back, and the next worker sends everything exactly once.
SIGKILL: nothing is lost; the only messages sent twice are the ones the provider had taken but the
dead worker had not yet recorded (at most its in-flight slots plus one batch of marks), and the
test names them exactly."""
from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import create_async_engine

from bot.worker import IN_FLIGHT, MARK_BATCH
from storage.models import OutboxMessage, utcnow
from tests.conftest import REDIS_URL
from tests.fakes.servers import FakeTelegram
from tests.handlers.test_broadcast_delivery import bulk_subscribers

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"
SUBSCRIBERS = 1500


def _env(db_url: str, tmp_path: Path, fake: FakeTelegram) -> dict[str, str]:
    return {"PATH": os.environ["PATH"], "PYTHONPATH": str(ROOT), "DATABASE_URL": db_url, "DATA_DIR": str(tmp_path),
            "REDIS_URL": REDIS_URL, "TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_WEBHOOK_SECRET": "s3cret",
            "TELEGRAM_API_BASE_URL": fake.base_url, "TELEGRAM_SEND_RATE": "300", "OUTBOX_LEASE_SECONDS": "5",
            "BROADCAST_QUIET_HOURS": "", "BROADCAST_CANARY_PERCENT": "0", "SECRET_KEY": "k" * 40}


async def _broadcast(db_url: str, tmp_path: Path) -> None:
    from bot.app import build_runtime
    from bot.config import Settings
    from services.staff import StaffInfo

    rt = build_runtime(Settings(_env_file=None, database_url=db_url, redis_url=REDIS_URL, data_dir=tmp_path,
                                secret_key="k" * 40, broadcast_canary_percent=0, broadcast_require_approval=False))
    await bulk_subscribers(rt, telegram=SUBSCRIBERS)
    author = StaffInfo(1, "humas1", "humas", None, None)
    a = await rt.broadcasts.create(title="Tahan banting", body="Uji pekerja.", link=None, kecamatan=None, author=author)
    await rt.broadcasts.send(announcement_id=a.id, staff=author)
    await rt.close()


async def _outbox(db_url: str) -> tuple[int, set[str], int]:
    """Rows still pending, the chats whose rows are recorded as sent, and the pending rows that are
    leased to a worker (now) that has not given them back."""
    engine = create_async_engine(db_url)
    try:
        async with engine.connect() as conn:
            pending = await conn.scalar(select(func.count()).select_from(OutboxMessage)
                                        .where(OutboxMessage.status == "pending"))
            sent = set(await conn.scalars(select(OutboxMessage.address).where(OutboxMessage.status == "sent")))
            leased = await conn.scalar(select(func.count()).select_from(OutboxMessage).where(
                OutboxMessage.status == "pending", OutboxMessage.lease_until > utcnow()))
        return pending, sent, leased
    finally:
        await engine.dispose()


def _worker(env: dict[str, str], log: Path) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "bot", "worker"], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=log.open("ab"))


def _wait_for(condition, timeout: float, log: Path) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out; worker log:\n" + log.read_text(errors="replace")[-3000:]
        time.sleep(0.05)


def _run(sig: signal.Signals, db_url: str, tmp_path: Path) -> tuple[Counter, set[str], int]:
    """Start a worker, stop it with `sig` a fifth of the way through, let a second one finish.
    Returns the messages per chat, the chats in doubt when the first one stopped (taken by the
    provider, not recorded), and how many rows the stopped worker still held."""
    fake = FakeTelegram(TOKEN)
    try:
        asyncio.run(_broadcast(db_url, tmp_path))
        env, log = _env(db_url, tmp_path, fake), tmp_path / "workers.log"
        first = _worker(env, log)
        _wait_for(lambda: len(fake.accepted("sendMessage")) >= SUBSCRIBERS // 5 + 37, 120, log)  # mid-batch
        first.send_signal(sig)
        first.wait(30)
        assert sig == signal.SIGKILL or first.returncode == 0, log.read_text(errors="replace")[-3000:]
        pending, recorded, held = asyncio.run(_outbox(db_url))
        taken = {c.params["chat_id"] for c in fake.accepted("sendMessage")}
        in_doubt = taken - recorded
        assert 0 < pending < SUBSCRIBERS
        second = _worker(env, log)
        try:
            _wait_for(lambda: asyncio.run(_outbox(db_url))[0] == 0, 180, log)
        finally:
            second.terminate()
            second.wait(30)
        return Counter(c.params["chat_id"] for c in fake.accepted("sendMessage")), in_doubt, held
    finally:
        fake.close()


@pytest.fixture
def fresh_redis(request) -> None:
    """The workers share the rate-limit window through Redis (in CI): start from an empty one."""
    if REDIS_URL:
        request.getfixturevalue("redis_url")


def test_a_worker_stopped_with_sigterm_hands_over_and_nothing_is_sent_twice(db_url, tmp_path, fresh_redis):
    per_chat, in_doubt, held = _run(signal.SIGTERM, db_url, tmp_path)
    assert len(per_chat) == SUBSCRIBERS and set(per_chat.values()) == {1}
    assert not in_doubt and held == 0  # it recorded what it sent and gave back the rest of its batch


def test_a_worker_killed_mid_run_loses_nothing_and_doubles_only_what_was_in_flight(db_url, tmp_path, fresh_redis):
    per_chat, in_doubt, held = _run(signal.SIGKILL, db_url, tmp_path)
    assert len(per_chat) == SUBSCRIBERS  # nothing lost
    doubled = {chat for chat, n in per_chat.items() if n > 1}
    assert set(per_chat.values()) <= {1, 2}
    assert doubled == in_doubt and len(doubled) <= IN_FLIGHT + MARK_BATCH  # taken by the provider, not recorded
    assert held > 0  # its batch stayed leased until the lease ended, then the second worker took it
