"""Turning what people type into clean text and values: no I/O, no state."""
from __future__ import annotations

import re
import unicodedata
from contextlib import suppress
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Generic, TypeVar

from rapidfuzz import fuzz, process

__all__ = ["MAX_TEXT", "clean", "normalise", "words", "fold", "EARLIEST", "ParseResult", "parse_date", "parse_kk",
           "kk_doubts", "parse_phone", "parse_bank_account", "parse_yes_no", "is_later"]

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


# --- answers in the death-report flow -------------------------------------------------------------
# The four value parsers (`parse_date`, `parse_kk`, `parse_phone`, `parse_bank_account`) return a
# `ParseResult`: `value` when the answer is good, otherwise `error`, a short code the flow turns into
# a re-prompt. Exactly one of the two is None. `digits` is the number of digits seen (0 for dates),
# for messages like "Nomor KK harus 16 angka, yang Anda ketik {digits} angka."

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class ParseResult(Generic[T]):
    """A good value, or why not: `ParseResult(date(2025, 8, 17))`, `ParseResult(None, "short", digits=15)`."""

    value: T | None
    error: str | None = None  # "empty", "unreadable", "impossible", "future", "letters", "short", "long", ...
    digits: int = 0


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


def _is_number(token: str) -> bool:
    return token.isascii() and token.isdigit()


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


_SEPARATORS = re.compile(r"[\s.\-]")


def parse_kk(text: str) -> ParseResult[str]:
    """A Kartu Keluarga number: exactly 16 digits; spaces, dots and dashes between them are fine.
    Only the length is enforced (region and date are checked softly by `kk_doubts`). Errors:
    "empty", "letters", "short", "long", with `digits` the number of digits typed."""
    return _digit_string(text, 16, 16, short="short", long="long")


def kk_doubts(kk: str, *, regency: str = "1602") -> tuple[str, ...]:
    """What looks odd in a 16-digit KK number, for staff to check; never a reason to refuse it.
    "region": not issued in `regency` (1602 is OKI); "date": digits 7-12 are not a DDMMYY date."""
    doubts = () if kk.startswith(regency) else ("region",)
    try:
        date(2000 + int(kk[10:12]), int(kk[8:10]), int(kk[6:8]))
    except ValueError:
        doubts += ("date",)
    return doubts


def parse_bank_account(text: str) -> ParseResult[str]:
    """A bank account number: 6 to 20 digits, kept as typed (leading zeros too); spaces, dots and
    dashes between them are fine. Errors: "empty", "letters", "length", with `digits`."""
    return _digit_string(text, 6, 20, short="length", long="length")


def _digit_string(text: str, low: int, high: int, *, short: str, long: str) -> ParseResult[str]:
    compact = _SEPARATORS.sub("", clean(text))
    if not compact:
        return ParseResult(None, "empty")
    if not _is_number(compact):
        return ParseResult(None, "letters", sum(c.isdigit() for c in compact))
    if not low <= len(compact) <= high:
        return ParseResult(None, short if len(compact) < low else long, len(compact))
    return ParseResult(compact, digits=len(compact))


_PHONE_SEPARATORS = re.compile(r"[\s.\-()]|^(?:whatsapp|tel):", re.IGNORECASE)
_MOBILE = re.compile(r"8[1-35-9][0-9]{7,10}")  # libphonenumber's Indonesian mobile pattern, after the 0 or 62


def parse_phone(text: str) -> ParseResult[str]:
    """An Indonesian mobile number as E.164 "+628…", from 0812-3456-7890, +62 812 3456 7890, 62812…,
    0062812… or 812…. Errors: "empty", "letters", "not_mobile" (another country, a landline, 0809…
    premium rate), "length" (not 9-12 digits after the 0 or 62); `digits` counts the digits typed."""
    compact = _PHONE_SEPARATORS.sub("", clean(text))
    number = compact.removeprefix("+")
    if not number:
        return ParseResult(None, "empty")
    count = sum(c.isdigit() for c in number)
    if not _is_number(number):
        return ParseResult(None, "letters", count)
    for prefix in ("0062", "62", "0"):
        if number.startswith(prefix):
            number = number[len(prefix):]
            number = number.removeprefix("0") if prefix != "0" else number  # "+62 0812…" keeps the trunk 0
            break
    if number[:1] not in ("", "8") or number[1:2] in ("0", "4"):
        return ParseResult(None, "not_mobile", count)
    if not _MOBILE.fullmatch(number):
        return ParseResult(None, "length", count)
    return ParseResult("+62" + number, digits=count)


def _squeeze(word: str) -> str:
    """"iyaaa" -> "iya", "okee" -> "oke": letters held down are typed once."""
    return re.sub(r"(.)\1+", r"\1", word)


_YES = "ya y iya iyah yes ok oke okey okay setuju betul benar bener sudah udah sdh udh boleh siap sip yup yap baik"
_NO = "tidak tdk tak gak ga gk nggak ngga enggak engga ndak nda no n jangan jgn belum blm blum bukan bkn"
_ANSWERS = {_squeeze(w): True for w in _YES.split()} | {_squeeze(w): False for w in _NO.split()}
_POLITE = frozenset(_squeeze(w) for w in "pak bu bpk ibu bapak min admin kak ka mas mba mbak bang dek om saya aku sih "
                    "deh dong kok lah kah nya sekali memang emang itu terima kasih makasih trims thanks".split())
_EMOJI = {"\U0001f44d": True, "\U0001f44c": True, "\u2705": True, "\U0001f44e": False, "\u274c": False}


def parse_yes_no(text: str) -> bool | None:
    """True for ya/iya/ok/setuju/benar/sudah/boleh…, False for tidak/gak/no/jangan/belum… (and
    "tidak setuju"), None for anything else or both at once. "batal" is a global word, not a no."""
    out: list[bool] = []
    for word in (_squeeze(w) for w in normalise(text).split()):
        if word in _POLITE:
            continue
        answer = _ANSWERS.get(word)
        if answer is None and len(word) >= 4:
            found = process.extractOne(word, [w for w in _ANSWERS if len(w) >= 4], scorer=fuzz.ratio, score_cutoff=80)
            answer = _ANSWERS[found[0]] if found else None
        if answer is None:
            return None
        if not (answer and out and out[-1] is False):  # "tidak setuju", "belum boleh": the negation stands
            out.append(answer)
    if not out:  # no words: a thumbs up?
        marks = {_EMOJI.get(ch) for ch in clean(text) if not ch.isspace() and ch != "\ufe0f"
                 and not "\U0001f3fb" <= ch <= "\U0001f3ff"}
        return marks.pop() if len(marks) == 1 else None
    return out[0] if all(a == out[0] for a in out) else None


_LATER = frozenset(("nanti", "lewati", "skip", "menyusul"))  # one of these, with words from _LATER_TOO only
_LATER_WORDS = {"ntar": "nanti", "entar": "nanti", "ntr": "nanti", "nti": "nanti", "lewat": "lewati",
                "lewatin": "lewati", "lewatkan": "lewati", "lompati": "lewati", "nyusul": "menyusul",
                "susul": "menyusul", "disusulkan": "menyusul", "blm": "belum", "blum": "belum", "pny": "punya",
                "pnya": "punya", "aja": "saja", "aj": "saja", "sj": "saja", "sy": "saya", "dl": "dulu", "dlu": "dulu"}
_LATER_TOO = frozenset(_squeeze(w) for w in "saja dulu deh dong ya pak bu kak min mas mbak saya akan mau kirim dikirim "
                       "kirimkan upload foto dokumen berkas surat file kk ktp akta buku rekening nya belum ada punya "
                       "lagi".split())
_LATER_FUZZY = tuple(w for w in _LATER | _LATER_TOO if len(w) >= 5)


def is_later(text: str) -> bool:
    """Whether the whole message says "I will send it later": nanti (saja/aja), lewati, skip,
    menyusul, belum ada, belum punya, with typos ("nnti", "menyusl") and polite words around them."""
    found = set()
    for word in normalise(text).split():
        word = _squeeze(word[:-3] if len(word) > 6 and word.endswith("nya") else word)
        word = _LATER_WORDS.get(word, word)
        if word not in _LATER and word not in _LATER_TOO:
            match = process.extractOne(word, _LATER_FUZZY, scorer=fuzz.ratio, score_cutoff=80) if len(word) >= 4 \
                else None
            if match is None:
                return False
            word = match[0]
        found.add(word)
    return bool(found & _LATER) or ("belum" in found and bool(found & {"ada", "punya"}))
