"""Does the name a citizen typed match the name registered for a NIK? (the coverage check's second factor)

`normalise_name` turns a name into comparison keys: lower case, ASCII, honorifics and degrees dropped,
spelling variants folded (old spelling oe/dj/tj, ch/kh, doubled letters, y/i, final -h and -d, ...), and
well-known names such as Muhammad, Siti, Abdul or Ahmad brought to one spelling.

`name_score` (0-100) is the score of the worst-matched name part, so one wrong part sinks the match:
- word order does not matter; tokens are paired greedily by similarity (rapidfuzz `fuzz.ratio`);
- names of under 5 letters must agree exactly, and names that end differently are different names
  (Putra/Putri, Hasan/Hasanah, Wahyudi/Wahyuni): both cap a pair at `_DIFFERENT`;
- a one-letter initial ("A. Rahman") pairs with a name starting with that letter at `_PARTIAL`;
- one name part may be left out at `_PARTIAL` when it is a common word (Siti, Muhammad, Nur, Sri, ...)
  or the registered name has three or more parts; an extra typed part is forgiven only when it is a
  common word. Forgiving or initials need a "strong" pair: two full names, not both common words.
  So "Ahmad Fauzi" passes for "AHMAD FAUZI RAHMAN" and "Aminah" for "SITI AMINAH", but "Siti" alone,
  "Siti Nur" for "SITI NUR AMINAH" and "Siti Rohmah" for "SITI AMINAH" fail.
"""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from rapidfuzz import fuzz

__all__ = ["MATCH_THRESHOLD", "name_matches", "name_score", "normalise_name"]

# Chosen from tests/services/test_names.py (58 positive and 51 negative pairs): observed minimum
# positive score 87.5 (one substituted letter in an 8-letter name: "Hermawan"/"Hernawan"), observed
# maximum negative score 83.3 (one letter in a 6-letter name: "Rohmat"/"Rahmat"). 85 sits in that gap:
# one substituted letter passes from 7 letters up (6/7 = 85.7), not below.
MATCH_THRESHOLD = 85.0

_PARTIAL = 90.0  # an initial, or a name part left out
_DIFFERENT = 70.0  # cap for pairs that are different names by rule (short, or a different ending)
_WEAK_ONLY = 50.0  # cap when nothing but common words and initials pair up (and not all exactly)
_MAX_CHARS, _MAX_TOKENS = 200, 8

# Dropped anywhere: forms of address, religious and academic titles, Palembang nobility titles,
# "bin"/"binti", "almarhum" (reports about the deceased).
_TITLES = frozenset("""
    bapak bpk pak ibu ibuk bu sdr sdri sdra saudara saudari tn tuan ny nyonya nn nona h hj haji hajjah hajah
    kh dr drs dra ir prof ust ustad ustadz ustaz ustadzah ustazah kyai kiai alm almh almarhum almarhumah
    kemas kms kiagus kgs masagus mgs nyimas nyayu raden rr bin binti bt bte
""".split())
# Degrees; dropped after a comma, when written with dots ("S.Pd"), or when not the first word.
_DEGREES = frozenset("""
    spd spdi sag sh shi se sei skom ssos sip ssi sst st skm skep sked ked sfarm sp sthi sth spt spsi sikom
    sm sn ssn stp spi sfil shum ag amd amdkeb amdkep amdkes amk amkeb amkep ama amapd mpd mpdi msi mm mh mag
    mkom mt mkes mkm ma mi msc bsc mba phd apt ners ak cpa
""".split())
_DROPPED = _TITLES | _DEGREES
_LEADING = {"st": "siti", "i": None, "ni": None}  # first word only: "St." is Siti; Balinese I/Ni

# True spelling variants (raw spellings; matched after folding) -> one spelling.
_VARIANTS = {
    "muhammad": "muhammad muhamad muhammat muhamat mohammad mohamad mohammed mohamed mochammad mochamad mochamat "
                "muchammad muchamad mukhammad mohamat moh moch muh mhd muhd mohd m",
    "siti": "siti sitti",
    "nur": "nur noor nor",
    "abdul": "abdul abd abdoel",
    "abdullah": "abdullah abdulah abdulloh",
    "ahmad": "ahmad achmad akhmad ahmed",
    "rahmat": "rahmat rachmat rakhmat rahmad",
    "yusuf": "yusuf yusup jusuf joesoef",
    "yahya": "yahya jahja",
    "yakub": "yakub yakup jakub yaqub",
    "usman": "usman utsman oesman",
    "ibrahim": "ibrahim ibrohim",
    "khadijah": "khadijah khodijah chadijah hadijah",
    "aisyah": "aisyah aisah aisya aisyiah aisiyah",
    "mustofa": "mustofa mustafa musthofa mustopa mustapha",
    "syaiful": "syaiful saiful saipul syaipul",
    "rizki": "rizki rizky rizqi rizqy riski risky",
    "arif": "arif arief arip",
    "fitri": "fitri fitry pitri",
    "candra": "candra chandra",
    "zulkifli": "zulkifli zulkifly dzulkifli",
}
# Common words: not enough on their own, and may be left out or added (birth-order names included).
_COMMON = frozenset("""
    muhammad siti nur nurul abdul ahmad sri dewi putri putra dwi tri eka catur panca
    wayan made nyoman ketut putu kadek komang gede luh gusti
""".split())

_APOSTROPHES = re.compile(r"['\u2018\u2019\u02bc\u02bb`\u00b4]")
_NON_LETTER = re.compile(r"[^a-z]+")
_SPELLING = [  # applied in order
    (re.compile(r"oe"), "u"), (re.compile(r"dj"), "j"), (re.compile(r"tj"), "c"), (re.compile(r"sj"), "sy"),
    (re.compile(r"nj"), "ny"), (re.compile(r"ch"), "kh"), (re.compile(r"kh"), "h"), (re.compile(r"dh"), "d"),
    (re.compile(r"th"), "t"), (re.compile(r"ph"), "f"), (re.compile(r"dz"), "z"), (re.compile(r"ts"), "s"),
    (re.compile(r"sy"), "s"), (re.compile(r"q"), "k"), (re.compile(r"ae"), "ai"),
    (re.compile(r"iy(?=[aeou])"), "i"), (re.compile(r"ie(?![aeiou])"), "i"),
    (re.compile(r"(.)\1+"), r"\1"),  # doubled letters: Aminaah, Muhammad, Abdurrahman
    (re.compile(r"(?<=[^aeiou])y"), "i"),  # Rizky/Rizki, Prasetyo/Prasetio, Dyah/Diah, Sofyan/Sofian
    (re.compile(r"(?<=\w\w[aeiou])h$"), ""),  # Aminah/Amina, Fatimah/Fatima
    (re.compile(r"(?<=\w\w)d$"), "t"),  # Ahmad/Ahmat, Samad/Samat
]
_OLD_SPELLING = re.compile(r"oe|dj|tj|sj")
# "Abdurrahman", "Abdulkadir", "Abdussalam" -> abdul + the rest (but not Abdullah).
_ABDU = re.compile(r"^abdu(?:l|([a-z])(?=\1))?([a-z]{3,})$")


def _fold(token: str) -> str:
    if _OLD_SPELLING.search(token):  # in the old spelling j was y: Tjahjo = Cahyo, Soejono = Suyono
        token = re.sub(r"(?<![dts])j", "y", token)
    for pattern, repl in _SPELLING:
        token = pattern.sub(repl, token)
    return token


_CANON = {_fold(v): canon for canon, variants in _VARIANTS.items() for v in variants.split()}
_COMMON_KEYS = frozenset(_fold(w) for w in _COMMON)


def _canonical(token: str) -> str:
    key = _fold(token)
    return _CANON.get(key, key)


def _words(segment: str) -> list[tuple[str, bool]]:
    """(letters-only word, written with a dot inside) for each word of one comma-separated segment."""
    out = []
    for raw in segment.split():
        dotted = bool(re.search(r"[a-z]\.[a-z]", raw))
        compact = _NON_LETTER.sub("", raw)
        if dotted and compact in _DROPPED:
            out.append((compact, True))
            continue
        out.extend((part, False) for part in _NON_LETTER.split(raw) if part)
    return out


def _split_abdu(word: str) -> list[str]:
    found = _ABDU.match(word)
    if not found or found[2] in {"lah", "loh", "llah", "lloh"}:
        return [word]
    return ["abdul", found[2]]


def normalise_name(name: str) -> list[str]:
    """Comparison keys of a name: `"Hj. St. Aminaah, S.Pd."` -> `["siti", "amina"]`,
    `"M. Yusuf"` -> `["muhammad", "yusuf"]`. Empty for emoji, digits and the like."""
    text = unicodedata.normalize("NFKD", str(name)[:_MAX_CHARS].lower())
    text = "".join(c for c in text if not unicodedata.combining(c))
    text = _APOSTROPHES.sub("", text).replace("-", " ")
    segments = text.split(",")
    words = _words(segments[0])
    for segment in segments[1:]:  # after a comma: degrees ("S. Pd", "M.Si") or more of the name
        seg_words = _words(segment)
        if _NON_LETTER.sub("", segment) not in _DEGREES and not all(w in _DEGREES for w, _ in seg_words):
            words.extend(seg_words)
    tokens: list[str] = []
    for word, dotted in words:
        if word in _TITLES or (word in _DEGREES and (dotted or tokens)):
            continue
        if not tokens and word in _LEADING:
            if _LEADING[word]:
                tokens.append(_LEADING[word])
            continue
        tokens.extend(_canonical(w) for w in _split_abdu(word))
    if not tokens:  # nothing but titles ("Bu"): keep the words rather than match nothing
        tokens = [_canonical(w) for w, _ in words]
    return tokens[:_MAX_TOKENS]


@lru_cache(maxsize=4096)
def _pair_sim(a: str, b: str) -> float:
    if a == b:
        return 100.0
    if len(a) == 1 or len(b) == 1:
        return _PARTIAL if len(a) != len(b) and a[0] == b[0] else 0.0
    sim = fuzz.ratio(a, b)
    if min(len(a), len(b)) < 5 or a[-2:] != b[-2:]:
        sim = min(sim, _DIFFERENT)
    return sim


def _strong(a: str, b: str) -> bool:
    return len(a) > 1 and len(b) > 1 and not (a in _COMMON_KEYS and b in _COMMON_KEYS)


def _aligned_score(given: tuple[str, ...], registered: tuple[str, ...]) -> float:
    pairs = sorted(((_pair_sim(g, r), i, j) for i, g in enumerate(given) for j, r in enumerate(registered)),
                   key=lambda p: (-p[0], p[1], p[2]))
    used_g: set[int] = set()
    used_r: set[int] = set()
    sims, strong = [], False
    for sim, i, j in pairs:
        if i not in used_g and j not in used_r:
            used_g.add(i)
            used_r.add(j)
            sims.append(sim)
            strong = strong or _strong(given[i], registered[j])
    missing = [registered[j] for j in range(len(registered)) if j not in used_r]
    extra = [given[i] for i in range(len(given)) if i not in used_g]
    score = min(sims)
    if missing or extra:
        forgivable = strong and len(missing) + len(extra) == 1 and (
            (missing and (missing[0] in _COMMON_KEYS or len(registered) >= 3))
            or (extra and extra[0] in _COMMON_KEYS))
        score = min(score, _PARTIAL) if forgivable else 0.0
    if not strong and score < 100:
        score = min(score, _WEAK_ONLY)
    return score


def _merges(tokens: tuple[str, ...], other: tuple[str, ...]) -> list[tuple[str, ...]]:
    """`tokens` with two neighbours written together, where that gives a word of `other` exactly
    ("Nur Aini" for "NURAINI"). Only exact compounds: fuzzy ones would blur the rules above."""
    return [(*tokens[:i], tokens[i] + tokens[i + 1], *tokens[i + 2:]) for i in range(len(tokens) - 1)
            if tokens[i] + tokens[i + 1] in other]


def name_score(given: str, registered: str) -> float:
    """0-100: how well the typed name matches the registered one (the worst-matched part decides)."""
    g = tuple(_fold(t) for t in normalise_name(given))
    r = tuple(_fold(t) for t in normalise_name(registered))
    if not g or not r:
        return 0.0
    if sorted(g) == sorted(r):
        return 100.0
    candidates = [(g, r)] + [(gv, r) for gv in _merges(g, r)] + [(g, rv) for rv in _merges(r, g)]
    return round(max(_aligned_score(gv, rv) for gv, rv in candidates), 1)


def name_matches(given: str, registered: str) -> bool:
    """True when the typed name is the registered name with ordinary variations (see the module doc)."""
    return name_score(given, registered) >= MATCH_THRESHOLD
