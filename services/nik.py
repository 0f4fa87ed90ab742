"""NIK (Nomor Induk Kependudukan) validation, with the reason when it is not valid.

16 digits: province and regency (4), kecamatan of first registration (2), birth date DDMMYY with
40 added to the day for women (6), serial (4). python-stdnum's `stdnum.id.nik` knows the
province and regency codes. A NIK from outside OKI is fine: it never changes when people move."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

from stdnum.exceptions import ValidationError
from stdnum.id import nik as stdnum_nik

from services.digits import number_among_words

__all__ = ["NikCheck", "check_nik", "check_nik_in_text", "find_nik"]

_SEPARATORS = re.compile(r"[\s.\-]")


@dataclass(frozen=True, slots=True)
class NikCheck:
    nik: str | None  # the 16 digits when valid
    birth_date: date | None = None
    female: bool | None = None
    # why not: "empty", "letters", "short", "long", "date", "region"; with the digit count for short/long
    error: str | None = None
    digits: int = 0


def check_nik(text: str) -> NikCheck:
    """Accepts digits with spaces, dots or dashes between them."""
    compact = _SEPARATORS.sub("", text)
    if not compact:
        return NikCheck(None, error="empty")
    if not compact.isdigit() or not compact.isascii():
        return NikCheck(None, error="letters", digits=sum(c.isdigit() for c in compact))
    if len(compact) != 16:
        return NikCheck(None, error="short" if len(compact) < 16 else "long", digits=len(compact))
    born = _birth_date(compact)
    if born is None:
        return NikCheck(None, error="date", digits=16)
    if not _known_region(compact[:4]):
        return NikCheck(None, error="region", digits=16)
    return NikCheck(compact, birth_date=born, female=int(compact[6:8]) > 40, digits=16)


def check_nik_in_text(text: str) -> NikCheck:
    """`check_nik` on the one 16-digit number in a message with words around it ("NIK saya
    1602 0157 0885 0003 pak", "nik: 1602.0157.0885.0003"); without letters, just `check_nik`."""
    if not any(c.isalpha() for c in text):
        return check_nik(text)
    found = number_among_words(text, range(16, 17))
    if found.number is None:
        return NikCheck(None, error=found.error, digits=found.digits)
    return check_nik(found.number)


def find_nik(text: str) -> str | None:
    """The valid NIK in `text` when exactly one 16-digit number is there, else None."""
    return check_nik_in_text(text).nik


def _birth_date(nik: str) -> date | None:
    """DDMMYY with 40 added to the day for women; the century that makes an age under 100."""
    day, month, year = int(nik[6:8]), int(nik[8:10]), int(nik[10:12])
    if not (1 <= day <= 31 or 41 <= day <= 71):  # stdnum takes the day modulo 40, so 99 would pass
        return None
    today = date.today()
    for century in (2000, 1900):  # the later century unless that would be a birth in the future
        try:
            born = date(century + year, month, day % 40)
        except ValueError:
            continue
        if born <= today:
            return born
    return None


@lru_cache(maxsize=1024)
def _known_region(prefix: str) -> bool:
    """Whether python-stdnum knows the province and regency code; asked once per prefix (an
    import checks 120,000 NIKs from a handful of regencies)."""
    try:
        stdnum_nik.validate(prefix + "01" + "010190" + "0001")  # this region, a valid date and serial
    except ValidationError:
        return False
    return True
