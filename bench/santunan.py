"""Benchmark lapor kematian: complete reports per second through the web chat (every step, consent
to reference number) on SQLite and on PostgreSQL, and the staff list endpoint's latency with 50,000
reports stored.

Reports: `python -m bot serve` on a fresh database; N citizens at once, each filing report after
report (27 chat turns each, documents answered "nanti", unique valid NIKs), waiting for every reply
like a person. Counted: reports whose last reply carries a reference number.
List: 50,000 reports inserted straight into the database (spread over OKI's desa, statuses and
dates), then N staff clients reading `GET /api/v1/reports` (page 1 of 50, overdue first): Dinas
Sosial (all of OKI) and a camat (one kecamatan).

    python -m bench.santunan [--users 10] [--seconds 15] [--reports 50000] [--no-postgres] [--no-write]
"""
from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import itertools
import os
import platform
import random
import secrets
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from bench.chat_turns import WARMUP_S, Result, drive, free_port, running_server, table, write_doc
from bench.coverage import SECRET, drop_postgres, postgres_database
from services.references import new_reference
from services.wilayah import load_wilayah

START, END = "<!-- bench:santunan:start -->", "<!-- bench:santunan:end -->"
PASSWORD = "Bench-Password-2025"
_serial = itertools.count(1)


def _nik() -> str:
    n = next(_serial)
    return f"160205{(n % 28) + 1:02d}{(n // 28) % 12 + 1:02d}{60 + n // 336 % 40:02d}{n % 9999 + 1:04d}"


def _script(nik: str) -> list[str]:
    return ["lapor kematian", "ya", "Rahmawati", "Anak", nik, "Ahmad Sanusi", "kemarin", "kayu agung", "sukadana",
            "1602011203150001", "Saya sendiri", "0812 3456 7890", "nanti", *["nanti"] * 5, "Benar, kirim"]


async def reports(base_url: str, users: int, seconds: float) -> tuple[Result, Result]:
    """(complete reports, single turns) measured over the same window."""
    whole, turns = Result("complete report (19 turns)", seconds), Result("one turn of the report", seconds)
    start = time.perf_counter() + WARMUP_S
    end = start + seconds
    limits = httpx.Limits(max_connections=users, max_keepalive_connections=users)
    async with httpx.AsyncClient(base_url=base_url, limits=limits, timeout=30) as client:

        async def citizen(i: int) -> None:
            n = 0
            while time.perf_counter() < end:
                user, n = f"bench-rep-{i}-{n}", n + 1
                t0, ok, last = time.perf_counter(), True, ""
                for text in _script(_nik()):
                    s0 = time.perf_counter()
                    r = await client.post("/api/chat", json={"user": user, "text": text})
                    s1 = time.perf_counter()
                    ok, last = ok and r.status_code == 200, r.text
                    if start <= s1 <= end:
                        turns.latencies.append(s1 - s0) if r.status_code == 200 else None
                t1 = time.perf_counter()
                if start <= t1 <= end:
                    if ok and "SK-" in last:
                        whole.latencies.append(t1 - t0)
                    else:
                        whole.errors += 1

        await asyncio.gather(*(citizen(i) for i in range(users)))
    return whole, turns


async def seed(db_url: str, count: int) -> None:
    from storage.db import make_engine
    from storage.models import Report

    wilayah = load_wilayah()
    villages = list(wilayah.villages)
    rng, now = random.Random(5), dt.datetime.now(dt.UTC)
    statuses = ["diajukan"] * 4 + ["diverifikasi_desa"] * 3 + ["diverifikasi_kecamatan"] * 2 + ["disetujui",
                                                                                                "dicairkan"] * 3
    references: set[str] = set()
    while len(references) < count:  # 31^6 codes: a few of 50,000 random ones collide, as file() retries too
        references.add(new_reference())
    references_left = iter(references)
    engine = make_engine(db_url)
    async with engine.begin() as conn:
        for start in range(0, count, 5000):
            rows = []
            for _ in range(min(5000, count - start)):
                village = rng.choice(villages)
                created = now - dt.timedelta(hours=rng.randrange(24 * 365))
                rows.append({"reference": next(references_left), "status": rng.choice(statuses),
                             "deceased_nik_hash": secrets.token_hex(32), "deceased_nik_masked": "160205******0001",
                             "deceased_name": "AHMAD SANUSI", "date_of_death": (created - dt.timedelta(days=2)).date(),
                             "kecamatan_code": village.parent_code, "desa_code": village.code,
                             "kk_number": "1602011203150001", "reporter_name": "Rahmawati",
                             "reporter_relationship": "Anak", "filed_by": "bench", "heir_name": "Rahmawati",
                             "late": False, "jkm_covered": rng.random() < 0.3, "jkm_told": False, "created_at": created,
                             "updated_at": created, "stage_due": created + dt.timedelta(days=3)})
            await conn.execute(Report.__table__.insert(), rows)
    await engine.dispose()


def token(base_url: str, env: dict[str, str], username: str, role: str, *area: str) -> dict[str, str]:
    subprocess.run([sys.executable, "-m", "bot", "create-staff", username, "--role", role, *area, "--password-stdin"],
                   input=PASSWORD + "\n", text=True, env=env, capture_output=True, check=True)
    r = httpx.post(f"{base_url}/api/v1/auth/token", data={"username": username, "password": PASSWORD})
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


async def lists(base_url: str, users: int, seconds: float, headers: dict[str, dict[str, str]]) -> list[Result]:
    limits = httpx.Limits(max_connections=users, max_keepalive_connections=users)
    out = []
    async with httpx.AsyncClient(base_url=base_url, limits=limits, timeout=30) as client:
        for name, h in headers.items():
            async def get(i: int, n: int, h=h) -> bool:
                return (await client.get("/api/v1/reports", params={"page": 1 + n % 5}, headers=h)).status_code == 200

            out.append(await drive(f"GET /api/v1/reports as {name}", users, seconds, get))
    return out


def measure(db_url: str, tmp: Path, args: argparse.Namespace, *, with_list: bool) -> list[Result]:
    base_url = f"http://127.0.0.1:{free_port()}"
    env = {**os.environ, "DATABASE_URL": db_url, "PUBLIC_BASE_URL": base_url, "SECRET_KEY": SECRET,
           "DATA_DIR": str(tmp), "LOG_LEVEL": "WARNING", "WORKER_IN_PROCESS": "false"}
    env.pop("REDIS_URL", None)
    with running_server(env, tmp / f"server-{db_url[:5]}.log", base_url):
        results = list(asyncio.run(reports(base_url, args.users, args.seconds)))
        if with_list:
            asyncio.run(seed(db_url, args.reports))
            headers = {"Dinas Sosial": token(base_url, env, "bench.dinsos", "dinsos"),
                       "a camat": token(base_url, env, "bench.camat", "camat", "--kecamatan", "16.02.05")}
            results += asyncio.run(lists(base_url, args.users, args.seconds, headers))
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=10)
    parser.add_argument("--seconds", type=float, default=15.0)
    parser.add_argument("--reports", type=int, default=50_000)
    parser.add_argument("--postgres", action=argparse.BooleanOptionalAction, default=True)
    parser.add_argument("--write", action=argparse.BooleanOptionalAction, default=True)
    args = parser.parse_args(argv)
    rows: list[tuple[str, list[Result]]] = []
    with tempfile.TemporaryDirectory(prefix="bench-santunan-") as name:
        tmp = Path(name)
        sqlite = f"sqlite+aiosqlite:///{tmp}/bench.db"
        subprocess.run([sys.executable, "-m", "bot", "db", "upgrade"], env={**os.environ, "DATABASE_URL": sqlite},
                       check=True, capture_output=True)
        rows.append(("SQLite", measure(sqlite, tmp, args, with_list=True)))
        pg = postgres_database() if args.postgres else None
        if pg:
            try:
                subprocess.run([sys.executable, "-m", "bot", "db", "upgrade"], env={**os.environ, "DATABASE_URL": pg},
                               check=True, capture_output=True)
                rows.append(("PostgreSQL", measure(pg, tmp, args, with_list=True)))
            finally:
                drop_postgres(pg)
    lines = []
    for db, results in rows:
        for r in results:
            r.name = f"{db}: {r.name}"
        lines.append(table(results))
        print(lines[-1])
    failed = any(r.error_rate > 0.01 for _, results in rows for r in results)
    if args.write and not failed:
        now = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
        write_doc(f"""## Lapor kematian: complete reports, and the staff list with {args.reports:,} reports

- Command: `make bench` (or `python -m bench.santunan --users {args.users} --seconds {args.seconds:g}`)
- Date: {now}; machine: {os.cpu_count()} CPUs, {platform.machine()}, Python {platform.python_version()};
  one uvicorn process, no Redis, load generator on the same machine.
- Reports: {args.users} citizens at once, each filing one complete report after another through
  `POST /api/chat` (19 turns from "lapor kematian" to the reference number, documents "nanti"). The
  req/s of the first row is complete reports per second.
- List: {args.reports:,} reports inserted, then {args.users} staff clients reading pages 1-5 of
  `GET /api/v1/reports` (50 a page, overdue first), {args.seconds:g} s each.

{chr(10).join(lines)}
""", START, END)
        print("updated docs/benchmarks.md")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
