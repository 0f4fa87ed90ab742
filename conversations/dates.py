"""Dates of death as people type them: 17-08-2025, 17 Agustus, kemarin sore, tadi pagi, jumat lalu, tgl 3.
No I/O; `today` is given."""
from __future__ import annotations

import re
from contextlib import suppress
from datetime import date, timedelta

from rapidfuzz import fuzz, process

from conversations.text import ParseResult, clean, fold
from conversations.text import is_number as _is_number

__all__ = ["EARLIEST", "parse_date"]

EARLIEST = date(1900, 1, 1)  # an earlier date is "impossible": nobody reports a death that old
_MONTHS = (
    ("januari", "january", "jan"), ("februari", "pebruari", "february", "feb", "peb", "pebr"),
    ("maret", "march", "mar", "mrt"), ("april", "apr", "apl"), ("mei", "may"), ("juni", "june", "jun"),
    ("juli", "july", "jul"), ("agustus", "august", "agu", "agt", "ags", "agus", "aug"),
    ("september", "sep", "sept", "spt"), ("oktober", "october", "okt", "oct"),
    ("november", "nopember", "nov", "nop"), ("desember", "december", "des", "dec"),
)
_MONTH_OF = {name: n for n, names in enumerate(_MONTHS, 1) for name in names}
_MONTH_FULL = {name: n for name, n in _MONTH_OF.items() if len(name) >= 5}  # prefixes and typos are matched to these
_DATE_FILLER = frozenset(
    "tanggal tgl tg tangal pada pd hari hr bulan bln tahun thn th meninggal wafat dunia tutup sekitar kira "
    "pagi siang sore malam subuh dini wib wita wit senin selasa rabu kamis jumat sabtu minggu ahad".split())
_DATE_WORDS = {"kmrn": "kemarin", "kmrin": "kemarin", "kemaren": "kemarin", "kmarin": "kemarin", "kmren": "kemarin",
               "skrg": "sekarang", "skrang": "sekarang", "skarang": "sekarang", "yg": "yang", "hr": "hari",
               "sehari": "1 hari", "dua": "2", "tiga": "3", "empat": "4", "lima": "5", "enam": "6", "tujuh": "7",
               "delapan": "8", "sembilan": "9", "sepuluh": "10", "satu": "1"}
_DAYS_AGO = {"hari ini": 0, "ini hari": 0, "sekarang": 0, "kemarin": 1, "kemarin lusa": 2, "lusa kemarin": 2,
             "kemarin dulu": 2, "besok": -1, "lusa": -2, "besok lusa": -2}
_N_DAYS_AGO = re.compile(r"([0-9]{1,4}) hari (?:yang )?(?:lalu|kemarin|sebelumnya)")
_TIME = re.compile(r"(?:\b(?:pukul|pkl|jam|jm)\s*[0-9]{1,2}(?:[.:][0-9]{2})?|\b[0-9]{1,2}:[0-9]{2})\b")
_TOKEN = re.compile(r"[0-9]+|[^\W0-9_]+")


def parse_date(text: str, *, today: date) -> ParseResult[date]:
    """A day on or before `today`, typed the Indonesian way: day first (03/04/2025 is 3 April), a month
    name, or "kemarin", "3 hari lalu". No year: the latest such day not after today. Two-digit years
    are 20yy unless that is more than a year ahead (then 19yy). Errors: "empty", "unreadable",
    "impossible" (31-02-2025, before 1900), "future"."""
    tokens = _TOKEN.findall(_TIME.sub(" ", fold(clean(text)).replace("'", "").replace("\u2019", "")))
    if not tokens:
        return ParseResult(None, "empty")
    phrase = " ".join(w for w in (_DATE_WORDS.get(t, t) for t in tokens) if w not in _DATE_FILLER or w == "hari")
    phrase = " ".join(_fix_word(t, ("kemarin", "sekarang")) for t in phrase.split())
    ago = _DAYS_AGO.get(phrase)
    if ago is None and (m := _N_DAYS_AGO.fullmatch(phrase)):
        ago = int(m.group(1))
    if ago is not None:
        if ago < 0:
            return ParseResult(None, "future")
        return ParseResult(today - timedelta(days=ago)) if today - EARLIEST >= timedelta(days=ago) else \
            ParseResult(None, "impossible")
    parts = _date_parts([t for t in tokens if t not in _DATE_FILLER])
    if parts is None:
        return ParseResult(None, "unreadable")
    return _build_date(*parts, today=today)


def _fix_word(token: str, choices: tuple[str, ...]) -> str:
    """`token`, or the one of `choices` it is a typo of (long words only: short ones collide)."""
    if len(token) < 5 or token in choices:
        return token
    found = process.extractOne(token, choices, scorer=fuzz.ratio, score_cutoff=80)
    return found[0] if found else token


def _month(token: str) -> int | None:
    """The month a word names: a known spelling, the start of a name ("agust", "novem") or a typo."""
    if token in _MONTH_OF:
        return _MONTH_OF[token]
    if len(token) >= 3 and len(found := {n for name, n in _MONTH_FULL.items() if name.startswith(token)}) == 1:
        return found.pop()
    if len(token) < 5:
        return None
    best: dict[int, float] = {}
    for name, n in _MONTH_FULL.items():
        best[n] = max(best.get(n, 0.0), fuzz.ratio(token, name))
    ranked = sorted(best.items(), key=lambda item: -item[1])
    return ranked[0][0] if ranked[0][1] >= 80 and ranked[1][1] < ranked[0][1] else None


def _date_parts(tokens: list[str]) -> tuple[str, int, str | None] | None:
    """(day, month, year or None) as typed, from d m y, y m d, d m, d month [y] or month d [y]."""
    nums = [t for t in tokens if _is_number(t)]
    named = [t for t in tokens if not _is_number(t)]
    if len(named) > 1:
        return None
    if named:
        month, at = _month(named[0]), tokens.index(named[0])
        if month is None or at > 1 or not 1 <= len(nums) <= 2:
            return None
    else:
        if len(nums) == 3 and len(nums[0]) == 4:
            nums.reverse()
        if len(nums) not in (2, 3) or len(nums[1]) > 2:
            return None
        month = int(nums.pop(1))
    day, year = nums[0], (nums[1] if len(nums) == 2 else None)
    if len(day) > 2 or (year is not None and len(year) not in (2, 4)):
        return None
    return day, month, year



def _build_date(day_text: str, month: int, year_text: str | None, *, today: date) -> ParseResult[date]:
    day = int(day_text)
    try:
        date(2000, month, day)  # a leap year: is there ever such a day?
    except ValueError:
        return ParseResult(None, "impossible")
    if year_text is None:
        for year in range(today.year, today.year - 9, -1):
            with suppress(ValueError):
                if (found := date(year, month, day)) <= today:
                    return ParseResult(found)
        return ParseResult(None, "impossible")
    year = int(year_text)
    if len(year_text) == 2:
        year += today.year // 100 * 100
        year -= 100 if year > today.year + 1 else 0
    try:
        found = date(year, month, day)
    except ValueError:
        return ParseResult(None, "impossible")
    if found < EARLIEST:
        return ParseResult(None, "impossible")
    return ParseResult(None, "future") if found > today else ParseResult(found)
