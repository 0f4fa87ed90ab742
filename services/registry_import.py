"""Importing the BPJS TK coverage list (CSV or XLSX) into the registry.

Headers are matched without regard to case, spaces or underscores (CONTRACT.md). Each row is
validated; valid rows are upserted by NIK hash in one transaction, so a re-import changes only what
changed. Rejected rows, and kept rows with a warning (a misspelt place read as the nearest, a
birth date unlike the NIK's, an unusual kategori), are kept with the NIK masked as one CSV with the
reason for each (services/registry_rows.py)."""
from __future__ import annotations

import asyncio
import csv
import hashlib
import inspect
import io
import itertools
import json
import re
import zipfile
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from services.audit import Audit
from services.nik import check_nik
from services.privacy import NikHasher, mask_kpj, mask_nik
from services.registry_rows import (
    CATEGORIES,
    COLUMNS,
    REASONS,
    REQUIRED,
    ROWS_HEADER,
    WARNINGS,
    rows_csv,
    template_rows,
)
from services.wilayah import Wilayah
from storage.models import utcnow
from storage.registry import Registry

__all__ = ["ImportFailed", "ImportSummary", "RegistryImporter", "REASONS", "ROWS_HEADER", "WARNINGS", "check_xlsx",
           "count_rows", "template_rows"]

_ALIASES = {"namalengkap": "nama", "tgllahir": "tanggal_lahir", "tanggallahir": "tanggal_lahir",
            "nokpj": "kpj", "nomorkpj": "kpj", "kategoripeserta": "kategori", "programs": "program",
            "kec": "kecamatan", "desakelurahan": "desa", "kelurahan": "desa", "tanggalmulai": "mulai",
            "tanggalakhir": "akhir", "berakhir": "akhir", "statuspeserta": "status"}
_PROGRAMMES = ("JKK", "JKM", "JHT", "JP", "JKP")
# what a row's fingerprint covers: every stored value but the hash it is found by
_FINGERPRINTED = ("birth_date", "category", "desa_code", "end_date", "kecamatan_code", "kpj_masked", "name",
                  "nik_masked", "programmes", "start_date", "status")

# what a file may hold: an XLSX is a zip, and its XML is refused before it is opened when it would
# unpack to more than this (a decompression bomb); rows and columns past these are never read
MAX_UNPACKED = 200 * 1024 * 1024
MAX_RATIO = 100  # unpacked / packed, for a member of more than RATIO_FROM bytes
RATIO_FROM = 1024 * 1024
MAX_MEMBERS = 1000
MAX_ROWS = 500_000
MAX_COLUMNS = 64
_BATCH = 1000  # rows read per trip to the worker thread
_NIK_ERRORS = {"empty": "nik_kosong", "letters": "nik_bukan_angka", "short": "nik_panjang", "long": "nik_panjang",
               "date": "nik_tanggal", "region": "nik_wilayah"}


class ImportFailed(ValueError):
    """The whole file cannot be imported (unreadable, or a required column is missing)."""


@dataclass
class ImportSummary:
    total: int = 0
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: Counter = field(default_factory=Counter)
    warnings: Counter = field(default_factory=Counter)
    dry_run: bool = False
    import_id: int | None = None
    rejected_csv: str = ""
    warned: int = 0  # rows kept with at least one warning
    # up to 10 place names read as another ("Pedamran" -> Pedamaran) or refused with a likely one
    suggestions: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"total": self.total, "new": self.new, "updated": self.updated, "unchanged": self.unchanged,
                "rejected": sum(self.rejected.values()), "rejected_by_reason": dict(self.rejected),
                "warnings": dict(self.warnings), "warned": self.warned, "dry_run": self.dry_run,
                "import_id": self.import_id, "suggestions": self.suggestions}


class _Reject(Exception):
    def __init__(self, reason: str, detail: str = "", suggestion: str = "") -> None:
        super().__init__(reason)
        self.reason, self.detail, self.suggestion = reason, detail, suggestion


@dataclass(frozen=True, slots=True)
class _Note:
    """A warning on a kept row: its code, what was in the file, and what it was read as."""

    reason: str
    detail: str = ""
    suggestion: str = ""


def _typo(typed: str, name: str) -> str:
    return f"{typed!r} dibaca sebagai {name}"


def _did_you_mean(typed: str, names: list[str]) -> str:
    return f"{typed!r}: maksud Anda {' atau '.join(names)}?" if names else typed


def _header_key(name: str) -> str:
    key = re.sub(r"[\s_\-.]", "", str(name or "").strip().lower().lstrip("\ufeff"))
    return _ALIASES.get(key, {c.replace("_", ""): c for c in COLUMNS}.get(key, key))


def read_table(source: Path | bytes, filename: str) -> Iterator[dict[str, Any]]:
    """Rows as dicts keyed by the canonical column names, from CSV (comma or semicolon, with or
    without a BOM) or XLSX. Raises ImportFailed when a required column is missing."""
    if filename.lower().endswith((".xlsx", ".xlsm")):
        rows = _xlsx_rows(source)
    else:
        data = source if isinstance(source, bytes) else Path(source).read_bytes()
        try:
            # a NUL (a damaged export) means nothing in a cell, and PostgreSQL cannot store one
            text = data.decode("utf-8-sig").replace("\x00", "")
        except UnicodeDecodeError:
            raise ImportFailed("file bukan CSV UTF-8 atau XLSX") from None
        first = text.split("\n", 1)[0]
        rows = csv.reader(io.StringIO(text), delimiter=";" if first.count(";") > first.count(",") else ",")
    header = next(rows, None)
    if not header:
        raise ImportFailed("file kosong")
    keys = [_header_key(h) for h in header[:MAX_COLUMNS]]
    missing = [c for c in REQUIRED if c not in keys]
    if missing:
        raise ImportFailed("kolom wajib tidak ada: " + ", ".join(missing))
    for number, values in enumerate(rows, start=1):
        if number > MAX_ROWS:
            limit = f"{MAX_ROWS:,}".replace(",", ".")
            raise ImportFailed(f"file lebih dari {limit} baris; bagi menjadi beberapa file")
        if any(v not in (None, "") for v in values):
            yield dict(zip(keys, values, strict=False))


def check_xlsx(source: Path | bytes) -> None:
    """ImportFailed unless the XLSX (a zip) is one we may open: at most MAX_MEMBERS parts, unpacking
    to at most MAX_UNPACKED bytes, no large part packed more than MAX_RATIO times. Only the zip's
    directory is read; the sizes it states hold, since zipfile never unpacks more than a part's
    stated size (and refuses a part whose CRC then fails)."""
    try:
        with zipfile.ZipFile(io.BytesIO(source) if isinstance(source, bytes) else source) as archive:
            parts = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        raise ImportFailed("file XLSX tidak terbaca (bukan arsip XLSX)") from None
    if len(parts) > MAX_MEMBERS:
        raise ImportFailed(f"file XLSX berisi lebih dari {MAX_MEMBERS} bagian; bukan file XLSX biasa")
    if sum(p.file_size for p in parts) > MAX_UNPACKED:
        raise ImportFailed(f"isi file XLSX lebih dari {MAX_UNPACKED // 2**20} MB setelah dibuka "
                           "(kemungkinan bom dekompresi); bagi menjadi beberapa file")
    if any(p.file_size > RATIO_FROM and p.file_size > MAX_RATIO * max(p.compress_size, 1) for p in parts):
        raise ImportFailed(f"file XLSX dipadatkan lebih dari {MAX_RATIO} kali (kemungkinan bom dekompresi); "
                           "simpan ulang dari Excel, lalu unggah lagi")


def _open_xlsx(source: Path | bytes) -> Any:
    """The workbook, read-only, after `check_xlsx`; openpyxl parses its XML through defusedxml
    (no entities, no external references)."""
    import openpyxl

    check_xlsx(source)
    if not openpyxl.DEFUSEDXML:
        raise ImportFailed("XLSX tidak dapat dibaca dengan aman di server ini (defusedxml tidak terpasang)")
    try:
        return openpyxl.load_workbook(io.BytesIO(source) if isinstance(source, bytes) else source, read_only=True,
                                      data_only=True)
    except Exception as exc:
        raise ImportFailed(f"file XLSX tidak terbaca ({type(exc).__name__})") from None


def _xlsx_rows(source: Path | bytes) -> Iterator[list[Any]]:
    book = _open_xlsx(source)
    try:
        yield from ([("" if v is None else v) for v in row]
                    for row in book.active.iter_rows(values_only=True, max_col=MAX_COLUMNS))
    finally:
        book.close()


async def _off_the_loop(rows: Iterator[dict[str, Any]]) -> AsyncIterator[dict[str, Any]]:
    """The rows of `read_table`, read _BATCH at a time in a worker thread, so that opening and parsing
    a big file never holds up the event loop (webhooks, chats, /healthz)."""
    while batch := await asyncio.to_thread(lambda: list(itertools.islice(rows, _BATCH))):
        for row in batch:
            yield row


def _date(value: Any, reason: str) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    s = str(value or "").strip()[:10]
    try:
        if len(s) == 10 and s[4] == "-":
            return date.fromisoformat(s)
        if len(s) == 10 and s[2] in "-/" and s[5] == s[2]:
            return date(int(s[6:]), int(s[3:5]), int(s[:2]))
    except ValueError:
        pass
    raise _Reject(reason, s)


def _text(value: Any) -> str:
    """A cell as trimmed text; runs of spaces inside are folded only where it costs nothing to check."""
    text = str(value).strip() if value is not None else ""
    return " ".join(text.split()) if "  " in text or "\t" in text or "\n" in text else text


class RegistryImporter:
    def __init__(self, *, registry: Registry, wilayah: Wilayah, hasher: NikHasher, audit: Audit) -> None:
        self._registry, self._wilayah, self._hasher, self._audit = registry, wilayah, hasher, audit
        self._kecamatan = lru_cache(maxsize=4096)(self._match_kecamatan)
        self._desa = lru_cache(maxsize=16384)(self._match_desa)

    async def run(self, *, source: Path | bytes, filename: str, actor: str, dry_run: bool = False,
                  progress: Callable[[int], Awaitable[None] | None] | None = None) -> ImportSummary:
        """Validate and write a file; `progress(rows)` is told every 1,000 rows and at the end (it may
        be a coroutine function, which also lets other requests run while a big file is checked)."""
        summary = ImportSummary(dry_run=dry_run)
        existing = await self._registry.fingerprints()
        inserts, updates, rejected, warned, seen = [], [], [], [], set()
        now = utcnow()
        async for raw in _off_the_loop(read_table(source, filename)):
            summary.total += 1
            number = summary.total + 1  # row 1 is the header
            if progress and summary.total % 1000 == 0:
                await _tell(progress, 1000)
            notes: list[_Note] = []
            try:
                row = self._row(raw, notes)
            except _Reject as rej:
                rejected.append((number, raw, rej))
                _suggest(summary, number, rej)
                continue
            if row["nik_hash"] in seen:
                rejected.append((number, raw, _Reject("nik_ganda")))
                continue
            seen.add(row["nik_hash"])
            if notes:
                summary.warnings.update(n.reason for n in notes)
                warned.append((number, raw, notes))
                for note in notes:
                    _suggest(summary, number, note)
            known = existing.get(row["nik_hash"])
            if known is None:
                inserts.append({**row, "updated_at": now})
            elif known[1] != row["fingerprint"]:
                updates.append({**row, "id": known[0], "updated_at": now})
            else:
                summary.unchanged += 1
        if progress:
            await _tell(progress, summary.total % 1000)
        summary.new, summary.updated = len(inserts), len(updates)
        summary.rejected.update(rej.reason for _, _, rej in rejected)
        summary.warned = len(warned)
        summary.rejected_csv = rows_csv(
            [(n, _shown_nik(raw), _text(raw.get("nama")), "ditolak", REASONS[rej.reason], rej.detail)
             for n, raw, rej in rejected]
            + [(n, _shown_nik(raw), _text(raw.get("nama")), "peringatan", WARNINGS[note.reason], note.detail)
               for n, raw, notes in warned for note in notes])
        record = {"at": now, "actor": actor, "filename": filename.replace("\x00", "")[:200], "dry_run": dry_run,
                  "summary": json.dumps(summary.as_dict()), "rejected_csv": summary.rejected_csv}
        if dry_run:
            summary.import_id = await self._registry.record_import(record)
        else:
            summary.import_id = await self._registry.apply(inserts=inserts, updates=updates, import_row=record)
        await self._audit.record(actor=actor, action="registry.dry_run" if dry_run else "registry.import",
                                 target=f"registry_import:{summary.import_id}", detail=summary.as_dict())
        return summary

    def _row(self, raw: dict[str, Any], notes: list[_Note]) -> dict[str, Any]:
        nik = check_nik(_text(raw.get("nik")))
        if nik.nik is None:
            raise _Reject(_NIK_ERRORS[nik.error or "empty"])
        name = _text(raw.get("nama")).upper()
        if not name:
            raise _Reject("nama_kosong")
        born = _date(raw.get("tanggal_lahir"), "tanggal_lahir_salah")
        if born != nik.birth_date:
            # they can legitimately differ: kept
            notes.append(_Note("tanggal_lahir_beda_nik", f"{born.isoformat()} / NIK {nik.birth_date.isoformat()}"))
        kpj = re.sub(r"\D", "", _text(raw.get("kpj")))
        if _text(raw.get("kpj")) and len(kpj) != 11:
            raise _Reject("kpj_salah")
        category = _text(raw.get("kategori")).lower()
        if not category:
            raise _Reject("kategori_kosong")
        if category not in CATEGORIES:  # kept: the list is BPJS TK's to extend, but "pns" is worth a look
            notes.append(_Note("kategori_tidak_dikenal", category[:60]))
        programmes = [p.strip().upper() for p in re.split(r"[,;/+ ]+", _text(raw.get("program")) or "JKK,JKM") if p]
        if not programmes or any(p not in _PROGRAMMES for p in programmes):
            raise _Reject("program_salah", _text(raw.get("program")))
        kecamatan = self._place(notes, "kecamatan", self._kecamatan(_text(raw.get("kecamatan"))), raw)
        desa = self._place(notes, "desa", self._desa(kecamatan, _text(raw.get("desa"))), raw) \
            if _text(raw.get("desa")) else None
        start, end = _date(raw.get("mulai"), "mulai_salah"), _date(raw.get("akhir"), "akhir_salah")
        if end < start:
            raise _Reject("periode_terbalik")
        status = _text(raw.get("status")).lower() or "aktif"
        if status not in ("aktif", "nonaktif"):
            raise _Reject("status_salah", status)
        values = {"nik_hash": self._hasher.digest(nik.nik), "nik_masked": mask_nik(nik.nik), "name": name[:120],
                  "birth_date": born, "kpj_masked": mask_kpj(kpj) if kpj else None, "category": category[:60],
                  "programmes": ",".join(sorted(set(programmes), key=_PROGRAMMES.index)),
                  "kecamatan_code": kecamatan, "desa_code": desa, "start_date": start, "end_date": end,
                  "status": status}
        content = "|".join([str(values[k]) for k in _FINGERPRINTED])
        values["fingerprint"] = hashlib.blake2b(content.encode(), digest_size=16).hexdigest()
        return values

    @staticmethod
    def _place(notes: list[_Note], column: str, found: tuple[str, str | None], raw: dict[str, Any]) -> str:
        """The code of a matched place; a warning on the row when it was read from a misspelling."""
        code, guessed_name = found
        if guessed_name is not None:
            typed = _text(raw.get(column))[:60]
            notes.append(_Note(f"{column}_ditebak", _typo(typed, guessed_name), guessed_name))
        return code

    def _match_kecamatan(self, text: str) -> tuple[str, str | None]:
        """(code, the name it was read as when misspelt); a refusal names the likely kecamatan."""
        found = self._wilayah.match_kecamatan(text)
        if found.place is None:
            names = [p.name for p in found.candidates]
            raise _Reject("kecamatan_tidak_dikenal", _did_you_mean(text[:60], names), " atau ".join(names))
        return found.place.code, found.place.name if found.guessed else None

    def _match_desa(self, kecamatan_code: str, text: str) -> tuple[str, str | None]:
        found = self._wilayah.match_desa(kecamatan_code, text)
        if found.place is None:
            names = [p.name for p in found.candidates]
            raise _Reject("desa_tidak_dikenal", _did_you_mean(text[:60], names), " atau ".join(names))
        return found.place.code, found.place.name if found.guessed else None


async def _tell(progress: Callable[[int], Awaitable[None] | None], rows: int) -> None:
    result = progress(rows)
    if inspect.isawaitable(result):
        await result


def count_rows(source: bytes, filename: str) -> int | None:
    """How many data rows a file holds, for a progress bar, without validating them: the non-empty
    CSV rows (ImportFailed as `read_table` when a required column is missing), or the row count an
    XLSX sheet states (None when it states none)."""
    if not filename.lower().endswith((".xlsx", ".xlsm")):
        return sum(1 for _ in read_table(source, filename))
    book = _open_xlsx(source)
    try:
        rows = book.active.max_row
    finally:
        book.close()
    return max(rows - 1, 0) if rows else None


def _suggest(summary: ImportSummary, number: int, found: _Reject | _Note) -> None:
    """Keep the first place-name suggestions for the summary page."""
    if found.suggestion and len(summary.suggestions) < 10:
        summary.suggestions.append({"row": number, "text": found.detail,
                                    "rejected": isinstance(found, _Reject)})


def _shown_nik(raw: dict[str, Any]) -> str:
    nik = check_nik(_text(raw.get("nik")))
    return mask_nik(nik.nik) if nik.nik else "(tidak valid)"
