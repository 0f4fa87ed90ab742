"""The vendored wilayah list and typo-tolerant kecamatan matching."""
from __future__ import annotations

from collections import Counter

import pytest

from services.wilayah import load_wilayah

W = load_wilayah()


def test_vendored_list_has_oki_counts():
    levels = Counter(p.level for p in (*W.kecamatan, *W.villages))
    assert levels == {"kecamatan": 18, "desa": 314, "kelurahan": 13}
    assert all(v.parent_code in {k.code for k in W.kecamatan} for v in W.villages)


@pytest.mark.parametrize("typed,name", [
    ("Kayu Agung", "Kayu Agung"), ("kayuagung", "Kayu Agung"), ("KEC. KAYU AGUNG", "Kayu Agung"),
    ("pedamran", "Pedamaran"), ("Pedamaran Timur", "Pedamaran Timur"), ("mesuji", "Mesuji"),
    ("mesuji mkmur", "Mesuji Makmur"), ("tulung", "Tulung Selapan"), ("air sugihan", "Air Sugihan"),
    ("sungai menang", "Sungai Menang"), ("SPP", "Sirah Pulau Padang"), ("16.02.05", "Kayu Agung"),
    ("pangkalan lampam", "Pangkalan Lampam"), ("lempuing", "Lempuing"), ("teluk gelam", "Teluk Gelam"),
    ("cengal", "Cengal"), ("jejawi", "Jejawi"), ("pampangan", "Pampangan"),
])
def test_kecamatan_matches(typed, name):
    found = W.match_kecamatan(typed)
    assert found.place is not None and found.place.name == name


@pytest.mark.parametrize("typed,offered", [
    ("mesu", {"Mesuji", "Mesuji Makmur", "Mesuji Raya"}),
    ("lempuing jy", {"Lempuing Jaya", "Lempuing"}),
    ("sukadana", {"Kayu Agung"}),  # a kelurahan's name: offer the kecamatan it lies in
])
def test_ambiguous_or_village_names_offer_up_to_three(typed, offered):
    found = W.match_kecamatan(typed)
    assert found.place is None
    assert offered <= {p.name for p in found.candidates} and len(found.candidates) <= 3


@pytest.mark.parametrize("typed", ["Palembang", "xyz", "", "😀", "12345"])
def test_unknown_places_match_nothing(typed):
    found = W.match_kecamatan(typed)
    assert found.place is None and not found.candidates
