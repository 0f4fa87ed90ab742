"""Benchmark the staff search box (issue 19): `GET /api/v1/reports?q=` with 50,000 reports stored,
for a name (a LIKE over three name columns, walked in the list's order: slow when few rows match), a
full NIK (its keyed hash) and a well-formed reference (both through their unique index), as Dinas
Sosial (all of OKI) and as a camat (one kecamatan).

    python -m bench.office [--users 5] [--seconds 10] [--reports 50000] [--no-write]
"""
from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import platform
import subprocess
import sys
import tempfile
from pathlib import Path

import httpx

from bench.chat_turns import Result, drive, free_port, running_server, table, write_doc
from bench.coverage import SECRET
from bench.santunan import seed, token
from services.references import new_reference

START, END = "<!-- bench:office:start -->", "<!-- bench:office:end -->"
QUERIES = {"a name (many rows match)": "sanusi", "a name (none match)": "zulkarnain",
           "a full NIK": "1602050101600001", "a reference": new_reference()}


async def searches(base_url: str, users: int, seconds: float, headers: dict[str, dict[str, str]]) -> list[Result]:
    limits = httpx.Limits(max_connections=users, max_keepalive_connections=users)
    out = []
    async with httpx.AsyncClient(base_url=base_url, limits=limits, timeout=30) as client:
        for who, h in headers.items():
            for what, q in QUERIES.items():
                async def get(i: int, n: int, h=h, q=q) -> bool:
                    return (await client.get("/api/v1/reports", params={"q": q}, headers=h)).status_code == 200

                out.append(await drive(f"?q= {what} as {who}", users, seconds, get))
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=5)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--reports", type=int, default=50_000)
    parser.add_argument("--write", action=argparse.BooleanOptionalAction, default=True)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench-office-") as name:
        tmp = Path(name)
        db = f"sqlite+aiosqlite:///{tmp}/bench.db"
        subprocess.run([sys.executable, "-m", "bot", "db", "upgrade"], env={**os.environ, "DATABASE_URL": db},
                       check=True, capture_output=True)
        asyncio.run(seed(db, args.reports))
        base_url = f"http://127.0.0.1:{free_port()}"
        env = {**os.environ, "DATABASE_URL": db, "PUBLIC_BASE_URL": base_url, "SECRET_KEY": SECRET,
               "DATA_DIR": str(tmp), "LOG_LEVEL": "WARNING", "WORKER_IN_PROCESS": "false"}
        env.pop("REDIS_URL", None)
        with running_server(env, tmp / "server.log", base_url):
            headers = {"Dinas Sosial": token(base_url, env, "bench.dinsos", "dinsos"),
                       "a camat": token(base_url, env, "bench.camat", "camat", "--kecamatan", "16.02.05")}
            results = asyncio.run(searches(base_url, args.users, args.seconds, headers))
    text = table(results)
    print(text)
    failed = any(r.error_rate > 0.01 for r in results)
    if args.write and not failed:
        now = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
        write_doc(f"""## Staff search box with {args.reports:,} reports (SQLite)

- Command: `python -m bench.office --users {args.users} --seconds {args.seconds:g}`
- Date: {now}; machine: {os.cpu_count()} CPUs, {platform.machine()}, Python {platform.python_version()};
  one uvicorn process, no Redis, load generator on the same machine (shared with other work).
- {args.reports:,} reports inserted, then {args.users} staff clients searching `GET /api/v1/reports?q=`
  (page 1, 50 a page), {args.seconds:g} s per row.

{text}
""", START, END)
        print("updated docs/benchmarks.md")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
