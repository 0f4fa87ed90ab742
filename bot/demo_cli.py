"""`python -m bot demo-data registry --count N --out FILE [--seed S]`: a synthetic coverage list as CSV."""
from __future__ import annotations

import argparse
import csv
from pathlib import Path

from bot.config import Settings
from services.demo import COLUMNS, registry_rows

__all__ = ["demo_registry"]


def demo_registry(settings: Settings, args: argparse.Namespace) -> int:
    """Write `args.count` rows (import format, UTF-8, comma) to `args.out`. `settings` is not needed."""
    out = Path(args.out)
    written = 0
    with out.open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=COLUMNS)
        writer.writeheader()
        for row in registry_rows(count=args.count, seed=args.seed):
            writer.writerow(row)
            written += 1
    print(f"wrote {written} rows to {out}")
    return 0
