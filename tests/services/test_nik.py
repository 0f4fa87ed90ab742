"""NIK parsing: what citizens type, and why a NIK is refused."""
from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.nik import check_nik


@pytest.mark.parametrize("typed", ["1602015708850003", "1602 0157 0885 0003", "1602.0157.0885.0003",
                                   "1602-015708-850003", " 1602015708850003 "])
def test_separators_are_accepted(typed):
    found = check_nik(typed)
    assert found.nik == "1602015708850003" and found.birth_date == date(1985, 8, 17) and found.female


@pytest.mark.parametrize("typed,error,digits", [
    ("", "empty", 0), ("160201570885000", "short", 15), ("16020157088500031", "long", 17),
    ("16O2015708850003", "letters", 15), ("1602019908850003", "date", 16), ("1602013102850003", "date", 16),
    ("1602010013850003", "date", 16), ("9902015708850003", "region", 16), ("١٦٠٢٠١٥٧٠٨٨٥٠٠٠٣", "letters", 16),
])
def test_refusals_say_why(typed, error, digits):
    found = check_nik(typed)
    assert (found.nik, found.error, found.digits) == (None, error, digits)


def test_a_nik_from_outside_oki_and_a_young_person():
    assert check_nik("1671014501050001").birth_date == date(2005, 1, 5)  # Palembang, a woman born 2005


@given(st.text(max_size=40))
def test_any_text_gives_a_nik_or_a_reason(text):
    found = check_nik(text)
    assert (found.nik is None) != (found.error is None)
    if found.nik:
        assert len(found.nik) == 16 and found.nik.isdigit() and found.birth_date is not None
