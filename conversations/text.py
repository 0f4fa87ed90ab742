"""Turning what people type into clean text: no I/O, no state. `ParseResult` is what every answer
parser returns (conversations/parsing.py, dates.py, answers_parsing.py)."""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Generic, TypeVar

__all__ = ["MAX_TEXT", "ABBREVIATIONS", "clean", "normalise", "words", "fold", "ParseResult", "squeeze", "is_number"]

MAX_TEXT = 1000  # longer messages are answered kindly and change nothing

# Common chat abbreviations and misspellings in Indonesian, mapped to the full word.
ABBREVIATIONS = {
    "sy": "saya", "sya": "saya", "aq": "aku", "yg": "yang", "dgn": "dengan", "utk": "untuk",
    "dr": "dari", "sdh": "sudah", "udh": "sudah", "udah": "sudah", "blm": "belum", "blum": "belum",
    "gk": "tidak", "ga": "tidak", "gak": "tidak", "nggak": "tidak", "ngga": "tidak", "enggak": "tidak",
    "tdk": "tidak", "tak": "tidak", "jgn": "jangan", "lg": "lagi", "gmn": "bagaimana",
    "gimana": "bagaimana", "brp": "berapa", "kmrn": "kemarin", "mn": "mana", "dmn": "dimana",
    "sampe": "sampai", "smp": "sampai", "sm": "sama", "pake": "pakai", "msh": "masih", "dpt": "dapat",
    "jd": "jadi", "trbaru": "terbaru", "trdaftar": "terdaftar", "slmt": "selamat", "mlm": "malam",
    "mo": "mau", "pengen": "mau", "pgn": "mau", "ingin": "mau", "no": "nomor", "nmr": "nomor",
    "bpsj": "bpjs", "bpj": "bpjs", "tk": "ketenagakerjaan", "naker": "ketenagakerjaan",
    "ass": "assalamualaikum", "askum": "assalamualaikum", "assalamu'alaikum": "assalamualaikum",
    "kec": "kecamatan", "kab": "kabupaten", "info2": "info", "infonya": "info",
    # Palembang Malay and chat slang
    "galak": "mau", "nak": "mau", "bicaro": "bicara", "samo": "sama", "wong": "orang", "omong": "ngomong",
    "telpon": "telepon", "tlp": "telepon", "telp": "telepon", "ptgs": "petugas", "staff": "staf",
}

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
    """Lower-case words with chat abbreviations expanded and a trailing -nya dropped."""
    out = []
    for w in _WORD.findall(fold(text)):
        w = ABBREVIATIONS.get(w, w)
        if len(w) > 6 and w.endswith("nya"):
            w = w[:-3]
        out.append(w)
    return out


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

