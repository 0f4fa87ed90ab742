"""The staff search box, over reports (reference, names, desa) and the coverage registry (name, or
a full NIK matched exactly through its keyed hash, so no NIK is ever stored or searched in clear)."""
from __future__ import annotations

import re

from services.privacy import NikHasher
from services.references import normalise_reference
from services.wilayah import Wilayah
from storage.reports import TextQuery

__all__ = ["SEARCH_HINT", "nik_digest", "text_query"]

SEARCH_HINT = ("Cari dengan nomor laporan, nama almarhum, pelapor atau ahli waris, nama desa, atau NIK lengkap "
               "(16 angka).")
_SEPARATORS = re.compile(r"[\s.\-]")
_MAX = 80


def nik_digest(text: str, hasher: NikHasher) -> str | None:
    """The keyed hash of `text` if it is a full NIK (16 digits, spaces, dots or dashes ignored)."""
    digits = _SEPARATORS.sub("", text)
    return hasher.digest(digits) if len(digits) == 16 and digits.isdigit() and digits.isascii() else None


def text_query(text: str | None, *, hasher: NikHasher, wilayah: Wilayah) -> TextQuery | None:
    """What the report list matches for the search box's text; None for an empty box."""
    words = " ".join((text or "").split())[:_MAX]
    if len(words) < 2:
        return None
    key = words.lower()
    desa = tuple(p.code for p in wilayah.villages if p.name.lower() == key)
    return TextQuery(words=words, desa_codes=desa, nik_hash=nik_digest(words, hasher),
                     reference=normalise_reference(words) if len(words) <= 16 else None)
