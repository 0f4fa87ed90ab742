"""Bank names as staff and the accountant expect them: what a family typed ("bank sumsel", "bri",
"Mandiri") becomes the bank's usual name from a list of banks common in Sumatera Selatan; a name not
on the list is kept as typed (tidied), never refused."""
from __future__ import annotations

import re

__all__ = ["BANKS", "normalise_bank"]

# usual name -> what people write for it (lower case, without "bank" and punctuation)
BANKS = {
    "BRI": ("bri", "rakyat indonesia", "bank rakyat indonesia", "britama", "simpedes"),
    "BNI": ("bni", "negara indonesia", "bni 46"),
    "Bank Mandiri": ("mandiri",),
    "BCA": ("bca", "central asia"),
    "BSI": ("bsi", "syariah indonesia", "bank syariah indonesia"),
    "BTN": ("btn", "tabungan negara"),
    "Bank Sumsel Babel": ("sumsel", "sumsel babel", "sumselbabel", "bpd sumsel", "sumatera selatan",
                          "sumsel babel syariah"),
    "CIMB Niaga": ("cimb", "cimb niaga", "niaga"),
    "Bank Danamon": ("danamon",),
    "Bank Permata": ("permata",),
    "BTPN / Jenius": ("btpn", "jenius"),
    "Bank Jago": ("jago",),
    "SeaBank": ("seabank", "sea bank", "sea"),
    "Bank Muamalat": ("muamalat",),
}
_ALIASES = {alias: name for name, aliases in BANKS.items() for alias in aliases}
_NOISE = re.compile(r"[^a-z0-9 ]+")


def _key(text: str) -> str:
    words = _NOISE.sub(" ", text.lower()).split()
    for prefix in ("pt", "bank"):
        if len(words) > 1 and words[0] == prefix:
            words = words[1:]
    return " ".join(words)


def normalise_bank(text: str | None) -> str | None:
    """The bank's usual name, or the text tidied (spaces) when it is not on the list."""
    if text is None or not text.strip():
        return None
    return _ALIASES.get(_key(text), " ".join(text.split()))
