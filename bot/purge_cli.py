"""`python -m bot purge [--dry-run]`: delete what has outlived its retention period
(services/retention.py), print the counts, and audit them. Safe to run again at any time; the
worker runs the same purge once a day."""
from __future__ import annotations

import argparse
import asyncio

from bot.config import Settings

__all__ = ["purge"]

LABELS = {
    "conversation_states": "conversation states idle past the timeout",
    "dedupe_marks": "expired dedupe marks",
    "rate_counters": "expired rate-limit counters",
    "deliveries_deleted": "delivery records deleted",
    "deliveries_detached": "delivery records cut from their contact (kept for announcement counts)",
    "outbox_deleted": "finished notices deleted from the outbox",
    "outbox_anonymised": "finished broadcast rows stripped of address and contact",
    "contacts_forgotten": "quiet contacts forgotten",
    "documents": "documents of finished reports (rows)",
    "document_files": "documents of finished reports (files)",
    "orphan_files": "attachments no report uses",
}


async def _run(settings: Settings, dry_run: bool) -> dict[str, int]:
    from bot.app import build_runtime

    runtime = build_runtime(settings)
    try:
        return (await runtime.retention.purge(dry_run=dry_run, actor="cli")).counts
    finally:
        await runtime.close()


def purge(settings: Settings, args: argparse.Namespace) -> int:
    counts = asyncio.run(_run(settings, args.dry_run))
    verb = "would delete" if args.dry_run else "deleted"
    print(f"purge ({'dry run, nothing changed' if args.dry_run else 'done, audited'}): {verb} "
          f"{sum(counts.values())} in all; conversations kept {settings.retention_conversation_days} days, "
          f"documents {settings.retention_documents_days} days after the final status")
    width = max(len(str(n)) for n in counts.values())
    for name, n in counts.items():
        print(f"  {n:>{width}}  {LABELS.get(name, name)}")
    return 0
