"""Bank names typed by families become the names staff and the accountant use (friction 18)."""
from __future__ import annotations

import pytest

from services.banks import normalise_bank


@pytest.mark.parametrize(("typed", "kept"), [
    ("bank sumsel", "Bank Sumsel Babel"), ("Bank Sumsel Babel", "Bank Sumsel Babel"),
    ("BPD Sumsel", "Bank Sumsel Babel"),
    ("bri", "BRI"), ("Bank BRI", "BRI"), ("PT Bank Rakyat Indonesia", "BRI"), ("mandiri", "Bank Mandiri"),
    ("BSI", "BSI"), ("bank  syariah indonesia", "BSI"), ("bca", "BCA"), ("Bank Nagari", "Bank Nagari"),
    ("  koperasi   desa ", "koperasi desa"), ("", None), (None, None),
])
def test_a_typed_bank_name_becomes_its_usual_name(typed, kept):
    assert normalise_bank(typed) == kept
