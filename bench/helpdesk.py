"""Benchmark the live helpdesk inbox on a real `python -m bot serve` (one process, SQLite file).

200 open web-chat tickets are seeded; then two runs:

1. 20 inbox clients hold GET /admin/bantuan/siaran open, and on each `berubah` event fetch the list's
   rows again (/admin/bantuan/daftar), as inbox.js does. A staff member posts replies through the
   staff API (POST /api/v1/helpdesk/tickets/{id}/messages), one every `--gap` seconds. Measured per
   reply: the time until the reply is visible to the citizen, and the time until each inbox client
   got the event and until it had the refreshed list.
2. 200 inbox clients connected to the same process: the server's memory (RSS) before and with them,
   and the event latency to all 200 (events only, no list fetch).

"Visible to the citizen" is read through GET /api/chat/messages when this checkout has it, else
through the transcript (GET /api/v1/helpdesk/tickets/{id}); the doc says which one was used.

    python -m bench.helpdesk [--tickets 200] [--clients 20] [--many 200] [--replies 40] [--no-write]
"""
from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from bench.chat_turns import free_port, report_failure, running_server, write_doc
from bench.coverage import rss_mb

START, END = "<!-- bench:helpdesk:start -->", "<!-- bench:helpdesk:end -->"
SECRET = "bench-secret-key-" + "x" * 32
USERNAME, PASSWORD = "dinsos.bench", "Bench-Helpdesk-2026!kuat"
_CSRF = 'name="csrf_token" value="'


async def seed(db_url: str, tickets: int) -> None:
    """The staff member and `tickets` open web-chat tickets, straight into the migrated database."""
    from services.audit import Audit
    from services.staff import StaffService
    from services.wilayah import load_wilayah
    from storage.contacts import Contacts
    from storage.db import make_engine, make_sessionmaker
    from storage.helpdesk import Tickets
    from storage.models import utcnow

    engine = make_engine(db_url)
    try:
        sessions = make_sessionmaker(engine)
        staff = StaffService(sessions=sessions, wilayah=load_wilayah(), audit=Audit(sessions), secret_key=SECRET)
        await staff.create(username=USERNAME, role="dinsos", password=PASSWORD, actor="bench")
        contacts, repo = Contacts(sessions), Tickets(sessions)
        for i in range(tickets):
            now = utcnow() - dt.timedelta(minutes=tickets - i)
            contact = await contacts.touch(channel="web", channel_user_id=f"bench-web-{i:04d}", at=now)
            await repo.create(values={"contact_id": contact.id, "status": "open", "channel": "web", "topic": "lainnya",
                                      "opened_at": now, "waiting_since": now, "last_activity_at": now,
                                      "last_inbound_at": now},
                              messages=[{"direction": "in", "text": f"pertanyaan {i}", "at": now}])
    finally:
        await engine.dispose()


async def admin_cookie(client: httpx.AsyncClient) -> str:
    page = (await client.get("/admin/login")).text
    token = page.split(_CSRF, 1)[1].split('"', 1)[0]
    r = await client.post("/admin/login", data={"csrf_token": token, "username": USERNAME, "password": PASSWORD})
    assert r.status_code == 303, r.status_code
    return client.cookies["oki_admin"]


@dataclass
class Inbox:
    """One connected inbox: when it got each event (by version) and when its list was fetched again."""

    events: dict[int, float] = field(default_factory=dict)
    refreshed: dict[int, float] = field(default_factory=dict)
    ready: asyncio.Event = field(default_factory=asyncio.Event)


async def inbox_client(base_url: str, cookie: str, inbox: Inbox, *, fetch: bool, stop: asyncio.Event) -> None:
    headers = {"Cookie": f"oki_admin={cookie}", "Accept": "text/event-stream"}
    async with httpx.AsyncClient(base_url=base_url, timeout=httpx.Timeout(30, read=None), headers=headers) as c:
        while not stop.is_set():
            with contextlib.suppress(httpx.HTTPError):
                async with c.stream("GET", "/admin/bantuan/siaran") as r:
                    assert r.status_code == 200, r.status_code
                    event = version = None
                    async for line in r.aiter_lines():
                        if line.startswith("event: "):
                            event = line[7:]
                            if event == "siap":
                                inbox.ready.set()
                        elif line.startswith("id: "):
                            version = int(line[4:])
                        elif line == "" and event == "berubah" and version is not None:
                            inbox.events[version] = time.perf_counter()
                            if fetch:
                                await c.get("/admin/bantuan/daftar")
                                inbox.refreshed[version] = time.perf_counter()
                            event = version = None
                        if stop.is_set():
                            break


def pct(values: list[float], p: int) -> float:
    if not values:
        return float("nan")
    if len(values) == 1:
        return values[0] * 1000
    return statistics.quantiles(values, n=100, method="inclusive")[p - 1] * 1000


async def citizen_sees(api: httpx.AsyncClient, user: str, text: str) -> str:
    """Poll the citizen's own GET /api/chat/messages (what chat.js polls) until the reply is there."""
    cursor = None
    while True:
        r = await api.get("/api/chat/messages", params={"user": user, **({"after": cursor} if cursor else {})})
        assert r.status_code == 200, r.status_code
        body = r.json()
        if any(text in m["text"] for m in body["messages"]):
            return "chat"
        cursor = body["cursor"] or cursor
        await asyncio.sleep(0.01)


async def run(base_url: str, args: argparse.Namespace, pid: int) -> dict:
    async with httpx.AsyncClient(base_url=base_url, timeout=30) as api:
        cookie = await admin_cookie(api)
        token = (await api.post("/api/v1/auth/token", data={"username": USERNAME, "password": PASSWORD})).json()
        auth = {"Authorization": f"Bearer {token['access_token']}"}
        ids = [t["id"] for t in (await api.get("/api/v1/helpdesk/tickets", params={"size": 200},
                                               headers=auth)).json()["items"]]
        out: dict = {"tickets": len(ids)}
        for clients, fetch, replies in ((args.clients, True, args.replies), (args.many, False, args.replies // 2)):
            stop = asyncio.Event()
            inboxes = [Inbox() for _ in range(clients)]
            rss_before = rss_mb(pid)
            tasks = [asyncio.create_task(inbox_client(base_url, cookie, b, fetch=fetch, stop=stop)) for b in inboxes]
            await asyncio.wait_for(asyncio.gather(*(b.ready.wait() for b in inboxes)), 60)
            await asyncio.sleep(1)
            rss_with = rss_mb(pid)
            visible, event_lat, refresh_lat, missed, source = [], [], [], 0, "transcript"
            for n in range(replies):
                ticket = ids[n % len(ids)]
                known = [set(b.events) for b in inboxes]
                t0 = time.perf_counter()
                r = await api.post(f"/api/v1/helpdesk/tickets/{ticket}/messages", headers=auth,
                                   json={"text": f"jawaban {n}"})
                assert r.status_code == 201, r.text
                source = await citizen_sees(api, f"bench-web-{ticket - 1:04d}", f"jawaban {n}")
                visible.append(time.perf_counter() - t0)
                deadline = time.perf_counter() + 5
                pairs = list(zip(inboxes, known, strict=True))
                while time.perf_counter() < deadline and not all(  # noqa: ASYNC110 (a bench's bounded poll)
                        set(b.events) - k and (not fetch or set(b.refreshed) - k) for b, k in pairs):
                    await asyncio.sleep(0.01)
                for b, k in pairs:
                    new = sorted(set(b.events) - k)
                    if not new:
                        missed += 1
                        continue
                    event_lat.append(b.events[new[0]] - t0)
                    if fetch and new[0] in b.refreshed:
                        refresh_lat.append(b.refreshed[new[0]] - t0)
                await asyncio.sleep(args.gap)
            stop.set()
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            out[clients] = {"fetch": fetch, "replies": replies, "visible": visible, "event": event_lat,
                            "refresh": refresh_lat, "missed": missed, "rss_before": rss_before, "rss_with": rss_with,
                            "source": source}
    return out


def section(args: argparse.Namespace, out: dict) -> str:
    now = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    few, many = out[args.clients], out[args.many]
    where = ("the citizen's GET /api/chat/messages, what the web chat page polls (a reply to a web-chat\n"
             "  citizen is written to their page with the reply itself)")
    rows = ["| run | inbox clients | replies | visible to the citizen p50 / p95 ms | event at every inbox p50 / p95 ms "
            "| list refreshed p50 / p95 ms | missed events | server RSS before → with clients |",
            "|---|---:|---:|---:|---:|---:|---:|---:|"]
    for name, r, clients in (("20 inboxes, list fetched on each event", few, args.clients),
                             (f"{args.many} inboxes, events only", many, args.many)):
        refresh = f"{pct(r['refresh'], 50):.0f} / {pct(r['refresh'], 95):.0f}" if r["refresh"] else "–"
        rows.append(f"| {name} | {clients} | {r['replies']} | {pct(r['visible'], 50):.0f} / {pct(r['visible'], 95):.0f}"
                    f" | {pct(r['event'], 50):.0f} / {pct(r['event'], 95):.0f} | {refresh} | {r['missed']} | "
                    f"{r['rss_before']:.0f} → {r['rss_with']:.0f} MB |")
    return f"""## Helpdesk inbox: staff reply to the citizen, live inbox clients (one process)

- Command: `make bench` (or
  `python -m bench.helpdesk --tickets {args.tickets} --clients {args.clients} --many {args.many}`)
- Date: {now}
- Machine: {os.cpu_count()} CPUs, {platform.machine()}, Python {platform.python_version()}
- Backend: one `python -m bot serve` process, SQLite file in a temp dir, no Redis; {out['tickets']} open
  web-chat tickets seeded. The live channel polls the database every 0.5 s (one poller per process).
- Load: a staff member posts a reply through the staff API every {args.gap:g} s; "visible to the citizen"
  is measured through {where}. "Event at every inbox" is the time from posting until each connected
  inbox had the `berubah` event; "list refreshed" until it had fetched /admin/bantuan/daftar again (30 rows).
- Clients and server share the machine's cores; latency is client-observed over loopback.

{chr(10).join(rows)}

The event latency is bounded by the poll interval (0.5 s) plus the fan-out; idle connections cost no
query (one `MAX(id)` pair per tick for the whole process).
"""


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=200)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--many", type=int, default=200)
    parser.add_argument("--replies", type=int, default=40)
    parser.add_argument("--gap", type=float, default=0.7, help="seconds between replies")
    parser.add_argument("--write", action=argparse.BooleanOptionalAction, default=True)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench-helpdesk-") as tmp:
        log_path = Path(tmp) / "server.log"
        base_url = f"http://127.0.0.1:{free_port()}"
        db_url = f"sqlite+aiosqlite:///{tmp}/bench.db"
        env = {**os.environ, "DATABASE_URL": db_url, "PUBLIC_BASE_URL": base_url, "SECRET_KEY": SECRET,
               "DATA_DIR": tmp, "LOG_LEVEL": "WARNING", "HELPDESK_HOURS": "Mon-Sun 00:00-24:00"}
        env.pop("REDIS_URL", None)
        try:
            with log_path.open("ab") as log:
                subprocess.run([sys.executable, "-m", "bot", "db", "upgrade"], check=True,
                               cwd=Path(__file__).parents[1], env=env, stdout=log, stderr=subprocess.STDOUT)
            asyncio.run(seed(db_url, args.tickets))
            with running_server(env, log_path, base_url, migrate=False) as proc:
                out = asyncio.run(run(base_url, args, proc.pid))
        except (subprocess.CalledProcessError, RuntimeError, AssertionError, TimeoutError) as exc:
            return report_failure(exc, log_path)
    body = section(args, out)
    print(body)
    if args.write:
        write_doc(body, START, END)
    return 0


if __name__ == "__main__":
    sys.exit(main())
