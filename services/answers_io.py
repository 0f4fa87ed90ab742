"""The knowledge base as a file, for Dinas Sosial to review offline: CSV (UTF-8, comma or
semicolon; alternatives separated by " | ") or YAML (a list of entries). Reading a file gives
rows for `KnowledgeBase.replace_all`: a row with a known `id` updates that entry, others are added."""
from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from typing import Any

import yaml

from services.answers import Entry

__all__ = ["COLUMNS", "read_csv", "read_yaml", "write_csv", "write_yaml"]

COLUMNS = ("id", "topic", "question", "alternatives", "answer", "action", "active")
_MAX_ROWS = 5000


def _row(entry: Entry) -> dict[str, Any]:
    return {"id": entry.id, "topic": entry.topic, "question": entry.question,
            "alternatives": list(entry.alternatives), "answer": entry.answer, "action": entry.action or "",
            "active": entry.active}


def write_csv(entries: Iterable[Entry]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS)
    writer.writeheader()
    for entry in entries:
        row = _row(entry)
        writer.writerow({**row, "alternatives": " | ".join(row["alternatives"]),
                         "active": "ya" if entry.active else "tidak"})
    return out.getvalue()


def write_yaml(entries: Iterable[Entry]) -> str:
    return yaml.safe_dump([_row(e) for e in entries], allow_unicode=True, sort_keys=False, width=100)


def read_csv(data: bytes) -> list[dict[str, Any]]:
    """Rows of a CSV export (headers in any case); ValueError for a file that is not one."""
    text = data.decode("utf-8-sig")
    dialect = csv.Sniffer().sniff(text.split("\n", 1)[0], delimiters=",;") if text.strip() else csv.excel
    rows = [{(k or "").strip().lower(): (v or "").strip() for k, v in row.items()}
            for row in csv.DictReader(io.StringIO(text), dialect=dialect)]
    if not rows or not {"question", "answer"} <= set(rows[0]):
        raise ValueError("file: kolom question dan answer wajib ada")
    return rows[:_MAX_ROWS]


def read_yaml(data: bytes) -> list[dict[str, Any]]:
    loaded = yaml.safe_load(data.decode("utf-8-sig"))
    if not isinstance(loaded, list) or not all(isinstance(r, dict) for r in loaded):
        raise ValueError("file: YAML harus berupa daftar entri (question, answer, ...)")
    return loaded[:_MAX_ROWS]
