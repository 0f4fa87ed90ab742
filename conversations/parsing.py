"""Turning what people type into values: no I/O, no state. The text helpers live in conversations/text.py
and dates in conversations/dates.py; both are re-exported here, where the flows import them from."""
from __future__ import annotations

import re
from datetime import date

from rapidfuzz import fuzz, process

from conversations.dates import EARLIEST, parse_date
from conversations.text import MAX_TEXT, ParseResult, clean, fold, normalise, words
from conversations.text import is_number as _is_number
from conversations.text import squeeze as _squeeze
from services.digits import PHONE_GROUP, number_among_words

__all__ = ["MAX_TEXT", "clean", "normalise", "words", "fold", "EARLIEST", "ParseResult", "parse_date", "parse_kk",
           "kk_doubts", "parse_phone", "parse_bank_account", "parse_yes_no", "is_later"]

# The value parsers (`parse_date`, `parse_kk`, `parse_phone`, `parse_bank_account`) return a
# `ParseResult`: `value` when the answer is good, otherwise `error`, a short code the flow turns into
# a re-prompt. Exactly one of the two is None. `digits` is the number of digits seen (0 for dates),
# for messages like "Nomor KK harus 16 angka, yang Anda ketik {digits} angka."

_SEPARATORS = re.compile(r"[\s.\-]")


def parse_kk(text: str) -> ParseResult[str]:
    """A Kartu Keluarga number: exactly 16 digits; spaces, dots and dashes between them are fine, and
    words around it ("no kk 1602 0112 0315 0001"). Only the length is enforced (region and date are
    checked softly by `kk_doubts`). Errors:
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
    dashes between them are fine, and words around it ("norek 1234567890"). Errors: "empty",
    "letters", "length", with `digits`."""
    return _digit_string(text, 6, 20, short="length", long="length")


def _digit_string(text: str, low: int, high: int, *, short: str, long: str) -> ParseResult[str]:
    text = clean(text)
    if any(c.isalpha() for c in text):  # words around the number: the one number in the text
        found = number_among_words(text, range(low, high + 1))
        if found.number is None:
            return ParseResult(None, found.error, found.digits)
        text = found.number
    compact = _SEPARATORS.sub("", text)
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
    premium rate), "length" (not 9-12 digits after the 0 or 62); `digits` counts the digits typed.
    Words around the number are fine: "hp 0812-3456-7890", "no wa saya 0812 3456 7890"."""
    text = clean(text)
    if any(c.isalpha() for c in text.removeprefix("whatsapp:").removeprefix("tel:")):
        found = number_among_words(text, range(9, 16), PHONE_GROUP)
        if found.number is None:
            return ParseResult(None, found.error, found.digits)
        text = found.number
    compact = _PHONE_SEPARATORS.sub("", text)
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


# one of these, with words from _LATER_TOO only; "belum"/"kalau" with one of _NOT_YET, "masih" with _IN_WORK
# (all compared squeezed: "tunggu" is "tungu")
_LATER = frozenset(_squeeze(w) for w in "nanti lewati skip menyusul besok lusa setelah sesudah belakangan tunggu "
                   "menunggu diproses proses diurus depan".split())
_NOT_YET = frozenset(_squeeze(w) for w in "ada punya jadi selesai keluar siap sempat bisa lengkap dapat".split())
_IN_WORK = frozenset(_squeeze(w) for w in "dibuat dicetak diurus diproses proses buat bikin dibikin".split())
_LATER_WORDS = {"ntar": "nanti", "entar": "nanti", "ntr": "nanti", "nti": "nanti", "lewat": "lewati",
                "lewatin": "lewati", "lewatkan": "lewati", "lompati": "lewati", "nyusul": "menyusul",
                "susul": "menyusul", "disusulkan": "menyusul", "blm": "belum", "blum": "belum", "pny": "punya",
                "pnya": "punya", "aja": "saja", "aj": "saja", "sj": "saja", "sy": "saya", "dl": "dulu", "dlu": "dulu",
                "bsk": "besok", "besuk": "besok", "stlh": "setelah", "sdh": "sudah", "udh": "sudah", "udah": "sudah",
                "nunggu": "tunggu", "tunggu2": "tunggu", "ngurus": "diurus", "urus": "diurus", "lg": "lagi",
                "klo": "kalau", "kalo": "kalau", "kl": "kalau", "jd": "jadi", "kapan2": "belakangan", "kpn": "kapan",
                "sempet": "sempat", "dapet": "dapat", "capil": "dukcapil", "disdukcapil": "dukcapil"}
_LATER_WORDS = {_squeeze(k): _squeeze(v) for k, v in _LATER_WORDS.items()}
_LATER_TOO = frozenset(_squeeze(w) for w in "saja dulu deh dong ya pak bu kak min mas mbak saya akan mau kirim dikirim "
                       "kirimkan upload foto dokumen berkas surat file kk ktp akta buku rekening nya belum ada punya "
                       "lagi kalau jadi sudah selesai keluar siap hari minggu pagi nanti kapan kapan2 masih sedang "
                       "lagi dari ke di kantor desa kelurahan dukcapil kades lurah kepala ambil diambil dicetak "
                       "dibuat bikin buat sempat bisa lengkap dapat waktu ini itu yang aku kami tabungan sktm "
                       "kematian surat2 datanya nomor norek bank ahli waris kartu keluarga oleh".split())
_LATER_FUZZY = tuple(w for w in _LATER | _LATER_TOO if len(w) >= 5)


def is_later(text: str) -> bool:
    """Whether the whole message says "I will send it later": nanti (saja/aja), lewati, skip,
    menyusul, besok saya kirim, setelah jadi, masih diurus di desa, belum ada/punya/jadi, with typos
    ("nnti", "menyusl") and polite words around them."""
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
    return bool(found & _LATER) or (bool(found & {"belum", "kalau"}) and bool(found & _NOT_YET)) or \
        ("masih" in found and bool(found & _IN_WORK))
