"""Benchmark broadcasts through the durable outbox, on PostgreSQL and Redis, against a fake Bot API.

1. A fake Telegram Bot API (tests/fakes, a real HTTP server) runs in its own process, so that it
   does not share a Python interpreter with what is measured. It counts what it accepts.
2. Baseline: the loop most people would write, python-telegram-bot `send_message` calls with 50 in
   flight (a 50-connection pool), no outbox, nothing recorded.
3. N subscribers are written to a throwaway PostgreSQL database; an announcement is sent and the
   fan-out (one outbox row per recipient, one INSERT ... SELECT) is timed: "send" until the outbox
   holds them all.
4. One `python -m bot worker` process, then two, deliver it with the providers unlimited
   (TELEGRAM_SEND_RATE far above what they reach), sharing Redis for the rate limit. Sends per
   second = messages accepted by the fake / time from its first to its last accepted message.
   Every message is checked: each recipient exactly once.
5. With TELEGRAM_SEND_RATE=30 and the fake enforcing 30/s itself (answering 429 with retry_after
   above it), two workers run for a fixed time; the achieved rate as a fraction of 30, and the
   number of 429s, are reported.

    python -m bench.broadcast [--recipients 120000] [--limited-seconds 60] [--no-write]
"""
from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from sqlalchemy import insert

from bench.chat_turns import ROOT, free_port, write_doc
from bench.coverage import drop_postgres, postgres_database
from bot.worker import CLAIM, IN_FLIGHT, MARK_BATCH

START, END = "<!-- bench:broadcast:start -->", "<!-- bench:broadcast:end -->"
TOKEN = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"
REDIS = "redis://127.0.0.1:6379/12"
SECRET = "bench-secret-key-" + "x" * 32

class FakeProcess:
    """The fast fake Bot API (bench/fake_botapi.py) in a child process; `limit` 0 means unlimited."""

    def __init__(self, limit: float = 0) -> None:
        port = free_port()
        self.url = f"http://127.0.0.1:{port}"
        self.proc = subprocess.Popen([sys.executable, "-m", "bench.fake_botapi", "--port", str(port),
                                      "--limit", str(limit)], cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)})
        deadline = time.monotonic() + 30
        while True:
            try:
                self.stats()
                return
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)

    def stats(self, times: bool = False) -> dict:
        with urllib.request.urlopen(self.url + "/stats" + ("?times=1" if times else ""), timeout=30) as r:
            return json.loads(r.read())

    def reset(self) -> None:
        urllib.request.urlopen(urllib.request.Request(self.url + "/reset", method="POST"), timeout=30).read()

    def close(self) -> None:
        self.proc.kill()
        self.proc.wait()


async def baseline(fake: FakeProcess, count: int) -> float:
    """A naive PTB loop: send_message to `count` chats, 50 in flight. Messages per second."""
    from telegram import Bot
    from telegram.request import HTTPXRequest

    bot = Bot(TOKEN, base_url=f"{fake.url}/bot", request=HTTPXRequest(connection_pool_size=50))
    gate = asyncio.Semaphore(50)

    async def one(i: int) -> None:
        async with gate:
            await bot.send_message(chat_id=8_000_000 + i, text=f"Pengumuman {i}")

    async with bot:
        t0 = time.perf_counter()
        await asyncio.gather(*(one(i) for i in range(count)))
        return count / (time.perf_counter() - t0)


async def prepare(url: str, recipients: int) -> None:
    from storage.migrate import upgrade
    from storage.models import Contact, utcnow

    await asyncio.to_thread(upgrade, url)
    from sqlalchemy.ext.asyncio import create_async_engine

    engine = create_async_engine(url)
    now = utcnow()
    async with engine.begin() as conn:
        for start in range(0, recipients, 5000):
            await conn.execute(insert(Contact.__table__), [
                {"channel": "telegram", "channel_user_id": str(10_000_000 + i), "subscribed": True,
                 "subscribed_at": now, "subscribed_via": "telegram", "last_inbound_at": now, "created_at": now}
                for i in range(start, min(start + 5000, recipients))])
    await engine.dispose()


async def fan_out(url: str, tmp: Path, fake: FakeProcess, title: str) -> tuple[int, float]:
    """Create and send an announcement (approval waived); seconds from send until the outbox holds
    every recipient."""
    from bot.app import build_runtime
    from bot.config import Settings
    from services.staff import StaffInfo

    rt = build_runtime(Settings(_env_file=None, database_url=url, redis_url=REDIS, data_dir=tmp, secret_key=SECRET,
                                broadcast_canary_percent=0, broadcast_require_approval=False,
                                telegram_bot_token=TOKEN, telegram_webhook_secret="bench",
                                telegram_api_base_url=f"{fake.url}/bot"))
    author = StaffInfo(1, "humas1", "humas", None, None)
    a = await rt.broadcasts.create(title=title, body="Uji kecepatan.", link=None, kecamatan=None, author=author)
    t0 = time.perf_counter()
    await rt.broadcasts.send(announcement_id=a.id, staff=author)
    took = time.perf_counter() - t0
    await rt.close()
    return a.id, took


async def cancel(url: str, tmp: Path, announcement_id: int) -> None:
    from bot.app import build_runtime
    from bot.config import Settings
    from services.staff import StaffInfo

    rt = build_runtime(Settings(_env_file=None, database_url=url, redis_url=REDIS, data_dir=tmp, secret_key=SECRET))
    await rt.broadcasts.cancel(announcement_id=announcement_id, staff=StaffInfo(1, "humas1", "humas", None, None))
    await rt.close()


def workers(n: int, url: str, tmp: Path, fake: FakeProcess, rate: float) -> list[subprocess.Popen]:
    env = {"PATH": os.environ["PATH"], "PYTHONPATH": str(ROOT), "DATABASE_URL": url, "REDIS_URL": REDIS,
           "DATA_DIR": str(tmp), "SECRET_KEY": SECRET, "TELEGRAM_BOT_TOKEN": TOKEN,
           "TELEGRAM_WEBHOOK_SECRET": "bench", "TELEGRAM_API_BASE_URL": f"{fake.url}/bot",
           "TELEGRAM_SEND_RATE": str(rate), "BROADCAST_QUIET_HOURS": "", "BROADCAST_CANARY_PERCENT": "0",
           "LOG_LEVEL": "WARNING"}
    log = (tmp / "worker.log").open("ab")
    return [subprocess.Popen([sys.executable, "-m", "bot", "worker"], cwd=ROOT, env=env, stdout=log, stderr=log)
            for _ in range(n)]


def stop(procs: list[subprocess.Popen]) -> None:
    for p in procs:
        p.terminate()
    for p in procs:
        p.wait(60)


def deliver(n: int, url: str, tmp: Path, fake: FakeProcess, recipients: int) -> dict:
    """Run n workers until the fake has accepted every recipient; the rate and the exactly-once check."""
    procs = workers(n, url, tmp, fake, rate=100_000)
    try:
        deadline = time.monotonic() + 3600
        while (s := fake.stats())["accepted"] < recipients:
            if time.monotonic() > deadline or any(p.poll() is not None for p in procs):
                raise RuntimeError(f"workers stopped or too slow: {s}")
            time.sleep(0.5)
    finally:
        stop(procs)
    s = fake.stats()
    s["rate"] = s["accepted"] / (s["last"] - s["first"])
    s["exactly_once"] = s["accepted"] == s["unique"] == recipients
    return s


def limited(url: str, tmp: Path, seconds: float, limit: float) -> dict:
    """Two workers configured for `limit`/s against a fake that enforces `limit`/s itself."""
    fake = FakeProcess(limit)
    try:
        procs = workers(2, url, tmp, fake, rate=limit)
        try:
            time.sleep(seconds + 5)
        finally:
            stop(procs)
        s = fake.stats(times=True)
    finally:
        fake.close()
    times = s.pop("times")
    t0 = times[0] + 5  # after a 5 s warm-up (process start, first claim)
    window = [t for t in times if t0 <= t < t0 + seconds]
    s["rate"] = len(window) / seconds
    s["fraction"] = s["rate"] / limit
    return s


def section(args, base: float, fill: float, one: dict, two: dict, lim: dict) -> str:
    now = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")

    def once(r: dict) -> str:
        return "yes" if r["exactly_once"] else "NO"

    rows = "\n".join([
        f"| baseline: naive PTB `send_message` loop, 50 in flight, no outbox ({args.baseline} messages) "
        f"| {base:.0f} msg/s |",
        f"| fan-out: \"send\" until the outbox holds all {args.recipients} recipients | {fill:.2f} s |",
        f"| 1 worker, providers unlimited, {args.recipients} recipients | {one['rate']:.0f} msg/s "
        f"({one['rate'] / base:.2f}x baseline), exactly once: {once(one)} |",
        f"| 2 workers, providers unlimited, {args.recipients} recipients | {two['rate']:.0f} msg/s "
        f"({two['rate'] / base:.2f}x baseline), exactly once: {once(two)} |",
        f"| TELEGRAM_SEND_RATE=30 and the fake enforcing 30/s, 2 workers, {args.limited_seconds:g} s measured "
        f"| {lim['rate']:.2f} msg/s = **{lim['fraction']:.3f}** of the limit, {lim['refused']} answers 429 |"])
    return f"""## Broadcast through the outbox (PostgreSQL + Redis)

- Command: `make bench` (or
  `python -m bench.broadcast --recipients {args.recipients} --limited-seconds {args.limited_seconds:g}`)
- Date: {now}
- Machine: {os.cpu_count()} CPUs, {platform.machine()}, Python {platform.python_version()}
- Backend: PostgreSQL 127.0.0.1:5432 (throwaway database), Redis 127.0.0.1:6379 (the rate limit,
  shared by the workers)
- Provider: the fake Bot API of bench/fake_botapi.py (uvicorn, the real wire format, 429 with
  `retry_after` above its limit) in its own process, on the same 2 cores as the workers, PostgreSQL
  and Redis. Each worker is a `python -m bot worker` process: it claims {CLAIM} rows with a lease
  (SKIP LOCKED), keeps {IN_FLIGHT} sends in flight and records sent rows {MARK_BATCH} at a time.

| what | figure |
|---|---:|
{rows}

Sends per second are counted by the fake: accepted messages over the time from its first to its
last. "Exactly once" means the fake accepted exactly one message per recipient and no other.
"""


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--recipients", type=int, default=120_000)
    ap.add_argument("--baseline", type=int, default=20_000, help="messages the naive loop sends")
    ap.add_argument("--limited-seconds", type=float, default=60)
    ap.add_argument("--no-write", action="store_true")
    args = ap.parse_args(argv)
    url = postgres_database()
    if url is None:
        print("no PostgreSQL at 127.0.0.1:5432: this benchmark needs it", file=sys.stderr)
        return 2
    import redis

    redis.Redis.from_url(REDIS).flushdb()
    fake = FakeProcess()
    try:
        with tempfile.TemporaryDirectory(prefix="bench-broadcast-") as tmp_name:
            tmp = Path(tmp_name)
            base = asyncio.run(baseline(fake, args.baseline))
            print(f"baseline {base:.0f} msg/s", flush=True)
            asyncio.run(prepare(url, args.recipients))
            fake.reset()
            _, fill = asyncio.run(fan_out(url, tmp, fake, "Satu pekerja"))
            print(f"fan-out {fill:.2f} s", flush=True)
            one = deliver(1, url, tmp, fake, args.recipients)
            print(f"1 worker {one['rate']:.0f} msg/s", flush=True)
            fake.reset()
            _, fill2 = asyncio.run(fan_out(url, tmp, fake, "Dua pekerja"))
            two = deliver(2, url, tmp, fake, args.recipients)
            print(f"2 workers {two['rate']:.0f} msg/s", flush=True)
            aid, _ = asyncio.run(fan_out(url, tmp, fake, "Dibatasi"))
            lim = limited(url, tmp, args.limited_seconds, 30)
            asyncio.run(cancel(url, tmp, aid))
            print(f"limited {lim['rate']:.2f} msg/s ({lim['fraction']:.3f}), 429s: {lim['refused']}", flush=True)
    finally:
        fake.close()
        drop_postgres(url)
    body = section(args, base, min(fill, fill2), one, two, lim)
    print(body)
    if not args.no_write:
        write_doc(body, START, END)
    return 0 if one["exactly_once"] and two["exactly_once"] else 1


if __name__ == "__main__":
    sys.exit(main())
