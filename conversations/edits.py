"""Correcting an earlier answer in a form: "ubah nomor hp", "salah, nama almarhum" names the step to
go back to, by its label, typos tolerated (conversations/engine.py jumps there); KEMBALI shows the
answer of the step it returns to (`shown`)."""
from __future__ import annotations

import re

from rapidfuzz import fuzz

from conversations.model import Choice
from conversations.parsing import normalise
from conversations.steps import Flow

__all__ = ["edit_target", "shown"]

_EDIT = re.compile(r"(?:ubah|ganti|salah|koreksi|perbaiki)\b\s*(.+)")


def edit_target(flow: Flow, text: str) -> str | None:
    """The step "ubah nomor hp" / "salah, nama almarhum" names: by its label, typos tolerated."""
    match = _EDIT.fullmatch(normalise(text))
    if match is None:
        return None
    said = match[1].removeprefix("nya ").strip()
    scored = [(fuzz.token_set_ratio(said, normalise(s.label)), s.id) for s in flow.steps if s.label]
    best = max(scored, default=(0, None))
    return best[1] if best[0] >= 85 else None


_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
_PLACE = re.compile(r"16\.02\.[\d.]+")


def shown(value: object, choices: tuple[Choice, ...], place_name) -> str | None:
    """An earlier answer as the citizen may see it again: a choice by its label, a place by its name,
    a date as 17-08-2025, a long number (NIK, KK, phone, account) only by its last four digits;
    None for what is not text."""
    if not isinstance(value, str) or not value:
        return None
    label = next((c.label for c in choices if c.id == value), None)
    if label or _PLACE.fullmatch(value):
        return label or place_name(value)
    if date := _DATE.fullmatch(value):
        return f"{date[3]}-{date[2]}-{date[1]}"
    return f"…{value[-4:]}" if sum(ch.isdigit() for ch in value) >= 6 else value[:80]
