"""The profiling mode of the load run (`python -m bench.load --profile RATE`): while wrk offers RATE,
py-spy samples every web process of the system under test (ours: the uvicorn workers; the baseline:
its one process) and this module turns the samples into the tables docs/benchmarks.md keeps — the
top 20 functions by own time and by time including what they call, and the share of each layer
(our code, SQLAlchemy, asyncpg, Redis, uvicorn, Starlette/FastAPI, python-telegram-bot, the HTTP
clients, asyncio, ...). The collapsed stacks are kept next to the tables for a flame graph
(`flamegraph.pl stacks.txt > flame.svg`), never committed."""
from __future__ import annotations

import collections
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["Profile", "family", "layer_of", "record", "summarise", "table"]

RATE_HZ = 250  # samples per second per process
_LAYERS = {"sqlalchemy": "SQLAlchemy", "asyncpg": "asyncpg", "aiosqlite": "aiosqlite", "redis": "redis-py",
           "uvicorn": "uvicorn", "httptools": "uvicorn", "starlette": "Starlette/FastAPI",
           "fastapi": "Starlette/FastAPI", "pydantic": "pydantic", "pydantic_core": "pydantic",
           "telegram": "python-telegram-bot", "httpx": "HTTP clients", "httpcore": "HTTP clients",
           "aiohttp": "HTTP clients", "anyio": "anyio", "twilio": "twilio", "prometheus_client": "prometheus-client",
           "json": "json", "asyncio": "asyncio", "logging": "logging", "multiprocessing": "multiprocessing"}
_OURS = ("handlers", "conversations", "services", "storage", "bot")


def layer_of(frame: str) -> str:
    """The library (or our layer) a py-spy frame `function (path:line)` belongs to: py-spy names a
    module by its path under site-packages or the project ('sqlalchemy/engine/base.py', 'bot/cli.py')."""
    path = frame.rsplit(" (", 1)[-1].rstrip(")").rsplit(":", 1)[0]
    top = path.split("site-packages/")[-1].split("/", 1)[0]
    if top in _OURS:
        return f"ours: {top}"
    if path.startswith("bench/"):
        return "the baseline's code"
    return _LAYERS.get(top, _LAYERS.get(top.removesuffix(".py"), "other (interpreter, stdlib)"))


@dataclass
class Profile:
    samples: int = 0
    own: collections.Counter = field(default_factory=collections.Counter)
    total: collections.Counter = field(default_factory=collections.Counter)
    layers: collections.Counter = field(default_factory=collections.Counter)


def family(root: int) -> list[int]:
    """The process and all its descendants (uvicorn's workers under its supervisor), from /proc."""
    parents: dict[int, list[int]] = collections.defaultdict(list)
    for proc in Path("/proc").iterdir():
        try:
            if proc.name.isdigit():
                parents[int((proc / "stat").read_text().rsplit(")", 1)[1].split()[1])].append(int(proc.name))
        except OSError:
            continue
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo.extend(parents.get(pid, []))
    return found


def record(pids: list[int], seconds: float, folder: Path) -> list[subprocess.Popen]:
    """Start one py-spy per process, sampling for `seconds` (non-blocking: the process runs on)."""
    spy = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
    folder.mkdir(parents=True, exist_ok=True)
    return [subprocess.Popen([spy, "record", "-p", str(pid), "-d", str(max(1, int(seconds))), "-r", str(RATE_HZ),
                              "--nonblocking", "-f", "raw", "-o", str(folder / f"stacks-{pid}.txt")],
                             stdout=subprocess.DEVNULL, stderr=(folder / f"py-spy-{pid}.log").open("wb"))
            for pid in pids]


def summarise(folder: Path) -> Profile:
    """Own time: the leaf frame of each sample; total: every distinct frame of its stack; layers: the
    leaf's layer. py-spy leaves idle threads out (no --idle): the samples are CPU."""
    profile = Profile()
    for path in sorted(folder.glob("stacks-*.txt")):
        for line in path.read_text(errors="replace").splitlines():
            stack, _, count = line.rpartition(" ")
            if not stack or not count.isdigit():
                continue
            frames, n = stack.split(";"), int(count)
            leaf = frames[-1]
            profile.samples += n
            profile.layers[layer_of(leaf)] += n
            profile.own[_short(leaf)] += n
            for frame in dict.fromkeys(_short(f) for f in frames):
                profile.total[frame] += n
    return profile


def _short(frame: str) -> str:
    name, _, where = frame.partition(" (")
    where = where.rstrip(")")
    for cut in ("site-packages/", "/work/", "/lib/python3."):
        if cut in where:
            where = where.split(cut, 1)[1]
    return f"{name} ({where.rsplit(':', 1)[0]})"


def table(title: str, profile: Profile, top: int = 20) -> str:
    if not profile.samples:
        return f"**{title}**: no samples (py-spy could not attach: see py-spy-*.log beside the stacks)\n"
    pct = lambda n: f"{100 * n / profile.samples:.1f} %"  # noqa: E731
    layers = " · ".join(f"{name} {pct(n)}" for name, n in profile.layers.most_common())
    rows = "\n".join(f"| {i} | `{name}` | {pct(profile.own[name])} | {pct(profile.total[name])} |"
                     for i, (name, _) in enumerate(profile.own.most_common(top), 1))
    return (f"**{title}** ({profile.samples:,} samples)\n\nBy layer (own time): {layers}\n\n"
            f"| # | function (module) | own | with callees |\n|---:|---|---:|---:|\n{rows}\n")
