"""`python -m bot import-registry FILE [--dry-run] [--rejected-out F]`: import with a progress bar."""
from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

from tqdm import tqdm

from bot.config import Settings
from services.audit import Audit
from services.privacy import NikHasher
from services.registry_import import REASONS, WARNINGS, ImportFailed, ImportSummary, RegistryImporter
from services.wilayah import load_wilayah
from storage.db import make_engine, make_sessionmaker
from storage.registry import Registry

__all__ = ["import_registry", "load_demo", "run_import"]

DEMO_ROWS = 2000


async def run_import(settings: Settings, data: bytes, filename: str, *, dry_run: bool, actor: str = "cli",
                     progress: bool = True) -> ImportSummary:
    engine = make_engine(settings.database_url)
    sessions = make_sessionmaker(engine)
    importer = RegistryImporter(registry=Registry(sessions), wilayah=load_wilayah(),
                                hasher=NikHasher(settings.ensure_secret_key()), audit=Audit(sessions))
    bar = tqdm(desc="baris", unit=" baris", file=sys.stderr, disable=not progress, mininterval=0.5)
    try:
        return await importer.run(source=data, filename=filename, actor=actor, dry_run=dry_run, progress=bar.update)
    finally:
        bar.close()
        await engine.dispose()


def _report(summary: ImportSummary) -> str:
    lines = [f"{'Uji (tidak ada yang disimpan)' if summary.dry_run else 'Impor selesai'}: "
             f"{summary.total} baris; baru {summary.new}, diperbarui {summary.updated}, "
             f"tidak berubah {summary.unchanged}, ditolak {sum(summary.rejected.values())}."]
    lines += [f"  ditolak, {REASONS[reason]}: {n}" for reason, n in summary.rejected.most_common()]
    lines += [f"  peringatan: {WARNINGS[code]}: {n}" for code, n in summary.warnings.most_common()]
    lines.append(f"  nomor impor: {summary.import_id}")
    return "\n".join(lines)


def import_registry(settings: Settings, args: argparse.Namespace) -> int:
    path = Path(args.file)
    if not path.is_file():
        print(f"import-registry: {path} is not a file", file=sys.stderr)
        return 2
    try:
        summary = asyncio.run(run_import(settings, path.read_bytes(), path.name, dry_run=args.dry_run,
                                         progress=sys.stderr.isatty()))
    except ImportFailed as exc:
        print(f"import-registry: {exc}", file=sys.stderr)
        return 1
    print(_report(summary))
    if args.rejected_out and summary.rejected:
        Path(args.rejected_out).write_text(summary.rejected_csv, encoding="utf-8")
        print(f"  baris yang ditolak, dengan alasannya: {args.rejected_out}")
    return 0


async def load_demo(settings: Settings) -> str:
    """`serve --demo`: 2,000 synthetic covered workers when the registry is empty, and three NIK and
    name pairs to try in the chat. The people are invented; their NIKs are valid but nobody's."""
    import csv
    import io

    from services.demo import COLUMNS, registry_rows

    engine = make_engine(settings.database_url)
    try:
        if await Registry(make_sessionmaker(engine)).count():
            return "demo: the coverage list is not empty, nothing loaded"
    finally:
        await engine.dispose()
    rows = list(registry_rows(count=DEMO_ROWS, seed=2025))
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS)
    writer.writeheader()
    writer.writerows(rows)
    summary = await run_import(settings, out.getvalue().encode(), "demo.csv", dry_run=False, actor="demo",
                               progress=False)
    samples = [r for r in rows if r["status"] == "aktif"][:3]
    lines = [f"demo: {summary.new} synthetic covered workers loaded. Try 'cek bpjs' in the chat with:"]
    lines += [f"  NIK {r['nik']}  nama {r['nama'].title()}  ({r['kategori']}, {r['kecamatan']})" for r in samples]
    return "\n".join(lines)
