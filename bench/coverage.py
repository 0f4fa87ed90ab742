"""Benchmark the coverage list: import speed for 120,000 rows on SQLite and PostgreSQL, lookup
latency through the full chat turn with the list loaded, and the server's memory.

1. Writes 120,000 synthetic rows (services/demo.py, the same generator as `demo-data registry`).
2. Imports them in-process with the real importer (validation, keyed hashing, wilayah matching,
   one-transaction upsert), timed from reading the file to commit; then again (all unchanged).
   On SQLite (a temp file) and on PostgreSQL (a throwaway database on 127.0.0.1:5432, skipped with a
   note when there is none).
3. Starts `python -m bot serve` on the SQLite database and has N citizens look themselves up:
   "cek bpjs" -> NIK -> name. Only the last turn, the one that does the lookup (rate-limit check,
   hash, registry read, name match, audit write), is timed. Each lookup uses a fresh contact, as
   real citizens do, so the per-contact limit is not what is measured.
4. Reads the server's resident memory (VmRSS) after the lookups.

    python -m bench.coverage [--rows 120000] [--users 20] [--seconds 10] [--no-postgres] [--no-write]
"""
from __future__ import annotations

import argparse
import asyncio
import csv
import datetime as dt
import os
import platform
import random
import sys
import tempfile
import time
from pathlib import Path

import httpx

from bench.chat_turns import WARMUP_S, Result, free_port, running_server, table, write_doc
from bot.config import Settings
from bot.registry_cli import run_import
from services.demo import COLUMNS, registry_rows
from storage.migrate import upgrade

START, END = "<!-- bench:coverage:start -->", "<!-- bench:coverage:end -->"
PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
SECRET = "bench-secret-key-" + "x" * 32


def write_rows(path: Path, count: int) -> list[dict[str, str]]:
    rows = list(registry_rows(count=count, seed=7))
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
    return rows


def timed_import(url: str, data_dir: Path, csv_path: Path) -> tuple[float, float]:
    """Seconds for the first import and for the re-import of the same file."""
    upgrade(url)
    settings = Settings(_env_file=None, database_url=url, data_dir=data_dir, secret_key=SECRET)
    data = csv_path.read_bytes()
    times = []
    for _ in range(2):
        t0 = time.perf_counter()
        asyncio.run(run_import(settings, data, csv_path.name, dry_run=False, progress=False))
        times.append(time.perf_counter() - t0)
    return times[0], times[1]


def postgres_database() -> str | None:
    """A fresh throwaway database, or None when no PostgreSQL answers here."""
    import asyncpg

    name = f"layanan_bench_{os.getpid()}"

    async def create() -> None:
        conn = await asyncpg.connect(PG_ADMIN, timeout=5)
        try:
            await conn.execute(f"CREATE DATABASE {name}")
        finally:
            await conn.close()

    try:
        asyncio.run(create())
    except (OSError, asyncpg.PostgresError):
        return None
    return f"postgresql+asyncpg://postgres@127.0.0.1:5432/{name}"


def drop_postgres(url: str) -> None:
    import asyncpg

    async def drop() -> None:
        conn = await asyncpg.connect(PG_ADMIN, timeout=5)
        try:
            await conn.execute(f"DROP DATABASE IF EXISTS {url.rsplit('/', 1)[1]} WITH (FORCE)")
        finally:
            await conn.close()

    asyncio.run(drop())


async def lookups(base_url: str, rows: list[dict[str, str]], users: int, seconds: float) -> Result:
    result = Result(f"lookup turn, {users} citizen{'s' if users > 1 else ''} at once", seconds)
    start, end = time.perf_counter() + WARMUP_S, time.perf_counter() + WARMUP_S + seconds
    rng = random.Random(3)
    limits = httpx.Limits(max_connections=users, max_keepalive_connections=users)
    async with httpx.AsyncClient(base_url=base_url, limits=limits, timeout=30) as client:

        async def citizen(i: int) -> None:
            n = 0
            while time.perf_counter() < end:
                row, user = rng.choice(rows), f"bench-cov-{i}-{n}"
                n += 1
                for text in ("cek bpjs", row["nik"]):
                    await client.post("/api/chat", json={"user": user, "text": text})
                t0 = time.perf_counter()
                r = await client.post("/api/chat", json={"user": user, "text": row["nama"].title()})
                t1 = time.perf_counter()
                ok = r.status_code == 200 and row["kategori"].lower() in r.text.lower()
                if start <= t1 <= end:
                    if ok:
                        result.latencies.append(t1 - t0)
                    else:
                        result.errors += 1

        await asyncio.gather(*(citizen(i) for i in range(users)))
    return result


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def serve_and_measure(db_url: str, tmp: Path, rows: list[dict[str, str]],
                      args) -> tuple[list[Result], float, float]:
    base_url = f"http://127.0.0.1:{free_port()}"
    env = {**os.environ, "DATABASE_URL": db_url, "PUBLIC_BASE_URL": base_url, "SECRET_KEY": SECRET,
           "DATA_DIR": str(tmp), "LOG_LEVEL": "WARNING"}
    env.pop("REDIS_URL", None)
    with running_server(env, tmp / "server.log", base_url, migrate=False) as proc:
        idle = rss_mb(proc.pid)
        alone = asyncio.run(lookups(base_url, rows, 1, args.seconds))  # service time, no queueing
        loaded = asyncio.run(lookups(base_url, rows, args.users, args.seconds))
        return [alone, loaded], idle, rss_mb(proc.pid)


def section(args, imports: list[tuple[str, int, float, float]], lookup: list[Result],
            rss: tuple[float, float]) -> str:
    now = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    rows = ["| database | rows | first import s | rows/s | re-import (unchanged) s | rows/s |",
            "|---|---:|---:|---:|---:|---:|"]
    for name, n, first, again in imports:
        rows.append(f"| {name} | {n:,} | {first:.2f} | {n / first:,.0f} | {again:.2f} | {n / again:,.0f} |")
    return f"""## Coverage list: import, lookup, memory

- Command: `make bench` (or `python -m bench.coverage --rows {args.rows} --users {args.users}`)
- Date: {now}
- Machine: {os.cpu_count()} CPUs, {platform.machine()}, Python {platform.python_version()}
- Import: {args.rows:,} synthetic rows from `services/demo.py` through the real importer (validation,
  keyed NIK hash, wilayah matching, one-transaction upsert), in-process, timed from the file's bytes
  to the commit. Goal: 20,000 rows/s or more.

{chr(10).join(rows)}

- Lookup: the turn that answers (rate-limit check, hash, registry read by hash, name match, audit
  write), through `POST /api/chat` on the embedded default (SQLite, no Redis) with {args.rows:,} rows
  loaded; one citizen at a time (the service time), then {args.users} at once (each also sends the two
  turns before, so the server handles three times the req/s shown), each a fresh contact doing
  "cek bpjs" -> NIK -> name; {WARMUP_S:g} s warm-up, {args.seconds:g} s measured per row; a turn
  counts when the answer names the category.

{table(lookup)}

- Server memory (VmRSS) with the list loaded: {rss[0]:.0f} MB after start-up, {rss[1]:.0f} MB after
  the lookups. The list lives in the database, not in the process.
"""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=120_000)
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--postgres", action=argparse.BooleanOptionalAction, default=True)
    parser.add_argument("--write", action=argparse.BooleanOptionalAction, default=True)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench-coverage-") as name:
        tmp = Path(name)
        csv_path = tmp / "registry.csv"
        rows = write_rows(csv_path, args.rows)
        sqlite_url = f"sqlite+aiosqlite:///{tmp}/bench.db"
        imports = [("SQLite", args.rows, *timed_import(sqlite_url, tmp, csv_path))]
        pg = postgres_database() if args.postgres else None
        if pg:
            try:
                imports.append(("PostgreSQL", args.rows, *timed_import(pg, tmp, csv_path)))
            finally:
                drop_postgres(pg)
        else:
            print("PostgreSQL: not measured (none on 127.0.0.1:5432, or --no-postgres)", file=sys.stderr)
        lookup, idle, after = serve_and_measure(sqlite_url, tmp, rows, args)
    for db, n, first, again in imports:
        print(f"{db}: import {n} rows in {first:.2f} s ({n / first:,.0f} rows/s); re-import {again:.2f} s")
    print(table(lookup))
    print(f"server RSS: {idle:.0f} MB idle, {after:.0f} MB after lookups")
    ok = all(r.error_rate <= 0.01 for r in lookup)
    if args.write and ok:
        write_doc(section(args, imports, lookup, (idle, after)), START, END)
        print("updated docs/benchmarks.md")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
