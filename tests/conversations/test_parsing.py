"""Parsing the answers of the death-report flow: dates, KK, phone and account numbers, yes/no, "later".

Every value parser returns a `ParseResult(value, error, digits)`; exactly one of value and error is None."""
from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from conversations.parsing import (
    ParseResult,
    is_later,
    kk_doubts,
    parse_bank_account,
    parse_date,
    parse_kk,
    parse_phone,
    parse_yes_no,
)

TODAY = date(2025, 9, 10)  # a Wednesday

MONTH_NAMES = (
    ("januari", "Januari", "january", "jan", "Jan"), ("februari", "pebruari", "February", "feb", "peb"),
    ("maret", "MARET", "march", "mar", "mrt"), ("april", "April", "apr"), ("mei", "Mei", "may"),
    ("juni", "june", "jun"), ("juli", "july", "jul"), ("agustus", "August", "agu", "agt", "ags", "aug"),
    ("september", "sep", "sept", "Sept"), ("oktober", "october", "okt", "oct"),
    ("november", "nopember", "nov", "nop"), ("desember", "december", "des", "dec"),
)


def _ok(value):
    return ParseResult(value, None, 0)


def _no(error):
    return ParseResult(None, error, 0)


@pytest.mark.parametrize("typed,expected", [
    # numbers, day first
    ("17-08-2025", _ok(date(2025, 8, 17))),
    ("17/8/25", _ok(date(2025, 8, 17))),
    ("17.08.2025", _ok(date(2025, 8, 17))),
    ("2025-08-17", _ok(date(2025, 8, 17))),
    ("03/04/2025", _ok(date(2025, 4, 3))),
    ("17 08 2025", _ok(date(2025, 8, 17))),
    ("17/8", _ok(date(2025, 8, 17))),
    # month names, abbreviations, typos
    ("17 agustus 2025", _ok(date(2025, 8, 17))),
    ("17 Agustus 2025", _ok(date(2025, 8, 17))),
    ("17 agt 2025", _ok(date(2025, 8, 17))),
    ("17 ags 2025", _ok(date(2025, 8, 17))),
    ("17-Aug-2025", _ok(date(2025, 8, 17))),
    ("Aug 17, 2025", _ok(date(2025, 8, 17))),
    ("1 pebruari 2025", _ok(date(2025, 2, 1))),
    ("5 mrt 2024", _ok(date(2024, 3, 5))),
    ("9 nop 2024", _ok(date(2024, 11, 9))),
    ("25 dec 2024", _ok(date(2024, 12, 25))),
    ("2 sept 2025", _ok(date(2025, 9, 2))),
    ("17 agustud 2025", _ok(date(2025, 8, 17))),
    ("5 septembr 2025", _ok(date(2025, 9, 5))),
    ("12 desembet 2024", _ok(date(2024, 12, 12))),
    ("3 febuari 2025", _ok(date(2025, 2, 3))),
    ("17 agust 2025", _ok(date(2025, 8, 17))),
    # words around the date
    ("tgl 17 agustus 2025", _ok(date(2025, 8, 17))),
    ("Minggu, 17 Agustus 2025", _ok(date(2025, 8, 17))),
    ("Jum'at 5 sept 2025 pukul 14.30 WIB", _ok(date(2025, 9, 5))),
    ("meninggal tanggal 17-08-2025", _ok(date(2025, 8, 17))),
    # two-digit years: 20yy unless more than a year ahead
    ("1/1/70", _ok(date(1970, 1, 1))),
    ("17 agt 25", _ok(date(2025, 8, 17))),
    ("1/1/27", _ok(date(1927, 1, 1))),
    ("1/1/26", _no("future")),
    # no year: the latest such day not after today
    ("17 Agustus", _ok(date(2025, 8, 17))),
    ("10 sep", _ok(date(2025, 9, 10))),
    ("11 september", _ok(date(2024, 9, 11))),
    ("25 desember", _ok(date(2024, 12, 25))),
    ("29 februari", _ok(date(2024, 2, 29))),
    # relative words
    ("hari ini", _ok(TODAY)),
    ("Hari ini", _ok(TODAY)),
    ("sekarang", _ok(TODAY)),
    ("kemarin", _ok(date(2025, 9, 9))),
    ("kmrn", _ok(date(2025, 9, 9))),
    ("kemaren sore", _ok(date(2025, 9, 9))),
    ("kemarin lusa", _ok(date(2025, 9, 8))),
    ("lusa kemarin", _ok(date(2025, 9, 8))),
    ("3 hari lalu", _ok(date(2025, 9, 7))),
    ("3 hari yang lalu", _ok(date(2025, 9, 7))),
    ("10 hr yg lalu", _ok(date(2025, 8, 31))),
    ("dua hari lalu", _ok(date(2025, 9, 8))),
    ("0 hari lalu", _ok(TODAY)),
    # refusals
    ("", _no("empty")),
    ("   ", _no("empty")),
    ("...", _no("empty")),
    ("tidak tahu", _no("unreadable")),
    ("agustus 2025", _no("unreadable")),
    ("17 8 2025 10", _no("unreadable")),
    ("17-08-025", _no("unreadable")),
    ("31-02-2025", _no("impossible")),
    ("04/13/2025", _no("impossible")),  # day first only: there is no 13th month
    ("00-08-2025", _no("impossible")),
    ("30 februari", _no("impossible")),
    ("31 april 2025", _no("impossible")),
    ("17-08-1899", _no("impossible")),
    ("11-09-2025", _no("future")),
    ("17 oktober 2025", _no("future")),
    ("besok", _no("future")),
    ("lusa", _no("future")),
])
def test_parse_date(typed, expected):
    assert parse_date(typed, today=TODAY) == expected


@pytest.mark.parametrize("typed,expected", [
    ("1602012345670001", ParseResult("1602012345670001", None, 16)),
    ("1602 0123 4567 0001", ParseResult("1602012345670001", None, 16)),
    ("1602.0123.4567.0001", ParseResult("1602012345670001", None, 16)),
    ("1602-012345-670001", ParseResult("1602012345670001", None, 16)),
    (" 1602012345670001\n", ParseResult("1602012345670001", None, 16)),
    ("１６０２０１２３４５６７０００１", ParseResult("1602012345670001", None, 16)),  # full-width digits
    ("9999999999999999", ParseResult("9999999999999999", None, 16)),  # region and date are soft checks only
    ("", ParseResult(None, "empty", 0)),
    (" - . ", ParseResult(None, "empty", 0)),
    ("KK 1602012345670001", ParseResult("1602012345670001", None, 16)),  # words around it are fine
    ("no kk 1602 0123 4567 0001 pak", ParseResult("1602012345670001", None, 16)),
    ("no kk 1602 0123 4567 000", ParseResult(None, "short", 15)),
    ("kk 1602012345670001 nik 1602015708850003", ParseResult(None, "letters", 32)),  # which one?
    ("KK1602012345670001", ParseResult(None, "letters", 16)),  # a letter touching a digit
    ("16O2012345670001", ParseResult(None, "letters", 15)),
    ("160201234567000", ParseResult(None, "short", 15)),
    ("1602", ParseResult(None, "short", 4)),
    ("16020123456700011", ParseResult(None, "long", 17)),
])
def test_parse_kk(typed, expected):
    assert parse_kk(typed) == expected


@pytest.mark.parametrize("kk,doubts", [
    ("1602011508200003", ()),
    ("1671011508200003", ("region",)),
    ("1602019999990001", ("date",)),
    ("3171010000000001", ("region", "date")),
])
def test_kk_doubts(kk, doubts):
    assert kk_doubts(kk) == doubts


@pytest.mark.parametrize("typed,expected", [
    ("0812-3456-7890", ParseResult("+6281234567890", None, 12)),
    ("+62 812 3456 7890", ParseResult("+6281234567890", None, 13)),
    ("6281234567890", ParseResult("+6281234567890", None, 13)),
    ("006281234567890", ParseResult("+6281234567890", None, 15)),
    ("81234567890", ParseResult("+6281234567890", None, 11)),
    ("(0812) 3456.7890", ParseResult("+6281234567890", None, 12)),
    ("+62 0812 3456 7890", ParseResult("+6281234567890", None, 14)),
    ("whatsapp:+6285212345678", ParseResult("+6285212345678", None, 13)),
    ("0812345678", ParseResult("+62812345678", None, 10)),  # 9 digits after the 0
    ("0895 1234 56789", ParseResult("+62895123456789", None, 13)),  # 12 digits after the 0
    ("", ParseResult(None, "empty", 0)),
    ("+", ParseResult(None, "empty", 0)),
    ("0812-345-678o", ParseResult(None, "letters", 10)),
    ("hp saya 08123456789", ParseResult("+628123456789", None, 11)),
    ("no wa saya 0812 3456 7890 pak", ParseResult("+6281234567890", None, 12)),
    ("hp 0812-3456-7890", ParseResult("+6281234567890", None, 12)),
    ("wa 0812 3456 7890 atau 0813 1111 2222", ParseResult(None, "letters", 24)),  # which one?
    ("0809 1234 5678", ParseResult(None, "not_mobile", 12)),  # premium rate
    ("0841 2345 6789", ParseResult(None, "not_mobile", 12)),
    ("0711 356789", ParseResult(None, "not_mobile", 10)),  # a Palembang landline
    ("+1 555 123 4567", ParseResult(None, "not_mobile", 11)),
    ("0812 345", ParseResult(None, "length", 7)),
    ("0812 3456 7890 123", ParseResult(None, "length", 15)),
    ("+62", ParseResult(None, "length", 2)),
])
def test_parse_phone(typed, expected):
    assert parse_phone(typed) == expected


@pytest.mark.parametrize("typed,expected", [
    ("1234567890", ParseResult("1234567890", None, 10)),
    ("123-456-7890", ParseResult("1234567890", None, 10)),
    ("1234 5678 90", ParseResult("1234567890", None, 10)),
    ("0001.234.567", ParseResult("0001234567", None, 10)),  # leading zeros are kept
    ("123456", ParseResult("123456", None, 6)),
    ("12345678901234567890", ParseResult("12345678901234567890", None, 20)),
    ("", ParseResult(None, "empty", 0)),
    ("norek 1234567890", ParseResult("1234567890", None, 10)),  # words around it are fine
    ("BRI1234567890", ParseResult(None, "letters", 10)),
    ("12a4567", ParseResult(None, "letters", 6)),
    ("12345", ParseResult(None, "length", 5)),
    ("123456789012345678901", ParseResult(None, "length", 21)),
])
def test_parse_bank_account(typed, expected):
    assert parse_bank_account(typed) == expected


@pytest.mark.parametrize("typed,expected", [
    ("ya", True), ("Y", True), ("YA!!", True), ("iya", True), ("iyaa", True), ("yaa", True), ("iyah", True),
    ("yes", True), ("ok", True), ("Oke.", True), ("setuju", True), ("betul", True), ("benar", True),
    ("sudah", True), ("boleh", True), ("iya betul pak", True), ("Ya, benar sekali bu", True), ("👍", True),
    ("tidak", False), ("tdk", False), ("tdak", False), ("gak", False), ("ga", False), ("nggak", False),
    ("no", False), ("n", False), ("jangan", False), ("belum", False), ("Tidak pak.", False),
    ("tidak setuju", False), ("gak boleh", False),
    ("batal", None), ("", None), ("ya tidak", None), ("ya tapi alamatnya salah", None), ("mungkin", None),
    ("1602012345670001", None),
])
def test_parse_yes_no(typed, expected):
    assert parse_yes_no(typed) is expected


@pytest.mark.parametrize("typed,expected", [
    ("nanti", True), ("Nanti saja", True), ("nanti aja ya pak", True), ("nnti", True), ("ntar", True),
    ("lewati", True), ("lewatin", True), ("skip", True), ("SKIP!", True), ("belum ada", True), ("blm ada", True),
    ("belum punya", True), ("menyusul", True), ("menyusl", True), ("nyusul", True), ("nanti saya kirim fotonya", True),
    ("", False), ("belum", False), ("ada", False), ("tidak", False), ("ya", False), ("batal", False),
    ("nanti malam saya ke kantor desa", False), ("1602012345670001", False),
])
def test_is_later(typed, expected):
    assert is_later(typed) is expected


# --- any text: never an exception, always a value or a reason --------------------------------------

def _one_of(found: ParseResult) -> bool:
    return (found.value is None) != (found.error is None)


@given(st.text(max_size=60))
def test_any_text_gives_a_date_or_a_reason(text):
    found = parse_date(text, today=TODAY)
    assert _one_of(found)
    assert found.error in (None, "empty", "unreadable", "impossible", "future")
    if found.value is not None:
        assert date(1900, 1, 1) <= found.value <= TODAY


@given(st.text(max_size=60))
def test_any_text_gives_a_kk_or_a_reason(text):
    found = parse_kk(text)
    assert _one_of(found)
    if found.value is not None:
        assert len(found.value) == 16 and found.value.isdigit() and found.value.isascii()
        assert set(kk_doubts(found.value)) <= {"region", "date"}


@given(st.text(alphabet="0123456789 .-+()", max_size=30) | st.text(max_size=30))
def test_any_text_gives_a_phone_or_a_reason(text):
    found = parse_phone(text)
    assert _one_of(found)
    if found.value is not None:
        national = found.value.removeprefix("+62")
        assert found.value.startswith("+628") and national.isdigit() and 9 <= len(national) <= 12
        assert national[1] not in "04"


@given(st.text(max_size=40))
def test_any_text_gives_an_account_or_a_reason(text):
    found = parse_bank_account(text)
    assert _one_of(found)
    if found.value is not None:
        assert found.value.isascii() and found.value.isdigit() and 6 <= len(found.value) <= 20


@given(st.text(max_size=60))
def test_yes_no_and_later_never_raise(text):
    assert parse_yes_no(text) in (True, False, None)
    assert is_later(text) in (True, False)


# --- dates typed the usual ways come back as the same day ------------------------------------------

@given(st.dates(min_value=date(1900, 1, 1), max_value=TODAY))
def test_day_month_year_with_dashes(d):
    assert parse_date(d.strftime("%d-%m-%Y"), today=TODAY) == _ok(d)


@given(st.dates(min_value=date(1930, 1, 1), max_value=TODAY))
def test_two_digit_years(d):
    assert parse_date(d.strftime("%d/%m/%y"), today=TODAY) == _ok(d)


@given(st.dates(min_value=date(1900, 1, 1), max_value=TODAY), st.data())
def test_month_names(d, data):
    month_name = data.draw(st.sampled_from(MONTH_NAMES[d.month - 1]))
    assert parse_date(f"{d.day} {month_name} {d.year}", today=TODAY) == _ok(d)


@given(st.dates(min_value=date(1900, 1, 1), max_value=TODAY))
def test_no_year_is_within_the_last_year(d):
    found = parse_date(f"{d.day}/{d.month}", today=TODAY).value
    if (d.month, d.day) != (2, 29):
        assert found is not None and found.replace(year=2000) == d.replace(year=2000)
        assert (TODAY - found).days < 366
