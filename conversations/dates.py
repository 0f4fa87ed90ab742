"""Dates of death as people type them: 17-08-2025, 17 Agustus, kemarin sore, tadi pagi, semalam, jumat
lalu, hari senin kemarin, tgl 3 (the latest 3rd).
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
    ago = _spoken_day(tokens, phrase, today)
    if ago is None:
        ago = _DAYS_AGO.get(phrase)
    if ago is None and (m := _N_DAYS_AGO.fullmatch(phrase)):
        ago = int(m.group(1))
    if ago is not None:
        if ago < 0:
            return ParseResult(None, "future")
        return ParseResult(today - timedelta(days=ago)) if today - EARLIEST >= timedelta(days=ago) else \
            ParseResult(None, "impossible")
    kept = [t for t in tokens if t not in _DATE_FILLER and t not in _RELATIVE]
    if len(kept) == 1 and _is_number(kept[0]) and len(kept[0]) <= 2 and len(kept) < len(tokens):
        kept.append(_LATEST_MONTH)  # "tgl 3", "tanggal 3 kemarin": the latest 3rd
    parts = _date_parts(kept)
    if parts is None:
        return ParseResult(None, "unreadable")
    return _build_date(*parts, today=today)


_WEEKDAYS = {"senin": 0, "selasa": 1, "rabu": 2, "kamis": 3, "jumat": 4, "jum": 4, "jumaat": 4, "sabtu": 5,
             "minggu": 6, "ahad": 6}
_RELATIVE = frozenset("lalu kemarin kemaren kmrn yang yg ini baru kemarinnya tadi".split())
_LAST_NIGHT = frozenset(("semalam", "semalem", "tadimalam"))
_LATEST_MONTH = "\x00"  # stands for "the latest month with that day" in `_date_parts`


def _spoken_day(tokens: list[str], phrase: str, today: date) -> int | None:
    """Days ago for "tadi pagi" (today), "tadi malam"/"semalam" (last night: yesterday's date), a
    weekday ("jumat" the latest Friday, today included; "jumat lalu"/"jumat kemarin" before today)."""
    words = set(tokens)
    if words & _LAST_NIGHT or ({"tadi", "malam"} <= words and phrase in ("tadi", "hari tadi")):
        return 1
    if phrase in ("tadi", "hari tadi", "barusan", "baru tadi", "hari ini tadi"):
        return 0
    days = [_WEEKDAYS[t] for t in tokens if t in _WEEKDAYS]
    rest = [t for t in tokens if t not in _WEEKDAYS and t not in _RELATIVE and t not in ("hari", "pagi", "siang",
                                                                                        "sore", "malam", "subuh")]
    if len(days) != 1 or rest or ("minggu" in tokens and "lalu" in tokens and "hari" not in tokens):
        return None  # "minggu lalu" is last week, not a Sunday
    back = (today.weekday() - days[0]) % 7
    return back or (7 if words & {"lalu", "kemarin", "kemaren", "kmrn"} else 0)


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
    if named == [_LATEST_MONTH]:
        return (nums[0], 0, None) if len(nums) == 1 else None
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
    if month == 0:  # the latest month, up to this one, that has that day
        for back in range(12):
            m, y = (today.month - back - 1) % 12 + 1, today.year - (1 if today.month - back < 1 else 0)
            with suppress(ValueError):
                if (found := date(y, m, day)) <= today:
                    return ParseResult(found)
        return ParseResult(None, "impossible")
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
