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
from services.sheets import FORMULA_STARTS, csv_text

__all__ = ["COLUMNS", "read_csv", "read_yaml", "write_csv", "write_yaml"]

COLUMNS = ("id", "topic", "question", "alternatives", "answer", "action", "active")
_MAX_ROWS = 5000


def _row(entry: Entry) -> dict[str, Any]:
    return {"id": entry.id, "topic": entry.topic, "question": entry.question,
            "alternatives": list(entry.alternatives), "answer": entry.answer, "action": entry.action or "",
            "active": entry.active}


def write_csv(entries: Iterable[Entry]) -> str:
    """Every cell through services/sheets.py: a text starting like a formula gets a `'` in front."""
    rows = [_row(e) for e in entries]
    return csv_text([COLUMNS, *([r["id"], r["topic"], r["question"], " | ".join(r["alternatives"]), r["answer"],
                                 r["action"], "ya" if r["active"] else "tidak"] for r in rows)])


def write_yaml(entries: Iterable[Entry]) -> str:
    return yaml.safe_dump([_row(e) for e in entries], allow_unicode=True, sort_keys=False, width=100)


def _cell(value: str | None) -> str:
    """A cell as typed: the `'` the export put before a formula-like text taken off again."""
    text = (value or "").strip()
    return text[1:] if text.startswith("'") and text[1:].startswith(FORMULA_STARTS) else text


def read_csv(data: bytes) -> list[dict[str, Any]]:
    """Rows of a CSV export (headers in any case); ValueError for a file that is not one."""
    text = data.decode("utf-8-sig")
    header = text.split("\n", 1)[0]
    delimiter = ";" if header.count(";") > header.count(",") else ","
    try:
        rows = [{(k or "").strip().lower(): _cell(v) for k, v in row.items() if isinstance(v, str | None)}
                for row in csv.DictReader(io.StringIO(text), delimiter=delimiter)]
    except csv.Error:
        raise ValueError("file: bukan CSV yang bisa dibaca") from None
    if not rows or not {"question", "answer"} <= set(rows[0]):
        raise ValueError("file: kolom question dan answer wajib ada")
    return rows[:_MAX_ROWS]


def read_yaml(data: bytes) -> list[dict[str, Any]]:
    loaded = yaml.safe_load(data.decode("utf-8-sig"))
    if not isinstance(loaded, list) or not all(isinstance(r, dict) for r in loaded):
        raise ValueError("file: YAML harus berupa daftar entri (question, answer, ...)")
    return loaded[:_MAX_ROWS]
