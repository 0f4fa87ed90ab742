"""Correcting an earlier answer in a form: "ubah nomor hp", "salah, nama almarhum" names the step to
go back to, by its label, typos tolerated (conversations/engine.py jumps there)."""
from __future__ import annotations

import re

from rapidfuzz import fuzz

from conversations.parsing import normalise
from conversations.steps import Flow

__all__ = ["edit_target"]

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
