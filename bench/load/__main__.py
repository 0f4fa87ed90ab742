"""Load benchmark: mixed citizen traffic through the signed webhooks at rising rates, against
PostgreSQL and Redis, with two uvicorn workers and one outbox worker; then the baseline, a plain
python-telegram-bot ConversationHandler bot, at the same rates through the same fake Bot API.

What runs (all on this machine, sharing its cores):
- `python -m bot serve --workers 2` on a fresh PostgreSQL database, state, dedupe marks, locks and
  rate limits in Redis; `python -m bot worker` sending an announcement to 20,000 subscribers during
  the whole run (at the Telegram rate setting, as on the day after a big announcement);
- the fast fake Bot API (bench/fake_botapi.py) and fake Twilio (bench/load/fake_twilio.py), each in
  its own process; the fake Twilio posts three signed status callbacks for every message we send;
- wrk (Debian's package) with bench/load/load.lua: one connection per thread, each sending its own
  citizens' pre-made signed requests in order, paced to the offered rate (bench/load/traffic.py).

At each offered rate: turns/s achieved (webhook requests answered), client-side p50/p95/p99, any
non-2xx or socket error, and checks that nothing was lost: every lapor kematian whose last message was
answered is in PostgreSQL, no turn failed (the servers' own error counter), every status callback was
accepted. The knee is the highest offered rate that was achieved (within 5 %) with p99 <= 100 ms.

    python -m bench.load [--rates 100,200,...] [--seconds 15] [--connections 96] [--short] [--no-write]
"""
from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import math
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from dataclasses import asdict, dataclass, field
from pathlib import Path

import httpx
from prometheus_client.parser import text_string_to_metric_families

from bench.broadcast import FakeProcess, fan_out, prepare
from bench.chat_turns import ROOT, free_port, stop, wait_healthy, write_doc
from bench.coverage import SECRET, drop_postgres, postgres_database, write_rows
from bench.load import profile as profiler
from bench.load.traffic import MIX, Channels, Traffic, write_connections
from services.demo import registry_rows

START, END = "<!-- bench:load:start -->", "<!-- bench:load:end -->"
TOKEN, TG_SECRET = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw", "load-secret"
ACCOUNT, AUTH, FROM = "AC" + "1" * 32, "load-auth-token-0123456789abcdef", "whatsapp:+14155238886"
REDIS = "redis://127.0.0.1:6379/12"
LUA = Path(__file__).with_name("load.lua")
FULL_RATES = (50, 100, 150, 200, 300, 400, 600, 800, 1000, 1300)
SHORT_RATES = (60, 120)
GOAL_P99_MS = 100.0
SUBSCRIBERS, REGISTRY_ROWS = 20_000, 5_000


@dataclass
class Level:
    system: str
    offered: float
    seconds: float
    answered: int = 0
    p50: float = 0.0
    p95: float = 0.0
    p99: float = 0.0
    max: float = 0.0
    bad: int = 0  # non-2xx answers
    socket_errors: int = 0
    exhausted: int = 0  # requests wrk wanted beyond the prepared ones (should be 0)
    reports_expected: int | None = None
    reports_stored: int | None = None
    carried: int = 0  # turns whose reply went back in the webhook's answer (no Bot API call)
    reports_unfinished: int = 0  # scripts that ended without their citizen being told a report number
    turn_errors: int | None = None
    callbacks: dict = field(default_factory=dict)
    server: dict = field(default_factory=dict)  # channel/flow -> (turns, mean ms inside the server)
    cpu: dict = field(default_factory=dict)  # kind of process -> cores used on average
    stalls: dict = field(default_factory=dict)  # the web processes' late timers and GC pauses (bot/stalls.py)
    backends: dict = field(default_factory=dict)  # per turn: PostgreSQL commits and rows written, Redis commands

    @property
    def achieved(self) -> float:
        return self.answered / self.seconds

    @property
    def kept_up(self) -> bool:
        return self.achieved >= 0.95 * self.offered and self.bad == 0 and self.socket_errors == 0

    @property
    def lost(self) -> int:
        return (self.reports_expected or 0) - (self.reports_stored or 0)


_KINDS = (("bot serve", "web"), ("multiprocessing", "web"), ("granian", "web"), ("bot worker", "outbox worker"),
          ("fake_twilio", "fakes"), ("fake_botapi", "fakes"), ("bench.load.baseline", "web"),
          ("postgres", "postgresql"), ("redis-server", "redis"))


def cpu_ticks() -> dict[int, tuple[str, int]]:
    """CPU time (clock ticks, user + system) of every process here that takes part in a run, and
    under pid 0 the whole machine's busy time (everything but idle and iowait, all cores)."""
    fields = [int(x) for x in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    found = {0: ("whole machine", sum(fields) - fields[3] - fields[4])}
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            cmd = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            fields = (proc / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        kind = next((k for needle, k in _KINDS if needle in cmd), None)
        if kind:
            found[int(proc.name)] = (kind, int(fields[11]) + int(fields[12]))
    return found


def cpu_used(before: dict[int, tuple[str, int]], after: dict[int, tuple[str, int]], wrk_s: float,
             seconds: float) -> dict[str, float]:
    """Cores used on average during the run, by kind of process."""
    tick = os.sysconf("SC_CLK_TCK")
    used: dict[str, float] = {"load generator (wrk)": wrk_s / seconds}
    for pid, (kind, ticks) in after.items():
        if pid in before:
            used[kind] = used.get(kind, 0.0) + (ticks - before[pid][1]) / tick / seconds
            if kind == "web" and pid:  # each web process apart too: one busy and one idle is not two busy
                used[f"web pid {pid}"] = (ticks - before[pid][1]) / tick / seconds
    return used


PROFILE_START, PROFILE_END = "<!-- bench:profile:start -->", "<!-- bench:profile:end -->"


def run_wrk(url: str, folder: Path, rate: float, seconds: float, connections: int,
            profile: tuple[Path, int] | None = None) -> dict:
    """One rate through wrk; with `profile` (a folder and the server's pid), py-spy samples that
    server's processes meanwhile (bench/load/profile.py)."""
    interval_ms = connections / rate * 1000
    spies = profiler.record(profiler.family(profile[1]), seconds, profile[0]) if profile else []
    cmd = ["wrk", "-t", str(connections), "-c", str(connections), "-d", f"{seconds:g}s", "--timeout", "10s",
           "-s", str(LUA), url, "--", str(folder), f"{interval_ms:.3f}", str(connections)]
    before, children = cpu_ticks(), resource.getrusage(resource.RUSAGE_CHILDREN)
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    after, done = cpu_ticks(), resource.getrusage(resource.RUSAGE_CHILDREN)
    for spy in spies:
        spy.wait(timeout=60)
    line = next(x for x in out.splitlines() if x.startswith("LOADRESULT "))
    result = json.loads(line.removeprefix("LOADRESULT "))
    wrk_s = done.ru_utime + done.ru_stime - children.ru_utime - children.ru_stime
    result["cpu"] = cpu_used(before, after, wrk_s, result["duration_us"] / 1e6)
    return result


def level_from(system: str, rate: float, result: dict) -> Level:
    seconds = result["duration_us"] / 1e6
    e = result["errors"]
    return Level(system, rate, seconds, answered=sum(result["answered"]) - result["exhausted"],
                 p50=result["p50_us"] / 1000, p95=result["p95_us"] / 1000, p99=result["p99_us"] / 1000,
                 max=result["max_us"] / 1000, bad=result["bad_status"], exhausted=result["exhausted"],
                 socket_errors=e["connect"] + e["read"] + e["write"] + e["timeout"], cpu=result["cpu"])


def fetch_json(url: str) -> dict:
    with urllib.request.urlopen(url, timeout=30) as r:
        return json.loads(r.read())


def scrape(base_url: str) -> dict[str, float]:
    """The servers' own counters (all processes): turn errors, and turn time by channel and flow."""
    text = httpx.get(f"{base_url}/metrics", timeout=30).text
    found: dict[str, float] = {"errors": 0.0}
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            if s.name == "layanan_turn_errors_total":
                found["errors"] += s.value
            elif s.name in ("layanan_turn_seconds_sum", "layanan_turn_seconds_count"):
                key = f"{s.labels['channel']}/{s.labels['flow']}:{s.name.rsplit('_', 1)[1]}"
                found[key] = found.get(key, 0.0) + s.value
            elif s.name.startswith(("layanan_event_loop_lag_seconds", "layanan_gc_pause_seconds")):
                key = f"stall {s.name}" + (f" le={s.labels['le']}" if "le" in s.labels else "")
                found[key] = found.get(key, 0.0) + s.value  # every generation and process together
    return found


def stalls(before: dict[str, float], after: dict[str, float]) -> dict[str, float]:
    """Between two scrapes (bot/stalls.py): the event loop's 50 ms timers, how many ran more than 20
    and 100 ms late, and the garbage collections: how many, their time, how many took over 10 ms."""
    def grew(key: str) -> float:
        return after.get(f"stall {key}", 0.0) - before.get(f"stall {key}", 0.0)
    timers, collections = grew("layanan_event_loop_lag_seconds_count"), grew("layanan_gc_pause_seconds_count")
    return {"timers": timers, "late_20ms": timers - grew("layanan_event_loop_lag_seconds_bucket le=0.02"),
            "late_100ms": timers - grew("layanan_event_loop_lag_seconds_bucket le=0.1"),
            "gc": collections, "gc_ms": grew("layanan_gc_pause_seconds_sum") * 1000,
            "gc_over_10ms": collections - grew("layanan_gc_pause_seconds_bucket le=0.01")}


def server_times(before: dict[str, float], after: dict[str, float]) -> dict[str, tuple[int, float]]:
    """Turns and their mean server-side time (ms) by channel/flow, between two scrapes."""
    out = {}
    for key, count in after.items():
        if key.endswith(":count") and (n := count - before.get(key, 0.0)) > 0:
            name = key.removesuffix(":count")
            seconds = after[f"{name}:sum"] - before.get(f"{name}:sum", 0.0)
            out[name] = (int(n), seconds / n * 1000)
    return out


async def contact_id(db_url: str, address: str) -> int | None:
    from sqlalchemy import select
    from sqlalchemy.ext.asyncio import create_async_engine

    from storage.models import Contact

    engine = create_async_engine(db_url)
    try:
        async with engine.connect() as conn:
            return await conn.scalar(select(Contact.id).where(Contact.channel_user_id == address))
    finally:
        await engine.dispose()


async def backend_counts(db_url: str, redis_url: str) -> dict[str, float]:
    """PostgreSQL's commits and rows written in the run's database, and Redis's commands, so far
    (PostgreSQL publishes its counters within about a second: read after the rate has settled)."""
    import redis
    from sqlalchemy import text
    from sqlalchemy.ext.asyncio import create_async_engine

    engine = create_async_engine(db_url)
    try:
        async with engine.connect() as conn:
            row = (await conn.execute(text(
                "SELECT xact_commit, tup_inserted + tup_updated + tup_deleted FROM pg_stat_database "
                "WHERE datname = current_database()"))).one()
    finally:
        await engine.dispose()
    commands = redis.Redis.from_url(redis_url).info("stats")["total_commands_processed"]
    return {"pg_commits": float(row[0]), "pg_rows_written": float(row[1]), "redis_commands": float(commands)}


def per_turn(before: dict[str, float], after: dict[str, float], turns: int) -> dict[str, float]:
    return {k: (after[k] - before[k]) / turns for k in before} if turns else {}


async def stored_reports(db_url: str, niks: list[str]) -> int:
    """How many of these deceased NIKs have their report in the database (looked up by keyed hash)."""
    from sqlalchemy import select
    from sqlalchemy.ext.asyncio import create_async_engine

    from services.privacy import NikHasher
    from storage.models import Report

    hasher, engine = NikHasher(SECRET), create_async_engine(db_url)
    try:
        async with engine.connect() as conn:
            found = await conn.scalars(select(Report.deceased_nik_hash).where(
                Report.deceased_nik_hash.in_([hasher.digest(nik) for nik in niks])))
            return len(set(found))
    finally:
        await engine.dispose()


def settle_callbacks(twilio_url: str, timeout: float = 15.0) -> dict:
    """Wait until the fake Twilio has posted every status callback it owes (the last comes 2 s after
    its message), then its counts."""
    deadline = time.monotonic() + timeout
    time.sleep(2.2)
    while True:
        stats = fetch_json(f"{twilio_url}/stats")
        if stats["callbacks_pending"] == 0 or time.monotonic() > deadline:
            return stats
        time.sleep(0.2)


class Processes:
    def __init__(self, tmp: Path) -> None:
        self.tmp, self.procs = tmp, []

    def start(self, name: str, args: list[str], env: dict[str, str]) -> subprocess.Popen:
        log = (self.tmp / f"{name}.log").open("ab")
        proc = subprocess.Popen([sys.executable, *args], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        self.procs.append(proc)
        return proc

    def stop_all(self) -> None:
        for proc in reversed(self.procs):
            stop(proc)
        self.procs.clear()

    def log_tail(self, name: str) -> str:
        path = self.tmp / f"{name}.log"
        return path.read_text(errors="replace")[-3000:] if path.exists() else ""


def ours(args, tmp: Path, db_url: str, bot_api: FakeProcess, procs: Processes) -> list[Level]:
    port, tw_port = free_port(), free_port()
    base_url, twilio_url = f"http://127.0.0.1:{port}", f"http://127.0.0.1:{tw_port}"
    metrics_dir = tmp / "metrics"
    metrics_dir.mkdir()
    env = {**os.environ, "PYTHONPATH": str(ROOT), "DATABASE_URL": db_url, "REDIS_URL": args.redis,
           "PUBLIC_BASE_URL": base_url, "SECRET_KEY": SECRET, "DATA_DIR": str(tmp / "data"),
           "LOG_LEVEL": args.log_level,
           "TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_WEBHOOK_SECRET": TG_SECRET,
           "TELEGRAM_API_BASE_URL": f"{bot_api.url}/bot", "TWILIO_ACCOUNT_SID": ACCOUNT, "TWILIO_AUTH_TOKEN": AUTH,
           # a one-message Telegram reply goes back in the webhook's answer (the default; wrk counts the
           # report numbers in those answers, the fake Bot API the rest); --no-webhook-reply: all calls
           "TELEGRAM_WEBHOOK_REPLY": "true" if args.webhook_reply else "false",
           "TWILIO_WHATSAPP_FROM": FROM, "TWILIO_API_BASE_URL": twilio_url, "BROADCAST_QUIET_HOURS": "",
           "BROADCAST_CANARY_PERCENT": "0", "BROADCAST_REQUIRE_APPROVAL": "false",
           "PROMETHEUS_MULTIPROC_DIR": str(metrics_dir)}
    subprocess.run([sys.executable, "-m", "bot", "db", "upgrade"], cwd=ROOT, env=env, check=True,
                   capture_output=True)
    rows = write_rows(tmp / "registry.csv", REGISTRY_ROWS)
    subprocess.run([sys.executable, "-m", "bot", "import-registry", str(tmp / "registry.csv")], cwd=ROOT, env=env,
                   check=True, capture_output=True)
    asyncio.run(prepare(db_url, args.subscribers))
    procs.start("fake_twilio", ["-m", "bench.load.fake_twilio", "--port", str(tw_port), "--account", ACCOUNT,
                                "--token", AUTH], env)
    server = procs.start("server", serve_command(args, port), env)
    wait_healthy(base_url, server)
    _wait_url(f"{twilio_url}/stats")
    for n in range(args.outbox_workers):
        procs.start("worker" if n == 0 else f"worker{n + 1}", ["-m", "bot", "worker"], env)
    asyncio.run(fan_out(db_url, tmp, bot_api, "Pencairan santunan tahap II"))

    channels = Channels(base_url, TG_SECRET, ACCOUNT, AUTH, FROM, twilio_url)
    traffic = Traffic(channels, rows, mix=args.mix, whatsapp=not args.telegram_only)
    levels = []
    write_connections(tmp / "warm", traffic.citizens(), args.connections, 10)  # warm-up, not reported
    run_wrk(base_url, tmp / "warm", args.rates[0], 3, args.connections)
    seen = settle_callbacks(twilio_url)  # counts so far: each level reports its own
    for rate in args.rates:
        folder = tmp / f"ours-{rate}"
        conns = write_connections(folder, traffic.citizens(), args.connections,
                                  math.ceil(rate * args.seconds / args.connections * 1.3) + 5)
        scraped, counted = scrape(base_url), asyncio.run(backend_counts(db_url, args.redis))
        result = run_wrk(base_url, folder, rate, args.seconds, args.connections, _spied(args, "ours", rate, server))
        level = level_from("ours", rate, result)
        level.carried = result["carried"]
        finished = [(nik, address) for conn, answered in zip(conns, result["answered"], strict=True)
                    for end, nik, address in conn.santunan_ends if end < answered]
        stats = settle_callbacks(twilio_url)
        level.callbacks = {k: stats[k] - seen[k] for k in ("callbacks_sent", "callbacks_ok", "callbacks_failed")}
        seen = stats
        # a report is acknowledged when its citizen was sent its number; a citizen who was asked
        # again instead (a photo that could not be fetched, say) would send it again, which a
        # script does not do
        told = set(stats["acknowledged"]) | set(bot_api.stats()["acknowledged"]) | set(result["told"].split(",")) - {""}
        acknowledged = [nik for nik, address in finished if address in told]
        level.reports_expected, level.reports_unfinished = len(acknowledged), len(finished) - len(acknowledged)
        level.reports_stored = asyncio.run(stored_reports(db_url, acknowledged))
        for nik, address in finished:  # say what the citizens who were not told a number were told instead
            if address not in told:
                texts = (fetch_json(f"{bot_api.url}/sent?chat={address}") if not address.startswith("+") else
                         fetch_json(f"{twilio_url}/sent?number={urllib.parse.quote(address)}"))["texts"]
                stored = asyncio.run(stored_reports(db_url, [nik]))
                print(f"  not acknowledged: {address} contact {asyncio.run(contact_id(db_url, address))}, "
                      f"report stored {bool(stored)}; {len(texts)} replies: "
                      + " | ".join(t[:70].replace("\n", " ") for t in texts), flush=True)
        after = scrape(base_url)
        level.backends = per_turn(counted, asyncio.run(backend_counts(db_url, args.redis)), level.answered)
        level.turn_errors = int(after["errors"] - scraped["errors"])
        level.server = server_times(scraped, after)
        level.stalls = stalls(scraped, after)
        shutil.rmtree(folder)
        print(describe(level), flush=True)
        levels.append(level)
        if level.achieved < 0.6 * rate:  # far past the knee: higher rates only queue up
            break
    return levels


def serve_command(args, port: int) -> list[str]:
    """Our web processes: `bot serve` under uvicorn (the default) or granian (`--server granian`)."""
    return ["-m", "bot", "serve", "--host", "127.0.0.1", "--port", str(port), "--workers", str(args.web),
            "--server", args.server]


def _spied(args, system: str, rate: float, server: subprocess.Popen) -> tuple[Path, int] | None:
    """Where to keep this rate's py-spy samples, and of which server, when it is the one to profile."""
    if args.profile != rate:
        return None
    args.profile_dir = args.profile_dir or Path(tempfile.mkdtemp(prefix="bench-profile-"))  # outlives `tmp`
    folder = args.profile_dir / system
    args.profiled[system] = folder
    return folder, server.pid


def _wait_url(url: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            fetch_json(url)
            return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


def baseline(args, tmp: Path, bot_api: FakeProcess, procs: Processes) -> list[Level]:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    proc = procs.start("baseline", ["-m", "bench.load.baseline", "--port", str(port), "--api", bot_api.url,
                                    "--token", TOKEN, "--secret", TG_SECRET], {**os.environ, "PYTHONPATH": str(ROOT)})
    wait_healthy(url, proc)
    channels = Channels(url, TG_SECRET, ACCOUNT, AUTH, FROM, "http://127.0.0.1:9")
    traffic = Traffic(channels, list(registry_rows(count=200, seed=7)))  # names and NIKs for the form
    write_connections(tmp / "warm-b", traffic.baseline_citizens(), args.connections, 10)
    run_wrk(url, tmp / "warm-b", args.rates[0], 3, args.connections)
    levels = []
    for rate in args.rates:
        folder = tmp / f"baseline-{rate}"
        write_connections(folder, traffic.baseline_citizens(), args.connections,
                          math.ceil(rate * args.seconds / args.connections * 1.3) + 5)
        level = level_from("baseline", rate, run_wrk(url, folder, rate, args.seconds, args.connections,
                                                     _spied(args, "baseline", rate, proc)))
        shutil.rmtree(folder)
        level.cpu = {k: v for k, v in level.cpu.items() if k not in ("postgresql", "redis")}  # not the baseline's
        print(describe(level), flush=True)
        levels.append(level)
        if level.achieved < 0.6 * rate:
            break
    return levels


def describe(level: Level) -> str:
    text = (f"{level.system:8} offered {level.offered:6.0f}/s  achieved {level.achieved:7.1f}/s  "
            f"p50 {level.p50:6.1f}  p95 {level.p95:6.1f}  p99 {level.p99:6.1f} ms  non-2xx {level.bad}  "
            f"socket errors {level.socket_errors}")
    if level.reports_expected is not None:
        text += (f"  reports {level.reports_stored}/{level.reports_expected} (+{level.reports_unfinished} not "
                 f"acknowledged)  turn errors {level.turn_errors}  "
                 f"callbacks ok {level.callbacks.get('callbacks_ok')}/{level.callbacks.get('callbacks_sent')}  "
                 f"replies in the webhook answer {level.carried}")
        text += "\n  " + "  ".join(f"{k} {n}x{ms:.0f}ms" for k, (n, ms) in sorted(level.server.items()))
    if st := level.stalls:
        text += (f"\n  stalls: event loop over 20 ms late {st['late_20ms']:.0f} of {st['timers']:.0f} timers "
                 f"(over 100 ms {st['late_100ms']:.0f}); GC {st['gc']:.0f} collections, {st['gc_ms']:.0f} ms in all, "
                 f"{st['gc_over_10ms']:.0f} over 10 ms")
    text += "\n  cores: " + "  ".join(f"{k} {v:.2f}" for k, v in sorted(level.cpu.items()))
    if level.backends:
        text += "\n  per turn: " + "  ".join(f"{k} {v:.1f}" for k, v in sorted(level.backends.items()))
    return text


def knee(levels: list[Level]) -> Level | None:
    good = [lv for lv in levels if lv.kept_up and lv.p99 <= GOAL_P99_MS]
    return max(good, key=lambda lv: lv.offered) if good else None


def problems(levels: list[Level]) -> list[str]:
    """What a load run must never show, whatever the rate: lost reports, failed turns, refused callbacks,
    errors, or a run that ran out of prepared requests."""
    found = []
    for lv in levels:
        name = f"{lv.system} at {lv.offered:g}/s"
        if lv.bad or lv.socket_errors:
            found.append(f"{name}: {lv.bad} non-2xx answers, {lv.socket_errors} socket errors")
        if lv.exhausted:
            found.append(f"{name}: wrk ran out of prepared requests ({lv.exhausted})")
        if lv.reports_expected is not None and lv.lost:
            found.append(f"{name}: {lv.lost} acknowledged reports missing from the database")
        if lv.turn_errors:
            found.append(f"{name}: {lv.turn_errors} turns failed")
        if lv.callbacks and lv.callbacks.get("callbacks_failed"):
            found.append(f"{name}: {lv.callbacks['callbacks_failed']} status callbacks refused")
    return found


def table(levels: list[Level]) -> str:
    rows = ["| system | offered/s | turns/s | p50 ms | p95 ms | p99 ms | max ms | non-2xx | reports kept | "
            "status callbacks accepted | web cores | machine cores |",
            "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for lv in levels:
        kept = f"{lv.reports_stored}/{lv.reports_expected}" if lv.reports_expected is not None else "-"
        kept += f" (+{lv.reports_unfinished} not told)" if lv.reports_unfinished else ""
        cb = (f"{lv.callbacks.get('callbacks_ok', 0)}/{lv.callbacks.get('callbacks_sent', 0)}" if lv.callbacks
              else "-")
        rows.append(f"| {lv.system} | {lv.offered:g} | {lv.achieved:.0f} | {lv.p50:.1f} | {lv.p95:.1f} | "
                    f"{lv.p99:.1f} | {lv.max:.0f} | {lv.bad + lv.socket_errors} | {kept} | {cb} | "
                    f"{lv.cpu.get('web', 0):.2f} | {lv.cpu.get('whole machine', 0):.2f} |")
    return "\n".join(rows)


def cpu_ms_per_turn(levels: list[Level]) -> float:
    """CPU the web processes spent per turn at the lowest rate (callbacks included for ours)."""
    return levels[0].cpu.get("web", 0.0) / levels[0].achieved * 1000 if levels and levels[0].achieved else 0.0


def section(args, ours_levels: list[Level], base_levels: list[Level]) -> str:
    now = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    k, bk = knee(ours_levels), knee(base_levels)
    best_base = max((lv.achieved for lv in base_levels), default=0.0)
    best_ours = max((lv.achieved for lv in ours_levels if lv.p99 <= GOAL_P99_MS), default=0.0)
    rates = ",".join(f"{r:g}" for r in args.rates)
    met = "met" if best_ours >= best_base > 0 else "**not met**"
    callbacks = sum(lv.callbacks.get("callbacks_sent", 0) for lv in ours_levels)
    turns = sum(lv.answered for lv in ours_levels)
    return f"""## Load: mixed traffic through the signed webhooks, against a PTB ConversationHandler baseline

- Command: `make bench` (or `python -m bench.load --rates {rates} --seconds {args.seconds:g}`); CI runs
  `python -m bench.load --short` (tests/bench/test_load_short.py), which checks that nothing is lost.
- Date: {now}
- Machine: {os.cpu_count()} CPUs, {platform.machine()}, Python {platform.python_version()}; everything
  shares these cores: wrk, both fakes, the servers, the worker, PostgreSQL and Redis.
- Ours: `python -m bot serve --workers {args.web} --server {args.server}` on PostgreSQL (fresh database,
  {REGISTRY_ROWS:,} registry rows, {args.subscribers:,} subscribers); state, dedupe marks, locks and
  rate limits in Redis; {args.outbox_workers} × `python -m bot worker` sending an announcement to the
  {args.subscribers:,} subscribers throughout. Every second citizen on Telegram, the others on WhatsApp,
  every request signed: 45 % menu and pengumuman, 30 % cek kepesertaan, 15 % langganan, 10 % a complete
  lapor kematian (19 turns, two documents sent as 60 kB photos that the server downloads and stores).
  The fake Twilio posts three signed status callbacks (sent, delivered, read) for every WhatsApp message
  we send: {callbacks:,} callbacks on top of {turns:,} turns in this run, not counted as turns.
- Baseline: a plain python-telegram-bot `ConversationHandler` (3-step form, state in process memory,
  no dedupe, no database), FastAPI + uvicorn, one process (a second would split its conversations),
  answering through the same fake Bot API with PTB's default httpx.
- Load: wrk, {args.connections} connections, each carrying its citizens' messages in order and paced to the
  offered rate; {args.seconds:g} s per rate after a 3 s warm-up. Latency is wrk's, from sending a request
  to its answer; both servers answer a webhook after their replies went to the provider's API.
  "web cores" and "machine cores" are CPU used on average during the rate (machine: all processes).
  "reports kept": reports in PostgreSQL / citizens who were sent their report number; a script
  that ended without its number (none expected) would be shown as "not told", with its replies
  printed by the run.
- Knee (highest offered rate achieved within 5 % with p99 <= {GOAL_P99_MS:g} ms): ours
  {f"{k.offered:g}/s" if k else "none"}, baseline {f"{bk.offered:g}/s" if bk else "none"}.
- Goal (at least the baseline's turns/s with p99 <= {GOAL_P99_MS:g} ms, durable): {met}. Ours reaches
  {best_ours:.0f} turns/s with p99 <= {GOAL_P99_MS:g} ms; the baseline's best is {best_base:.0f} turns/s.
  CPU of the web processes per turn at the lowest rate: ours {cpu_ms_per_turn(ours_levels):.1f} ms (with the
  status callbacks that turn causes), baseline {cpu_ms_per_turn(base_levels):.1f} ms.

{table(ours_levels + base_levels)}
"""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rates", type=lambda s: tuple(float(x) for x in s.split(",")))
    parser.add_argument("--seconds", type=float, default=15.0)
    parser.add_argument("--web", type=int, default=2, help="our web processes (uvicorn workers)")
    parser.add_argument("--server", choices=("uvicorn", "granian"), default="uvicorn",
                        help="the ASGI server of our web processes (bot serve --server)")
    parser.add_argument("--outbox-workers", type=int, default=1, help="our `bot worker` processes")
    parser.add_argument("--connections", type=int, default=96)
    parser.add_argument("--subscribers", type=int, default=SUBSCRIBERS)
    parser.add_argument("--short", action="store_true", help="the CI form: two low rates, 8 s each")
    parser.add_argument("--json", type=Path, help="also write every level's figures to this file")
    parser.add_argument("--redis", default=REDIS, help="the Redis database to use (flushed first)")
    parser.add_argument("--no-baseline", dest="baseline", action="store_false")
    parser.add_argument("--no-ours", dest="ours", action="store_false", help="only the baseline")
    parser.add_argument("--mix", type=lambda s: tuple((k, int(w)) for k, w in (x.split("=") for x in s.split(","))),
                        default=MIX, help="citizens by kind, e.g. menu=45,coverage=30,subscribe=15,santunan=10")
    parser.add_argument("--logs", type=Path, help="keep the processes' logs in this folder")
    parser.add_argument("--log-level", default="WARNING", help="the servers' LOG_LEVEL (INFO logs every turn)")
    parser.add_argument("--telegram-only", action="store_true", help="every citizen on Telegram")
    parser.add_argument("--write", action=argparse.BooleanOptionalAction, default=True)
    parser.add_argument("--webhook-reply", action=argparse.BooleanOptionalAction, default=True,
                        help="our Telegram replies of one message in the webhook's answer, as in production "
                             "(TELEGRAM_WEBHOOK_REPLY); --no-webhook-reply sends every reply as a Bot API call")
    parser.add_argument("--profile", type=float, metavar="RATE",
                        help="sample the web processes with py-spy at this rate; writes the profile tables instead")
    parser.add_argument("--profile-dir", type=Path, help="keep the collapsed stacks here (for a flame graph)")
    args = parser.parse_args(argv)
    args.profiled = {}
    if args.short:
        args.rates, args.seconds, args.connections = args.rates or SHORT_RATES, 8.0, 24
        args.subscribers, args.write = min(args.subscribers, 2000), False
    args.rates = args.rates or FULL_RATES
    if shutil.which("wrk") is None:
        print("wrk is needed: apt-get install wrk", file=sys.stderr)
        return 2
    db_url = postgres_database()
    if db_url is None:
        print("PostgreSQL is needed at 127.0.0.1:5432", file=sys.stderr)
        return 2
    import redis

    redis.Redis.from_url(args.redis).flushdb()
    bot_api = FakeProcess()
    with tempfile.TemporaryDirectory(prefix="bench-load-") as tmp_name:
        tmp = Path(tmp_name)
        procs = Processes(tmp)
        try:
            ours_levels = ours(args, tmp, db_url, bot_api, procs) if args.ours else []
            procs.stop_all()
            base_levels = baseline(args, tmp, bot_api, procs) if args.baseline else []
        except (subprocess.CalledProcessError, RuntimeError, OSError) as exc:
            print(f"load run failed: {exc}", file=sys.stderr)
            for name in ("server", "worker", "fake_twilio", "baseline"):
                print(f"--- {name} log ---\n{procs.log_tail(name)}", file=sys.stderr)
            return 2
        finally:
            procs.stop_all()
            bot_api.close()
            if args.logs:
                args.logs.mkdir(parents=True, exist_ok=True)
                for log in tmp.glob("*.log"):
                    shutil.copy(log, args.logs / log.name)
            drop_postgres(db_url)
    print(table(ours_levels + base_levels))
    found = problems(ours_levels + base_levels)
    if args.json:
        args.json.write_text(json.dumps([{**asdict(lv), "achieved": lv.achieved} for lv in ours_levels + base_levels],
                                        indent=1))
    for problem in found:
        print(f"FAIL: {problem}", file=sys.stderr)
    if args.profile:
        return profiled(args, ours_levels + base_levels)
    if args.write and not found:
        write_doc(section(args, ours_levels, base_levels), START, END)
        print("updated docs/benchmarks.md")
    return 1 if found else 0


def profiled(args, levels: list[Level]) -> int:
    """Print (and with --write keep in docs/benchmarks.md) where the web processes' CPU went."""
    now = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    shown = {lv.system: lv for lv in levels if lv.offered == args.profile}
    parts = [f"## Where the CPU of a turn goes: py-spy at {args.profile:g} turns/s\n\n"
             f"- Command: `python -m bench.load --profile {args.profile:g} --rates {args.profile:g} "
             f"--seconds {args.seconds:g}{' --telegram-only' if args.telegram_only else ''}`\n- Date: {now}\n"
             f"- py-spy samples every web process at {profiler.RATE_HZ} Hz while wrk offers the rate (the sampling "
             "itself costs CPU, so this run's latencies are not the load run's figures).\n"]
    for system, folder in args.profiled.items():
        level = shown.get(system)
        profile = profiler.summarise(folder)
        got = (f", {level.achieved:.0f} turns/s, p99 {level.p99:.0f} ms, "
               f"{profile.samples / profiler.RATE_HZ / max(level.answered, 1) * 1000:.1f} ms of CPU sampled per turn"
               if level else "")
        parts.append(profiler.table(f"{system}{got}", profile))
    text = "\n".join(parts)
    print(text)
    print(f"collapsed stacks (for flamegraph.pl) in {args.profile_dir}")
    if args.write:
        write_doc(text, PROFILE_START, PROFILE_END)
    return 0


if __name__ == "__main__":
    sys.exit(main())
