"""The one number in a message with words around it: "NIK saya 1602 0157 0885 0003 pak", "hp 0812-3456-7890".

A number is a run of ASCII digits with separators between them (spaces, dots, dashes; for phones also a
leading + and parentheses). Words around it are fine; a letter touching a digit ("16O2…", "0812o") or a
digit from another script is not, so a mistyped number is never read as a shorter one."""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

__all__ = ["Found", "number_among_words", "PHONE_GROUP", "NUMBER_GROUP"]

NUMBER_GROUP = re.compile(r"[0-9](?:[\s.\-]*[0-9])*")
PHONE_GROUP = re.compile(r"[+(]*[0-9](?:[\s.\-()]*[0-9])*")
_LETTER_TOUCHING_DIGIT = re.compile(r"[^\W\d_][0-9]|[0-9][^\W\d_]")


@dataclass(frozen=True, slots=True)
class Found:
    """`number` as typed (separators kept), or `error`: "empty" (nothing), "letters" (no one number)."""

    number: str | None
    error: str | None = None
    digits: int = 0  # all digits in the text


def number_among_words(text: str, sizes: range, group: re.Pattern[str] = NUMBER_GROUP) -> Found:
    """The one number in `text`: the only group of digits, or the only one whose digit count is in
    `sizes` when there are several ("NIK 1602… tgl 3")."""
    text = unicodedata.normalize("NFKC", text)
    count = sum(c.isdigit() for c in text)
    if any(c.isdigit() and not c.isascii() for c in text) or _LETTER_TOUCHING_DIGIT.search(text):
        return Found(None, "letters", count)
    groups = group.findall(text)
    if not groups:
        return Found(None, "letters" if any(c.isalpha() for c in text) else "empty", count)
    if len(groups) > 1:
        groups = [g for g in groups if sum(c.isdigit() for c in g) in sizes]
    return Found(groups[0].strip(), None, count) if len(groups) == 1 else Found(None, "letters", count)
