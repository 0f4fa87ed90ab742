"""Properties of the parsers behind the flows: NIK, KK, dates, names and places.

Every parser takes any text without raising and answers with a value or a reason; values built
from real data (OKI's region codes, the vendored kecamatan/desa list, real dates) come back as
they went in."""
from __future__ import annotations

import string
from datetime import date, timedelta

from hypothesis import assume, example, given
from hypothesis import strategies as st

from conversations.parsing import EARLIEST, parse_date, parse_kk
from services.names import MATCH_THRESHOLD, name_matches, name_score, normalise_name
from services.nik import check_nik
from services.wilayah import load_wilayah
from tests.fuzz import fuzz_settings

TODAY = date.today()  # check_nik reads the clock itself
WILAYAH = load_wilayah()
OKI_KECAMATAN_DIGITS = sorted(p.code.replace(".", "")[4:6] for p in WILAYAH.kecamatan)  # NIK digits 5-6

# --- text the parsers must survive -------------------------------------------------------------------

_LONG = st.builds(lambda chunk, n: (chunk * (n // len(chunk) + 1))[:n],
                  st.text(min_size=1, max_size=12), st.integers(min_value=200, max_value=10_000))
_EMOJI = st.text(st.characters(min_codepoint=0x1F300, max_codepoint=0x1FAFF) | st.sampled_from("\u200d\ufe0f"),
                 max_size=12)
_SURROGATES = st.lists(st.text(max_size=4) | st.characters(categories=["Cs"]), max_size=6).map("".join)
_DIGITISH = st.text(st.sampled_from(string.digits + " .-/\u0660\u0661\uff11\u00b2"), max_size=30)
ANY_TEXT = st.one_of(st.text(max_size=80), _LONG, _EMOJI, _SURROGATES, _DIGITISH,
                     st.sampled_from(["", " ", "\n\t", "\u200b", "\u3000", "\ufeff", "\u202e1602"]))


def _with_separators(data: st.DataObject, digits: str) -> str:
    """`digits` with spaces, dots or dashes between some of them, as people type numbers."""
    out = []
    for ch in digits:
        out.append(ch)
        out.append(data.draw(st.sampled_from(["", "", "", " ", ".", "-"])))
    return data.draw(st.sampled_from(["", " "])) + "".join(out).strip(" .-") + data.draw(st.sampled_from(["", " "]))


# --- NIK (services/nik.py) --------------------------------------------------------------------------

_ERRORS = {"empty", "letters", "short", "long", "date", "region"}


@fuzz_settings(300)
@given(ANY_TEXT)
def test_nik_any_text_is_a_nik_or_a_reason(text):
    found = check_nik(text)
    assert (found.nik is None) != (found.error is None)
    assert found.error in _ERRORS | {None}
    if found.error in ("short", "long"):
        assert (found.digits < 16) == (found.error == "short") and found.digits != 16


_NEAR_CENTURY = st.sampled_from([(TODAY.year + k) % 100 for k in (-1, 0, 1)] + [0, 99])


@st.composite
def _nik_shaped(draw) -> str:
    """16 digits that get past the region check (OKI or Palembang) with day, month and year anywhere
    near a date, the two-digit year often close to this year (where the century is decided)."""
    region = draw(st.sampled_from(["1602", "1671"]))
    day = draw(st.integers(min_value=0, max_value=75))
    month = draw(st.integers(min_value=0, max_value=13))
    yy = draw(st.integers(min_value=0, max_value=99) | _NEAR_CENTURY)
    return f"{region}{draw(st.sampled_from(OKI_KECAMATAN_DIGITS))}{day:02d}{month:02d}{yy:02d}" \
           f"{draw(st.integers(min_value=0, max_value=9999)):04d}"


@fuzz_settings(500)
@given(st.text(string.digits, min_size=16, max_size=16) | _nik_shaped())
@example(f"1602013112{TODAY.year % 100:02d}0001")  # born 31 December of this year: in the future until then
def test_nik_any_16_digits_is_accepted_with_a_consistent_birth_date_or_refused_with_a_reason(digits):
    found = check_nik(digits)
    if found.nik is None:
        assert found.error in ("date", "region") and found.digits == 16 and found.birth_date is None
        return
    day, month, yy = int(digits[6:8]), int(digits[8:10]), int(digits[10:12])
    born = found.birth_date
    assert found.nik == digits and found.error is None and found.digits == 16
    assert (born.day, born.month, born.year % 100) == (day % 40, month, yy)
    assert found.female == (day > 40)
    # a birth date, so never after today; the century is the one that makes an age under 100
    assert born <= TODAY, f"{digits}: born {born}, after today ({TODAY})"
    assert TODAY.year - born.year <= 100


def _nik_dates() -> st.SearchStrategy[date]:
    """Birth dates whose two-digit year has one reading: 19yy only when 20yy is after this year."""
    return st.dates(min_value=date(1901 + TODAY.year % 100, 1, 1), max_value=TODAY)


@st.composite
def valid_niks(draw) -> tuple[str, date, bool]:
    """(NIK, birth date, female): OKI's region code, a kecamatan of first registration, a real date."""
    born, female = draw(_nik_dates()), draw(st.booleans())
    serial = draw(st.integers(min_value=1, max_value=9999))
    nik = (f"1602{draw(st.sampled_from(OKI_KECAMATAN_DIGITS))}{born.day + (40 if female else 0):02d}"
           f"{born.month:02d}{born.year % 100:02d}{serial:04d}")
    return nik, born, female


@fuzz_settings(300)
@given(valid_niks(), st.data())
def test_nik_built_from_oki_codes_and_a_real_date_is_accepted(built, data):
    nik, born, female = built
    for typed in (nik, _with_separators(data, nik)):
        found = check_nik(typed)
        assert (found.nik, found.birth_date, found.female, found.error) == (nik, born, female, None), typed


@fuzz_settings(400)
@given(valid_niks(), st.integers(min_value=6, max_value=11), st.integers(min_value=1, max_value=9))
def test_nik_one_digit_changed_in_the_date_gives_another_date_or_a_refusal(built, at, shift):
    nik, born, female = built
    changed = nik[:at] + str((int(nik[at]) + shift) % 10) + nik[at + 1:]
    found = check_nik(changed)
    if found.nik is None:
        assert found.error == "date"
    else:  # the day's tens digit may move 15 to 55: the same day, a woman
        assert (found.birth_date, found.female) != (born, female)


# --- KK (conversations/parsing.py parse_kk) ----------------------------------------------------------

@fuzz_settings(300)
@given(ANY_TEXT)
def test_kk_any_text_is_sixteen_digits_or_a_reason(text):
    found = parse_kk(text)
    assert (found.value is None) != (found.error is None)
    assert found.error in (None, "empty", "letters", "short", "long")
    if found.value is not None:
        assert len(found.value) == 16 and found.value.isascii() and found.value.isdigit()


@fuzz_settings(300)
@given(st.text(string.digits, min_size=16, max_size=16), st.data())
def test_kk_sixteen_digits_with_separators_are_accepted_as_typed(digits, data):
    found = parse_kk(_with_separators(data, digits))
    assert (found.value, found.error, found.digits) == (digits, None, 16)


@fuzz_settings(300)
@given(st.text(string.digits, min_size=1, max_size=40).filter(lambda d: len(d) != 16), st.data())
def test_kk_other_lengths_say_how_many_digits_were_typed(digits, data):
    found = parse_kk(_with_separators(data, digits))
    assert (found.value, found.error, found.digits) == (None, "short" if len(digits) < 16 else "long", len(digits))


@fuzz_settings(200)
@given(st.text(string.digits, min_size=16, max_size=16), st.integers(min_value=0, max_value=15),
       st.sampled_from(string.ascii_letters + "O"))
def test_kk_a_letter_among_the_digits_is_refused(digits, at, letter):
    found = parse_kk(digits[:at] + letter + digits[at + 1:])
    assert (found.value, found.error, found.digits) == (None, "letters", 15)


# --- dates (conversations/parsing.py parse_date) -----------------------------------------------------

_MONTHS_ID = ("januari", "februari", "maret", "april", "mei", "juni", "juli", "agustus", "september", "oktober",
              "november", "desember")
_CASES = (str.lower, str.upper, str.title)
_BEFORE = ("", "tgl ", "tanggal ", "meninggal ", "wafat pada tanggal ", "hari Senin ", "meninggal dunia tgl ")
_AFTER = ("", " jam 10.30", " pukul 14:05", " pagi", " sekitar jam 3 sore", " WIB")
_TODAYS = st.dates(min_value=date(1901, 1, 1), max_value=date(2100, 12, 31))


@st.composite
def _day_on_or_before(draw) -> tuple[date, date]:
    today = draw(_TODAYS)
    return draw(st.dates(min_value=EARLIEST, max_value=today)), today


@fuzz_settings(300)
@given(ANY_TEXT, _TODAYS)
def test_date_any_text_gives_a_day_not_after_today_or_a_reason(text, today):
    found = parse_date(text, today=today)
    assert (found.value is None) != (found.error is None)
    assert found.error in (None, "empty", "unreadable", "impossible", "future")
    if found.value is not None:
        assert EARLIEST <= found.value <= today


@fuzz_settings(300)
@given(_day_on_or_before(), st.sampled_from("/-. "), st.sampled_from(_BEFORE), st.sampled_from(_AFTER))
def test_date_d_m_yyyy_round_trips(pair, sep, before, after):
    day, today = pair
    typed = f"{before}{day.day}{sep}{day.month}{sep}{day.year}{after}"
    found = parse_date(typed, today=today)
    assert (found.value, found.error) == (day, None), typed


@fuzz_settings(300)
@given(_day_on_or_before(), st.sampled_from(_CASES), st.sampled_from(_BEFORE), st.sampled_from(_AFTER))
def test_date_day_indonesian_month_name_year_round_trips(pair, case, before, after):
    day, today = pair
    typed = f"{before}{day.day} {case(_MONTHS_ID[day.month - 1])} {day.year}{after}"
    found = parse_date(typed, today=today)
    assert (found.value, found.error) == (day, None), typed


@fuzz_settings(200)
@given(st.dates(min_value=date(1901, 1, 1), max_value=date(2100, 12, 31)), st.sampled_from(_CASES),
       st.sampled_from(["", "meninggal ", "wafat "]))
def test_date_kemarin_and_hari_ini_are_relative_to_today(today, case, before):
    assert parse_date(before + case("hari ini"), today=today).value == today
    assert parse_date(before + case("kemarin"), today=today).value == today - timedelta(days=1)
    assert parse_date(case("kmrn"), today=today).value == today - timedelta(days=1)
    assert parse_date(case("besok"), today=today).error == "future"


@fuzz_settings(200)
@given(_TODAYS | st.dates(min_value=date(1901, 1, 1), max_value=date(1902, 1, 1)),
       st.integers(min_value=0, max_value=400), st.sampled_from(["hari lalu", "hari yang lalu"]))
def test_date_n_days_ago(today, n, words):
    found = parse_date(f"{n} {words}", today=today)
    if today - timedelta(days=n) >= EARLIEST:
        assert (found.value, found.error) == (today - timedelta(days=n), None)
    else:
        assert (found.value, found.error) == (None, "impossible")


@fuzz_settings(200)
@given(_TODAYS, st.integers(min_value=1, max_value=3000), st.sampled_from([True, False]))
def test_date_a_day_after_today_is_refused_as_future(today, ahead, named):
    day = today + timedelta(days=ahead)
    typed = f"{day.day} {_MONTHS_ID[day.month - 1]} {day.year}" if named else f"{day.day}/{day.month}/{day.year}"
    assert parse_date(typed, today=today).error == "future"


@fuzz_settings(100)
@given(st.sampled_from([(30, 2), (31, 2), (31, 4), (31, 6), (31, 9), (31, 11), (32, 1), (0, 5), (12, 13)]),
       st.integers(min_value=1900, max_value=2026))
def test_date_days_that_do_not_exist_are_impossible(day_month, year):
    day, month = day_month
    assert parse_date(f"{day}/{month}/{year}", today=date(2026, 12, 31)).error in ("impossible", "unreadable")
    assert parse_date(f"{day}-{month}-{year}", today=date(2026, 12, 31)).value is None


# --- names (services/names.py) ----------------------------------------------------------------------

_PARTS = ("Siti", "Aminah", "Ahmad", "Fauzi", "Rahman", "Muhammad", "Yusuf", "Nur", "Aini", "Budi", "Santoso",
          "Dewi", "Lestari", "Hermawan", "Hernawan", "Rahmawati", "Sanusi", "Putri", "Putra", "Wahyudi", "Wahyuni",
          "Joko", "Susilo", "Abdurrahman", "Khadijah", "Rizky", "Fitri", "Rohmat", "Rahmat", "Hasan", "Hasanah",
          "Sri", "Made", "Abdul", "Kadir", "Aisyah", "Soejono", "Tjahjo", "Nyimas", "Kemas")
_WORD = st.sampled_from(_PARTS) | st.text(st.sampled_from(string.ascii_lowercase), min_size=3, max_size=12)
_NAME = st.lists(_WORD, min_size=1, max_size=5).map(" ".join)
_INITIALED = st.tuples(st.lists(st.sampled_from(_PARTS), min_size=1, max_size=3),
                       st.sampled_from("ABDFHJKMNRSWY"), st.integers(min_value=0, max_value=3)).map(
    lambda t: " ".join([*t[0][:t[2]], f"{t[1]}.", *t[0][t[2]:]]))


@fuzz_settings(300)
@given(ANY_TEXT, ANY_TEXT)
def test_names_any_two_texts_score_in_range_without_raising(typed, registered):
    score = name_score(typed, registered)
    assert 0 <= score <= 100
    assert name_matches(typed, registered) == (score >= MATCH_THRESHOLD)


@fuzz_settings(300)
@given(ANY_TEXT | _NAME)
def test_names_a_name_with_letters_matches_itself(name):
    if normalise_name(name):
        assert name_score(name, name) == 100
    else:  # emoji, digits: nothing to compare, so never a match
        assert name_score(name, name) == 0


@st.composite
def _respaced(draw, name: str) -> str:
    gaps = [draw(st.sampled_from([" ", "  ", "\t", " \n "])) for _ in name.split()]
    words = [draw(st.sampled_from((str.lower, str.upper, str.title, str.swapcase)))(w) for w in name.split()]
    return draw(st.sampled_from(["", " ", "\n"])) + "".join(w + g for w, g in zip(words, gaps, strict=True))


@fuzz_settings(300)
@given(_NAME | _INITIALED, _NAME | _INITIALED, st.data())
def test_names_case_and_whitespace_do_not_change_the_score(typed, registered, data):
    expected = name_score(typed, registered)
    assert name_score(data.draw(_respaced(typed)), registered) == expected
    assert name_score(typed, data.draw(_respaced(registered))) == expected


@fuzz_settings(400)
@given(_NAME | _INITIALED, _NAME | _INITIALED)
def test_names_matching_is_symmetric_for_names_of_the_same_length(a, b):
    assert (name_score(a, b) == 100) == (name_score(b, a) == 100)
    if len(normalise_name(a)) == len(normalise_name(b)):
        assert name_matches(a, b) == name_matches(b, a), (name_score(a, b), name_score(b, a))


# --- places (services/wilayah.py) -------------------------------------------------------------------

_KECAMATAN = st.sampled_from(WILAYAH.kecamatan)
_VILLAGE = st.sampled_from(WILAYAH.villages)
_PREFIXES = {"kecamatan": ("", "Kecamatan ", "kec. ", "KEC "), "village": ("", "Desa ", "desa ", "Kelurahan ", "ds. ")}


@st.composite
def _typed(draw, name: str, prefixes: tuple[str, ...]) -> str:
    case = draw(st.sampled_from((str.lower, str.upper, str.title, str.swapcase, lambda s: s)))
    pad = st.sampled_from(["", " ", "  "])
    return draw(pad) + draw(st.sampled_from(prefixes)) + case(name) + draw(pad)


@fuzz_settings(300)
@given(_KECAMATAN, st.data())
def test_places_every_kecamatan_matches_itself_in_any_case(kecamatan, data):
    typed = data.draw(_typed(kecamatan.name, _PREFIXES["kecamatan"]))
    assert WILAYAH.match_kecamatan(typed).place == kecamatan, typed
    assert WILAYAH.match_kecamatan(kecamatan.code).place == kecamatan


@fuzz_settings(400)
@given(_VILLAGE, st.data())
def test_places_every_desa_matches_itself_in_its_kecamatan_in_any_case(village, data):
    typed = data.draw(_typed(village.name, _PREFIXES["village"]))
    assert WILAYAH.match_desa(village.parent_code, typed).place == village, typed
    assert WILAYAH.match_desa(village.parent_code, village.code).place == village


def _one_dropped(name: str) -> list[str]:
    return sorted({name[:i] + name[i + 1:] for i in range(len(name)) if not name[i].isspace()})


def _official(text: str, places) -> object | None:
    """The place whose name this text is, ignoring case and spacing (a dropped letter can make
    another real name: "Pedamaran VI" without its I is Pedamaran V)."""
    words = " ".join(text.lower().split())
    return next((p for p in places if " ".join(p.name.lower().split()) == words), None)


def _check_typo(found, place, typo: str, siblings) -> str | None:
    """Why the match for a one-letter typo of `place` is wrong, or None: it must be the place, or
    the other real place the typo spells, or (several names close to it) an offer that includes it."""
    other = _official(typo, siblings)
    if other is not None and other != place:
        return None if found.place == other else f"{typo!r} is {other.name!r}, matched {found.place}"
    if found.place == place:
        return None
    if found.place is None and place in found.candidates and len(found.candidates) >= 2:
        return None
    got = found.place.name if found.place else [c.name for c in found.candidates]
    return f"{typo!r} (typo of {place.name!r}) -> {got!r}"


def test_places_a_kecamatan_with_one_letter_dropped_still_matches():
    """All of them, not a sample: the list is small."""
    wrong = [why for k in WILAYAH.kecamatan if len(k.name) > 6 for typo in _one_dropped(k.name)
             if (why := _check_typo(WILAYAH.match_kecamatan(typo), k, typo, WILAYAH.kecamatan))]
    assert not wrong, "\n".join(wrong)


def test_places_a_desa_with_one_letter_dropped_still_matches_or_is_offered():
    wrong = []
    for village in WILAYAH.villages:
        siblings = [v for v in WILAYAH.villages if v.parent_code == village.parent_code]
        for typo in _one_dropped(village.name) if len(village.name) > 6 else ():
            if why := _check_typo(WILAYAH.match_desa(village.parent_code, typo), village, typo, siblings):
                wrong.append(f"{village.parent_code}: {why}")
    assert not wrong, "\n".join(wrong)


_CODES = st.sampled_from([p.code for p in WILAYAH.kecamatan]) | st.text(max_size=12) | st.just("16.02.99")


@fuzz_settings(300)
@given(ANY_TEXT, _CODES)
def test_places_random_text_never_raises_and_offers_only_real_places(text, kecamatan_code):
    kec = WILAYAH.match_kecamatan(text)
    assert len(kec.candidates) <= 3 and not (kec.place and kec.candidates)
    assert all(p.level == "kecamatan" for p in (kec.place, *kec.candidates) if p)
    desa = WILAYAH.match_desa(kecamatan_code, text)
    assert len(desa.candidates) <= 3 and not (desa.place and desa.candidates)
    assert all(p.parent_code == kecamatan_code and p.level in ("desa", "kelurahan")
               for p in (desa.place, *desa.candidates) if p)


@fuzz_settings(200)
@given(_VILLAGE, _KECAMATAN)
def test_places_a_desa_code_only_matches_in_its_own_kecamatan(village, kecamatan):
    assume(kecamatan.code != village.parent_code)
    assert WILAYAH.match_desa(kecamatan.code, village.code).place is None
    assert WILAYAH.match_desa(village.parent_code, village.code.replace(".", "")).place == village
