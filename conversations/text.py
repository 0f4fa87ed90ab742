"""Turning what people type into clean text: no I/O, no state. `ParseResult` is what every answer
parser returns (conversations/parsing.py, dates.py, answers_parsing.py)."""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Generic, TypeVar

from services.slang import ABBREVIATIONS, standard_words

__all__ = ["MAX_TEXT", "ABBREVIATIONS", "clean", "normalise", "words", "fold", "ParseResult", "squeeze", "is_number"]

MAX_TEXT = 1000  # longer messages are answered kindly and change nothing


_CONTROL = {"Cc", "Cf", "Co", "Cs", "Cn"}
_SPACE = re.compile(r"\s+")
_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")


def clean(text: str) -> str:
    """NFKC, no control or bidi characters, single spaces, trimmed. Newlines become spaces."""
    text = unicodedata.normalize("NFKC", text)
    text = "".join(" " if ch in "\n\r\t" else ch for ch in text if unicodedata.category(ch) not in _CONTROL
                   or ch in "\n\r\t")
    return _SPACE.sub(" ", text).strip()


def fold(text: str) -> str:
    """Lower case without accents, for comparing names."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def words(text: str) -> list[str]:
    """Lower-case words with chat abbreviations and slang expanded (services/slang.py, the table
    the knowledge base's retrieval reads too) and a trailing -nya dropped."""
    return standard_words(_WORD.findall(fold(text)))


def normalise(text: str) -> str:
    """The words of `text` joined by single spaces: what whole-message words are compared with."""
    return " ".join(_WORD.findall(fold(clean(text))))


# --- what the answer parsers return -----------------------------------------------------------------

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class ParseResult(Generic[T]):
    """A good value, or why not: `ParseResult(date(2025, 8, 17))`, `ParseResult(None, "short", digits=15)`."""

    value: T | None
    error: str | None = None  # "empty", "unreadable", "impossible", "future", "letters", "short", "long", ...
    digits: int = 0


def is_number(token: str) -> bool:
    """ASCII digits only (str.isdigit also takes "²" and Arabic-Indic digits)."""
    return token.isascii() and token.isdigit()


def squeeze(word: str) -> str:
    """"iyaaa" -> "iya", "okee" -> "oke": letters held down are typed once."""
    return re.sub(r"(.)\1+", r"\1", word)

