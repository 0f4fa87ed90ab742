"""`python -m bot broadcast --title T --body B [--kecamatan CODE…] [--at ISO] [--link URL]`: compose
an announcement from the command line and, when no approval is required, send it and follow its
delivery with a progress bar (sending needs a worker: the one in `serve`, or `python -m bot worker`)."""
from __future__ import annotations

import argparse
import asyncio
import sys
from datetime import datetime

from tqdm import tqdm

from bot.config import ConfigError, Settings

__all__ = ["broadcast"]

async def _run(settings: Settings, args: argparse.Namespace) -> int:
    from bot.app import build_runtime
    from services.staff import StaffInfo

    runtime = build_runtime(settings)
    operator = StaffInfo(0, "cli", "admin", None, None)
    try:
        codes = None
        if args.kecamatan:
            places = [runtime.wilayah.match_kecamatan(k).place for k in args.kecamatan]
            if not all(places):
                raise ConfigError("--kecamatan: not an OKI kecamatan")
            codes = [p.code for p in places]
        row = await runtime.broadcasts.create(title=args.title, body=args.body, link=args.link, kecamatan=codes,
                                              author=operator)
        if runtime.broadcasts.require_approval:
            print(f"announcement {row.id} created; it waits for a staff member's approval "
                  f"(POST /api/v1/announcements/{row.id}/approve), then send it from the API")
            return 0
        at = datetime.fromisoformat(args.at) if args.at else None
        row = await runtime.broadcasts.send(announcement_id=row.id, staff=operator, at=at)
        if row.state == "scheduled":
            print(f"announcement {row.id} scheduled for {row.send_at.isoformat()}")
            return 0
        await _follow(runtime, row.id)
        return 0
    finally:
        await runtime.close()


async def _follow(runtime, announcement_id: int) -> None:
    stats = await runtime.broadcasts.stats(announcement_id)
    with tqdm(total=stats["recipients"], desc=f"pengumuman {announcement_id}", unit=" pesan", file=sys.stderr,
              disable=not sys.stderr.isatty()) as bar:
        while stats["queued"]:
            await asyncio.sleep(1)
            stats = await runtime.broadcasts.stats(announcement_id)
            bar.n = stats["recipients"] - stats["queued"]
            bar.refresh()
    print(f"announcement {announcement_id}: {stats['recipients']} recipients, {stats['sent']} sent, "
          f"{stats['failed']} failed, {stats['skipped']} skipped")


def broadcast(settings: Settings, args: argparse.Namespace) -> int:
    return asyncio.run(_run(settings, args))
