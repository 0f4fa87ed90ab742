"""Every CSV and XLSX the app writes goes through here, so that nothing a citizen or staff member
typed is ever a formula when the file is opened in Excel or LibreOffice (CSV injection, OWASP):

- CSV: a cell starting with `=`, `+`, `-`, `@`, a tab or a carriage return gets a `'` in front;
- XLSX: every cell is an explicit text cell (never `<f>`), and such a cell is also marked
  "quote prefix", so that editing it in Excel does not turn it into a formula either. The text
  itself is kept as typed."""
from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from services.santunan import WIB

__all__ = ["FORMULA_STARTS", "csv_text", "neutral", "wib_cell", "xlsx_bytes"]

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def neutral(value: Any) -> str:
    """A cell's text for a CSV: with a `'` in front when a spreadsheet would read it as a formula."""
    text = _text(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def wib_cell(at: datetime | None) -> str:
    """A moment as an export's cell: '03-12-2026 14.05' in WIB (a stored time without a zone is UTC), or ''."""
    if at is None:
        return ""
    return (at.replace(tzinfo=UTC) if at.tzinfo is None else at).astimezone(WIB).strftime("%d-%m-%Y %H.%M")


def csv_text(rows: Iterable[Iterable[Any]]) -> str:
    """The rows as CSV text, every cell neutralised."""
    out = io.StringIO()
    csv.writer(out).writerows([neutral(value) for value in row] for row in rows)
    return out.getvalue()


def xlsx_bytes(rows: Iterable[Iterable[Any]]) -> bytes:
    """The rows as a one-sheet XLSX in which every cell is text (data type "s")."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    book = Workbook(write_only=True)
    sheet = book.create_sheet()
    for row in rows:
        cells = []
        for value in row:
            text = _text(value)
            cell = WriteOnlyCell(sheet, text)
            cell.data_type = "s"  # after the value: openpyxl guesses "f" for text starting with "="
            if text.startswith(FORMULA_STARTS):
                cell.quotePrefix = True
            cells.append(cell)
        sheet.append(cells)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
