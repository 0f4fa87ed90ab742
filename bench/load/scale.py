"""How throughput grows with web processes: `bench.load` (ours only, no baseline) with 1, 2 and 4 web
processes and two outbox workers, one run each on the same machine, tabled side by side.

    python -m bench.load.scale [--webs 1,2,4] [--rates 100,200,300,400,600] [--seconds 10] [--telegram-only]

On this 2-core machine every process shares the same two cores (wrk, the fakes, PostgreSQL, Redis), so
the table shows what more processes cost and where one process's event loop was the limit, not what
more machines would give; docs/operations.md says how the figures carry over to several machines."""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import subprocess
import sys
import tempfile
from pathlib import Path

from bench.chat_turns import ROOT, write_doc
from bench.load.__main__ import GOAL_P99_MS, Level

START, END = "<!-- bench:scale:start -->", "<!-- bench:scale:end -->"


def run(web: int, args, folder: Path) -> list[Level]:
    out = folder / f"web{web}.json"
    cmd = [sys.executable, "-m", "bench.load", "--no-baseline", "--no-write", "--web", str(web),
           "--outbox-workers", str(args.outbox_workers), "--rates", args.rates, "--seconds", str(args.seconds),
           "--json", str(out)] + (["--telegram-only"] if args.telegram_only else []) + \
        (["--subscribers", str(args.subscribers)] if args.subscribers is not None else [])
    subprocess.run(cmd, cwd=ROOT, check=False)
    if not out.exists():
        raise SystemExit(f"bench.load with {web} web processes wrote no figures")
    fields = set(Level.__dataclass_fields__)
    return [Level(**{k: v for k, v in row.items() if k in fields}) for row in json.loads(out.read_text())]


def section(args, runs: dict[int, list[Level]]) -> str:
    now = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    rows = ["| web processes | offered/s | turns/s | p50 ms | p99 ms | web cores | machine cores | "
            "PostgreSQL commits / turn | rows written / turn | Redis commands / turn |",
            "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    summary = []
    for web, levels in runs.items():
        for lv in levels:
            b = lv.backends
            rows.append(f"| {web} | {lv.offered:g} | {lv.achieved:.0f} | {lv.p50:.1f} | {lv.p99:.1f} | "
                        f"{lv.cpu.get('web', 0):.2f} | {lv.cpu.get('whole machine', 0):.2f} | "
                        f"{b.get('pg_commits', 0):.1f} | {b.get('pg_rows_written', 0):.1f} | "
                        f"{b.get('redis_commands', 0):.1f} |")
        good = [lv.offered for lv in levels if lv.kept_up and lv.p99 <= GOAL_P99_MS]
        best = max((lv.achieved for lv in levels), default=0.0)
        summary.append(f"{web} web: knee {max(good):g}/s" if good else f"{web} web: no knee")
        summary[-1] += f", most {best:.0f} turns/s"
    mix = "Telegram only" if args.telegram_only else "both channels, status callbacks, a broadcast running"
    return f"""## Web processes: 1, 2 and 4 on one machine

- Command: `python -m bench.load.scale --webs {args.webs} --rates {args.rates} --seconds {args.seconds:g}
  --outbox-workers {args.outbox_workers}{' --telegram-only' if args.telegram_only else ''}`
- Date: {now}; machine: {os.cpu_count()} CPUs, {platform.machine()}, Python {platform.python_version()}
- Traffic: {mix}; PostgreSQL and Redis; {args.outbox_workers} outbox workers. Everything shares the
  machine's cores, so this shows the cost of more processes on the same cores, not more machines.
- {' · '.join(summary)} (knee: the highest offered rate kept up with p99 ≤ {GOAL_P99_MS:g} ms)

{chr(10).join(rows)}
"""


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--webs", default="1,2,4")
    ap.add_argument("--rates", default="100,200,300,400,600")
    ap.add_argument("--seconds", type=float, default=10.0)
    ap.add_argument("--outbox-workers", type=int, default=2)
    ap.add_argument("--subscribers", type=int)
    ap.add_argument("--telegram-only", action="store_true")
    ap.add_argument("--write", action=argparse.BooleanOptionalAction, default=True)
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench-scale-") as tmp:
        runs = {int(w): run(int(w), args, Path(tmp)) for w in args.webs.split(",")}
    text = section(args, runs)
    print(text)
    if args.write:
        write_doc(text, START, END)
        print("updated docs/benchmarks.md")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
