"""Benchmark the web chat's defence against walking NIKs (security review F3): how many coverage
lookups an attacker gets answered in one hour, from one address and from 50, with and without
solving the proof of work, and what normal citizens behind one shared (carrier-NAT) address see.

Everything runs in one process against the real app (create_app, SQLite in a temp folder, the
real limiter and proof of work, the default limits from bot/config.py) through httpx's ASGI
transport, which sets each request's client address. The attacker knows real NIK + name pairs (the
worst case: a leaked list) and uses a fresh web-chat id for every lookup, as in the review. One
lookup is the three turns a citizen types: "cek kepesertaan ...", the NIK, the name. "Answered"
means the reply told the worker's category. All of it happens inside one clock hour of the
limiter's windows (a run takes minutes), so the counts are per hour.

    python -m bench.enumeration [--tries 20] [--proved-tries 70] [--no-write]
"""
from __future__ import annotations

import argparse
import asyncio
import base64
import csv
import io
import json
import sys
import tempfile
import time
from pathlib import Path

import altcha
import httpx

from bench.chat_turns import write_doc
from bot.app import create_app
from bot.config import Settings
from services.demo import registry_rows
from storage.migrate import upgrade

START, END = "<!-- bench:enumeration:start -->", "<!-- bench:enumeration:end -->"
COVERAGE = "cek kepesertaan bpjs ketenagakerjaan"


def _solve(ch: dict) -> str:
    found = altcha.solve_challenge_v1(ch["challenge"], ch["salt"], ch["algorithm"], ch["maxNumber"])
    return base64.b64encode(json.dumps({"algorithm": ch["algorithm"], "challenge": ch["challenge"],
                                        "number": found.number, "salt": ch["salt"],
                                        "signature": ch["signature"]}).encode()).decode()


class Client:
    """One client address; `solve`: it solves the proof of work (natively, in Python) when asked."""

    def __init__(self, app, ip: str, *, solve: bool) -> None:
        self.http = httpx.AsyncClient(transport=httpx.ASGITransport(app=app, client=(ip, 40000)),
                                      base_url="http://bench")
        self.solve, self.solve_seconds, self.solved, self.refused = solve, 0.0, 0, 0

    async def say(self, user: str, text: str) -> dict:
        r = await self.http.post("/api/chat", json={"user": user, "text": text})
        if r.status_code == 429:
            self.refused += 1
            return {"replies": []}
        body = r.json()
        if "challenge" in body and self.solve:
            t0 = time.process_time()
            payload = _solve(body["challenge"])
            self.solve_seconds += time.process_time() - t0
            self.solved += 1
            body = (await self.http.post("/api/chat", json={"user": user, "text": text, "altcha": payload})).json()
        return body

    async def lookup(self, user: str, row: dict[str, str]) -> bool:
        await self.say(user, COVERAGE)
        await self.say(user, row["nik"])
        reply = await self.say(user, row["nama"])
        return row["kategori"].lower() in " ".join(r["text"] for r in reply["replies"]).lower()


async def _attack(app, rows, *, ips: int, tries: int, solve: bool, tag: str) -> dict:
    clients = [Client(app, f"10.{tag}.{i // 250}.{i % 250 + 1}", solve=solve) for i in range(ips)]
    answered = 0
    for i, c in enumerate(clients):
        for k in range(tries):
            answered += await c.lookup(f"web-{tag}-{i}-{k}", rows.pop())
        await c.http.aclose()
    solved = sum(c.solved for c in clients)
    return {"ips": ips, "tries": ips * tries, "answered": answered, "solve": solve, "solved": solved,
            "ms_per_solve": 1000 * sum(c.solve_seconds for c in clients) / solved if solved else 0.0}


async def _citizens(app, rows, *, people: int) -> dict:
    """Neighbours behind one carrier-NAT address, each looking themselves up once through the page
    (which solves the proof of work when asked)."""
    c = Client(app, "100.64.0.1", solve=True)
    answered = sum([await c.lookup(f"web-citizen-{i}", rows.pop()) for i in range(people)])
    await c.http.aclose()
    return {"people": people, "answered": answered, "solved": c.solved}


async def run(args: argparse.Namespace) -> dict:
    tmp = Path(tempfile.mkdtemp(prefix="bench-enum-"))
    url = f"sqlite+aiosqlite:///{tmp}/bench.db"
    await asyncio.to_thread(upgrade, url)  # Alembic's env runs its own event loop
    settings = Settings(_env_file=None, database_url=url, data_dir=tmp, secret_key="bench-secret-" + "x" * 40,
                        broadcast_quiet_hours="")
    app = create_app(settings)
    need = 2 * args.tries + 50 * args.tries + 2 * args.proved_tries + args.citizens + 10
    rows = list(registry_rows(count=need, seed=11))
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)
    async with app.router.lifespan_context(app):
        await app.state.runtime.importer.run(source=out.getvalue().encode(), filename="bench.csv", actor="cli")
        started = time.perf_counter()
        results = {
            "one_ip": await _attack(app, rows, ips=1, tries=args.tries, solve=False, tag="1"),
            "fifty_ips": await _attack(app, rows, ips=50, tries=args.tries, solve=False, tag="2"),
            "one_ip_solving": await _attack(app, rows, ips=1, tries=args.proved_tries, solve=True, tag="3"),
            "citizens": await _citizens(app, rows, people=args.citizens),
        }
        results["seconds"] = time.perf_counter() - started
        results["limits"] = {"free": settings.web_lookups_free_per_hour, "proved": settings.web_lookups_per_hour,
                             "difficulty": settings.web_proof_difficulty}
    return results


def _doc(r: dict) -> str:
    lim, one, fifty, solving, cit = r["limits"], r["one_ip"], r["fifty_ips"], r["one_ip_solving"], r["citizens"]
    per_ip = fifty["answered"] / fifty["ips"]
    return f"""## Walking NIKs through the web chat (security review F3)

`python -m bench.enumeration`, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, one process, SQLite, the
default limits: {lim['free']} free sensitive lookups per client address and hour, then one solved proof of
work each (difficulty {lim['difficulty']:,}), at most {lim['proved']} such per address and hour; 5 lookups of
one NIK per hour by anyone; 5 per contact. The attacker knows real NIK + name pairs and uses a new
web-chat id for every lookup (what the review did: 40 of 40 answered before the fix).

| attacker | lookups tried | answered in the hour | per address |
|---|---:|---:|---:|
| 1 address, no proof of work | {one['tries']} | {one['answered']} | {one['answered']} |
| 50 addresses, no proof of work | {fifty['tries']} | {fifty['answered']} | {per_ip:.1f} |
| 1 address, solving every proof of work natively | {solving['tries']} | {solving['answered']} | {solving['answered']} |

- Solving costs the attacker {solving['ms_per_solve']:.0f} ms of CPU per lookup in native code (Python's
  hashlib; {solving['solved']} solved); the chat page pays about a second in a phone's browser. Past
  {lim['free'] + lim['proved']} an hour an address is refused whatever it solves, so 50 addresses that solve
  every challenge get at most {50 * (lim['free'] + lim['proved']):,} an hour, each a known NIK + name pair
  they already had to hold; the per-NIK limit caps any one person at 5 an hour whoever asks.
- Normal citizens: {cit['people']} neighbours behind one carrier-NAT address each looked themselves up once
  through the page: {cit['answered']} of {cit['people']} answered, {cit['solved']} of them after the page solved a
  proof of work by itself.
- Telegram and WhatsApp identities are not counted by address (their requests come from the provider);
  they keep the per-contact limits (5 an hour, 10 a day) and the per-NIK one.
- The run took {r['seconds']:.0f} s.
"""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tries", type=int, default=20, help="lookups per address without solving")
    parser.add_argument("--proved-tries", type=int, default=70, help="lookups by the address that solves")
    parser.add_argument("--citizens", type=int, default=20, help="neighbours behind one address")
    parser.add_argument("--no-write", action="store_true", help="do not update docs/benchmarks.md")
    args = parser.parse_args(argv)
    results = asyncio.run(run(args))
    print(json.dumps(results, indent=2))
    if not args.no_write:
        write_doc(_doc(results), START, END)
        print("updated docs/benchmarks.md")
    return 0


if __name__ == "__main__":
    sys.exit(main())
