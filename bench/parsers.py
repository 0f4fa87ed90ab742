"""The answer parsers against the evaluation table (tests/data/parser_eval.py): the share of real-style
answers each reads right (its value, or "refused"), what it got wrong, and the time one answer takes.

    python -m bench.parsers [--repeat 20] [--no-write]
"""
from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import sys
import time

from bench.chat_turns import write_doc
from tests.data.parser_eval import TABLES, evaluate, rows

START, END = "<!-- bench:parsers:start -->", "<!-- bench:parsers:end -->"


def _microseconds(repeat: int) -> dict[str, float]:
    """Mean time per answer of each parser, over the whole table `repeat` times (wilayah loaded)."""
    out = {}
    for parser, (table, run) in TABLES.items():
        cases = [text for text, _ in rows(table)]
        run(cases[0])
        started = time.perf_counter()
        for _ in range(repeat):
            for text in cases:
                run(text)
        out[parser] = (time.perf_counter() - started) / (repeat * len(cases)) * 1e6
    return out


def _doc(scores, micro: dict[str, float], repeat: int) -> str:
    lines = [
        "## Answer parsers: the share of real-style answers read right",
        "",
        f"- Command: `python -m bench.parsers --repeat {repeat}`",
        f"- Date: {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC",
        f"- Machine: {os.cpu_count()} CPUs, {platform.machine()}, Python {platform.python_version()}; load average "
        f"{os.getloadavg()[0]:.1f} when run (a shared machine: the times are a rough guide, the shares are exact)",
        "- Table: tests/data/parser_eval.py (answers as typed in WhatsApp, Telegram and the web chat, each with",
        "  the value it must give or \"refused\"); tests/conversations/test_parser_eval.py requires 97% each and",
        "  that no deferral is ever a name, relationship, bank, phone or date.",
        "- The table was written with the parsers (issue 17), so it guards against regressions rather than",
        "  measuring unseen answers; add the answers real citizens send that a parser misses.",
        "",
        "| parser | answers | of them \"refused\" | right | share | µs per answer |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for s in scores:
        lines.append(f"| {s.parser} | {s.cases} | {s.refusals} | {s.right} | {s.share:.1%} | {micro[s.parser]:.0f} |")
    wrong = [f"  - {s.parser}: {text!r} gave {got!r}, not {want!r}" for s in scores for text, want, got in s.wrong]
    lines += ["", "- Read wrong:" if wrong else "- Read wrong: none.", *wrong]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=20, help="passes over each table for the timing")
    parser.add_argument("--no-write", action="store_true", help="do not update docs/benchmarks.md")
    args = parser.parse_args(argv)
    scores, micro = evaluate(), _microseconds(args.repeat)
    body = _doc(scores, micro, args.repeat)
    print(body)
    if not args.no_write:
        write_doc(body, START, END)
        print("updated docs/benchmarks.md")
    return 0


if __name__ == "__main__":
    sys.exit(main())
