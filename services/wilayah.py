"""OKI's kecamatan and desa/kelurahan (Kemendagri codes), and typo-tolerant matching of what
people type against them. Data: services/data/oki_wilayah.csv (source in SOURCE.md there)."""
from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from rapidfuzz import fuzz, process

__all__ = ["Place", "PlaceMatch", "Wilayah", "load_wilayah"]

_DATA = Path(__file__).parent / "data" / "oki_wilayah.csv"
_PREFIX = re.compile(r"^(?:(?:di|dari|dr)\s+)?(kecamatan|kec|kelurahan|kel|desa|ds)\b\.?\s*")
_REGENCY = re.compile(r"[\s,]+(?:kab(?:upaten)?\.?\s*)?(?:oki|ogan komering ilir)\s*$")
_AT = re.compile(r"^(?:di|dari|dr)\s+")
# Short forms of the words in OKI's place names, as people write them
_WORD_ABBREVIATIONS = {"tj": "tanjung", "tg": "tanjung", "sp": "sirah pulau", "tl": "tulung", "sei": "sungai",
                       "sg": "sungai", "sng": "sungai", "pkl": "pangkalan", "pdmrn": "pedamaran", "ds": "desa",
                       "bru": "baru", "tmr": "timur"}
_ARABIC = {"1": "i", "2": "ii", "3": "iii", "4": "iv", "5": "v", "6": "vi", "7": "vii", "8": "viii", "9": "ix"}
_CODE = re.compile(r"^16\.?02\.?(\d{2})(?:\.?(\d{4}))?$")
_SURE, _CLOSE, _GAP = 88.0, 70.0, 6.0
_ALIASES = {"spp": "16.02.08", "oki": None}  # initials people use; "oki" is the whole kabupaten


@dataclass(frozen=True, slots=True)
class Place:
    code: str
    name: str
    level: str  # kecamatan, desa or kelurahan
    parent_code: str


@dataclass(frozen=True, slots=True)
class PlaceMatch:
    """`place` when the answer is clear; otherwise up to three `candidates` to offer (maybe none).
    `guessed`: the place was read from a misspelling or a shortened name, not found as written."""

    place: Place | None
    candidates: tuple[Place, ...] = ()
    guessed: bool = False


_NUMERAL = re.compile(r"\s+(i{1,3}|iv|vi{0,3}|ix|x)\s*$")


def _key(text: str) -> str:
    """Lower case, no 'kecamatan'/'desa' prefix, letters and digits only: 'Kayu Agung' == 'kayuagung'.
    A roman numeral at the end stays apart ('Muara Burnai II' -> 'muaraburnai#ii'), or a letter
    dropped before it would turn one village into its neighbour ('Muara Burna II' == 'Muara Burnai I')."""
    text = _REGENCY.sub("", _AT.sub("", text.strip().lower()))
    text = _PREFIX.sub("", text)
    words = [_WORD_ABBREVIATIONS.get(w, w) for w in re.split(r"[\s.]+", text) if w]
    if len(words) > 1 and words[-1] in _ARABIC:  # "Pedamaran 1" is Pedamaran I
        words[-1] = _ARABIC[words[-1]]
    text = _NUMERAL.sub(r"#\1", " ".join(words))
    return re.sub(r"[^a-z0-9#]", "", text)


class Wilayah:
    def __init__(self, places: list[Place]) -> None:
        self.kecamatan = tuple(p for p in places if p.level == "kecamatan")
        self.villages = tuple(p for p in places if p.level in ("desa", "kelurahan"))
        self._by_code = {p.code: p for p in places}
        self._kec_keys = [_key(p.name) for p in self.kecamatan]
        self._village_keys = [_key(p.name) for p in self.villages]
        self._villages_in: dict[str, tuple[tuple[Place, str], ...]] = {}
        for village, key in zip(self.villages, self._village_keys, strict=True):
            self._villages_in[village.parent_code] = (*self._villages_in.get(village.parent_code, ()), (village, key))

    def get(self, code: str) -> Place | None:
        return self._by_code.get(code)

    def match_kecamatan(self, text: str) -> PlaceMatch:
        """Match typed text to one kecamatan: by code, by name with typos and spacing tolerated,
        and, failing that, by the name of a desa in it."""
        key = _key(text)
        if not key:
            return PlaceMatch(None)
        code = _CODE.match(text.strip())
        if code and not code[2]:
            place = self._by_code.get(f"16.02.{code[1]}")
            return PlaceMatch(place)
        if key in _ALIASES:
            alias = _ALIASES[key]
            return PlaceMatch(self._by_code[alias] if alias else None)
        prefixed = [p for p, k in zip(self.kecamatan, self._kec_keys, strict=True)
                    if len(key) >= 4 and k.startswith(key) and k != key]
        if len(prefixed) == 1 and key not in self._kec_keys:
            return PlaceMatch(prefixed[0], guessed=True)
        found = process.extract(key, self._kec_keys, scorer=fuzz.ratio, limit=3, score_cutoff=_CLOSE)
        if found:
            best = found[0]
            runner_up = found[1][1] if len(found) > 1 else 0.0
            if best[1] == 100 or (best[1] >= _SURE and best[1] - runner_up >= _GAP):
                return PlaceMatch(self.kecamatan[best[2]], guessed=best[1] < 100)
        candidates = list(dict.fromkeys([self.kecamatan[i] for _, _, i in found] + prefixed))
        return PlaceMatch(None, tuple(candidates[:3]) or self._kecamatan_of_village(key))

    def match_desa(self, kecamatan_code: str, text: str) -> PlaceMatch:
        """Match typed text to a desa/kelurahan inside one kecamatan (names repeat across
        kecamatan), by code or by name with typos and spacing tolerated."""
        key = _key(text)
        villages = self._villages_in.get(kecamatan_code, ())
        if not key or not villages:
            return PlaceMatch(None)
        code = _CODE.match(text.strip())
        if code and code[2]:
            place = self._by_code.get(f"16.02.{code[1]}.{code[2]}")
            return PlaceMatch(place if place and place.parent_code == kecamatan_code else None)
        keys = [k for _, k in villages]
        found = process.extract(key, keys, scorer=fuzz.ratio, limit=3, score_cutoff=_CLOSE)
        if found:
            runner_up = found[1][1] if len(found) > 1 else 0.0
            if found[0][1] == 100 or (found[0][1] >= _SURE and found[0][1] - runner_up >= _GAP):
                return PlaceMatch(villages[found[0][2]][0], guessed=found[0][1] < 100)
        return PlaceMatch(None, tuple(villages[i][0] for _, _, i in found))

    def _kecamatan_of_village(self, key: str) -> tuple[Place, ...]:
        hits = process.extract(key, self._village_keys, scorer=fuzz.ratio, limit=6, score_cutoff=_SURE)
        seen: dict[str, Place] = {}
        for _, _, i in hits:
            parent = self._by_code[self.villages[i].parent_code]
            seen.setdefault(parent.code, parent)
        return tuple(seen.values())[:3]


@cache
def load_wilayah(path: Path = _DATA) -> Wilayah:
    with path.open(encoding="utf-8", newline="") as f:
        rows = [Place(r["code"], r["name"], r["level"], r["parent_code"]) for r in csv.DictReader(f)]
    return Wilayah(rows)
