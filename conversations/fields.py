"""The forms' people-and-money answers as people type them: names, relationships, banks with the
account number. No I/O, no state; each returns a `ParseResult` whose `error` the flow turns into a
kind re-prompt (conversations/messages_parsers.py). A deferral ("nanti", "besok saya kirim") is
never a value here: it is refused with "later", and a step that may wait (conversations/engine.py)
takes it before its parser runs.

Relationships have one orientation: the value is what the person answering is TO THE DECEASED.
"anak", "saya anaknya", "anak almarhum" -> "child"; a possessive names the deceased instead, so it
is turned round: "ibu saya", "ibuku", "almarhum bapak saya" (the deceased is my parent) -> "child",
"anak saya" -> "parent", "mertua saya" -> "child_in_law"."""
from __future__ import annotations

import re
from dataclasses import dataclass

from rapidfuzz import fuzz, process

from conversations.parsing import is_later, normalise
from conversations.text import ParseResult, clean
from services.digits import number_among_words
from services.wilayah import Place, Wilayah

__all__ = ["Bank", "RELATIONS", "parse_name", "parse_relationship", "parse_bank", "is_self", "place_pair"]

# --- names ---------------------------------------------------------------------------------------

_NAME_LEAD = re.compile(r"^(?:(?:nama|nm)\s+(?:saya|sy|aku|lengkap(?:nya)?|beliau|almarhum(?:ah)?|alm|almh|"
                        r"ahli\s+waris(?:nya)?|pemilik(?:nya)?|yang\s+meninggal|ybs)\b|namanya\b|nama\b|"
                        r"(?:saya|sy|aku)\s+(?:adalah\s+|bernama\s+)?(?=\w)|atas\s+nama\b|a\.?\s?n\.?(?=\s)|"
                        r"(?:almarhum(?:ah)?|alm|almh|almrh|mendiang)\b\.?|adalah\b|:)\s*", re.IGNORECASE)
_NOT_NAMES = frozenset(("ya", "iya", "y", "tidak", "tdk", "ok", "oke", "tidak tahu", "tidak tau", "tdk tau",
                        "gak tau", "ga tau", "gatau", "gk tau", "lupa", "belum tahu", "blm tau", "saya", "aku",
                        "sy", "idem", "sama", "halo", "hai", "test", "tes", "p", "ping", "siapa", "apa"))
_NAME_CHARS = re.compile(r"[^\W\d_][\w.'\- ,]*", re.UNICODE)


def parse_name(text: str) -> ParseResult[str]:
    """A person's name as typed, without the words around it ("nama saya Rahmawati", "almarhum Ahmad
    Sanusi", "a.n. Siti"). Errors: "empty", "later" (a deferral), "digits", "short" (one letter),
    "long" (over 120 characters), "not_name" (ya, tidak, lupa, saya…), "letters" (no letters)."""
    name = clean(text).strip(" .,:;-!?\"'")
    for _ in range(3):  # "nama saya almarhum …": lead words may stack
        name = _NAME_LEAD.sub("", name, count=1).strip(" .,:;-!?\"'")
    if not name:
        return ParseResult(None, "empty")
    if is_later(name):
        return ParseResult(None, "later")
    if any(c.isdigit() for c in name):
        return ParseResult(None, "digits", sum(c.isdigit() for c in name))
    if normalise(name) in _NOT_NAMES:
        return ParseResult(None, "not_name")
    if not _NAME_CHARS.fullmatch(name):
        return ParseResult(None, "letters")
    if sum(c.isalpha() for c in name) < 2:
        return ParseResult(None, "short")
    if len(name) > 120:
        return ParseResult(None, "long")
    return ParseResult(" ".join(name.split()))


def is_self(text: str) -> bool:
    """"saya sendiri", "sy", "aku": the person answering (the heir is the reporter)."""
    return normalise(text) in ("saya", "sy", "aku", "saya sendiri", "sy sendiri", "aku sendiri", "sendiri",
                               "saya pribadi", "diri saya", "sendiri saja", "saya sendiri saja")


# --- relationships -------------------------------------------------------------------------------

# key -> the words for it (folded); the inverse is what the deceased is then
_ROLE_WORDS = {
    "child": "anak putra putri putera puteri ank anakny",
    "parent": "ayah bapak bapa bpk bapa papa papah abah abi bak ebak ibu ibuk ibunda ayahanda mama mamah mamak "
              "emak mak umak uma bunda ortu orangtua ma",
    "spouse": "suami istri isteri istrinya suaminya bini laki pasangan janda duda swami",
    "sibling": "kakak adik adek abang saudara saudari sodara kak adk ayuk kakang abg",
    "child_in_law": "menantu mantu",
    "parent_in_law": "mertua",
    "sibling_in_law": "ipar",
    "grandchild": "cucu",
    "grandparent": "kakek nenek mbah eyang nyai yai datuk nek kek",
    "nephew": "keponakan ponakan kemenakan",
    "uncle": "paman om bibi tante mamang bik wak uwak uwa bibik",
    "cousin": "sepupu",
    "neighbour": "tetangga",
    "official": "kades kadus sekdes lurah rt rw perangkat",
    "other": "teman sahabat kerabat keluarga famili kenalan lainnya lain",
}
RELATIONS = tuple(_ROLE_WORDS)
_INVERSE = {"child": "parent", "parent": "child", "grandchild": "grandparent", "grandparent": "grandchild",
            "child_in_law": "parent_in_law", "parent_in_law": "child_in_law", "nephew": "uncle", "uncle": "nephew"}
_ROLE_OF = {w: key for key, ws in _ROLE_WORDS.items() for w in ws.split()}
_OUTRANK = ("parent_in_law", "sibling_in_law", "child_in_law")  # "ibu mertua", "kakak ipar", "anak menantu"
_MINE = frozenset("saya sy sya aku ku kami gue gw q".split())
_RELATION_PHRASES = {"orang tua": "orangtua", "kepala desa": "kades", "kepala dusun": "kadus", "pak rt": "rt",
                     "ketua rt": "rt", "anak anak": "anak", "suami istri": "suami"}


def parse_relationship(text: str) -> ParseResult[str]:
    """What the person answering is to the deceased, one of `RELATIONS`, from everyday words, their
    spellings and possessives (see the module's docstring). Errors: "empty", "later", "unknown"."""
    said = normalise(text.replace("-", " "))
    if not said:
        return ParseResult(None, "empty")
    if is_later(said):
        return ParseResult(None, "later")
    for phrase, word in _RELATION_PHRASES.items():
        said = re.sub(rf"\b{phrase}\b", word, said)
    found: list[tuple[str, bool]] = []  # (role, possessive: the deceased is that to me)
    tokens = said.split()
    for i, token in enumerate(tokens):
        role, mine = _role(token)
        if role is None:
            continue
        after = tokens[i + 1:i + 3]
        mine = mine or bool(after and (after[0] in _MINE or (len(after) > 1 and _role(after[0])[0] and after[1]
                                                                in _MINE)))
        found.append((role, mine))
    if not found:
        return ParseResult(None, "unknown")
    role, mine = next(((r, m) for r, m in found if r in _OUTRANK), found[0])
    if role in _OUTRANK:  # the possessive may sit after the first word: "ibu mertua saya"
        mine = any(m for _, m in found)
    return ParseResult(_INVERSE.get(role, role) if mine else role)


def _role(token: str) -> tuple[str | None, bool]:
    """The role a word names and whether it carries "my" ("ibuku"); "-nya" ("anaknya") is "his/her"."""
    for word, mine in ((token, False), (token.removesuffix("nya"), False), (token.removesuffix("ku"), True),
                       (token.removesuffix("mu"), False)):
        if word in _ROLE_OF:
            return _ROLE_OF[word], mine and word != token
    if len(token) >= 5:
        hit = process.extractOne(token, [w for w in _ROLE_OF if len(w) >= 5], scorer=fuzz.ratio, score_cutoff=80)
        if hit:
            return _ROLE_OF[hit[0]], False
    return None, False


# --- banks ---------------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Bank:
    name: str
    account: str | None = None  # when the same message carries it ("BRI 1234567890")


# The name we store -> how people write it (folded, "|" between spellings). The santunan is paid by
# transfer to the heir's bank account (DOMAIN-RESEARCH.md §2, "Payment"), so e-wallets are refused.
# BRI Syariah, BNI Syariah and Mandiri Syariah merged into BSI in 2021: their old books are BSI's.
_BANKS = {
    "BRI": "bri|bank rakyat indonesia|bank rakyat|brimo|britama|simpedes|brilink|bri link",
    "BNI": "bni|bank negara indonesia|bni 46|taplus",
    "Mandiri": "mandiri|bank mandiri|livin",
    "BCA": "bca|bank central asia",
    "BSI": "bsi|bank syariah indonesia|bri syariah|bni syariah|mandiri syariah|bsm|syariah indonesia",
    "BTN": "btn|bank tabungan negara",
    "Bank Sumsel Babel": "sumsel babel|bank sumsel|sumsel|bsb|sumselbabel|bpd sumsel|sumsel bambel",
    "Muamalat": "muamalat",
    "CIMB Niaga": "cimb niaga|cimb|niaga",
    "Danamon": "danamon",
    "Permata": "permata|permatabank",
    "BTPN": "btpn|jenius",
    "Bank Mega": "bank mega",
    "OCBC": "ocbc|ocbc nisp|nisp",
    "Panin": "panin",
    "Maybank": "maybank",
    "Bank Jago": "bank jago|jago",
    "SeaBank": "seabank|sea bank",
    "Bank Lampung": "bank lampung",
    "Bank Jambi": "bank jambi",
    "Bank Bengkulu": "bank bengkulu",
    "BJB": "bjb",
    "Bank DKI": "bank dki",
    "Bank Jateng": "bank jateng",
    "Bank Jatim": "bank jatim",
    "Bank Raya": "bank raya",
    "Allo Bank": "allo bank|allobank",
    "blu": "blu|bca digital",
}
_ALIASES = sorted(((alias, name) for name, spellings in _BANKS.items() for alias in spellings.split("|")),
                  key=lambda pair: -len(pair[0]))
_FUZZY = {alias: name for alias, name in _ALIASES if len(alias) >= 5 and " " not in alias}
_EWALLETS = frozenset("dana ovo gopay shopeepay spay linkaja isaku sakuku doku flip gopay".split())
_EWALLET_PHRASES = ("go pay", "shopee pay", "link aja", "i saku")
_AROUND = frozenset("bank no nomor nomer nmr rek rekening norek norekening rekeningnya saya di ya pak bu buku "
                    "tabungan atas nama an a n punya ada pakai pake ke lewat via yang kartu atm akun nya ini "
                    "itu dan dengan dgn adalah nomornya ahli waris kami aku sy".split())


def parse_bank(text: str) -> ParseResult[Bank]:
    """The bank, and the account number when the message carries one: "BRI 1234567890", "bank bri
    norek 1234 5678 90", "rek mandiri no 1234567890123". Errors: "empty", "later", "ewallet" (DANA,
    OVO, GoPay…: not a bank account), "account" (a number that is not 6-20 digits, `digits`),
    "unknown" (no bank named)."""
    said = clean(text)
    if not said:
        return ParseResult(None, "empty")
    if is_later(said):
        return ParseResult(None, "later")
    account = None
    said = re.sub(r"(?i)\bbni\s*46\b", "BNI", said)  # the bank's old name, not a number
    if any(c.isdigit() for c in said):
        found = number_among_words(said, range(6, 21))
        digits = sum(c.isdigit() for c in found.number or "")
        if found.number is None or not 6 <= digits <= 20:
            return ParseResult(None, "account", found.digits)
        account = re.sub(r"\D", "", found.number)
        said = said.replace(found.number, " ")
    name = _bank_name(normalise(said.replace("-", " ").replace(".", " ")))
    if name in (None, "ewallet"):
        return ParseResult(None, name or "unknown")
    return ParseResult(Bank(name, account), digits=len(account or ""))


def _bank_name(said: str) -> str | None:
    """The bank `said` names, "ewallet", or None."""
    padded = f" {said} "
    for alias, name in _ALIASES:
        if f" {alias} " in padded:
            return name
    tokens = said.split()
    if set(tokens) & _EWALLETS or any(f" {p} " in padded for p in _EWALLET_PHRASES):
        return "ewallet"
    for token in tokens:
        if len(token) >= 4 and token not in _AROUND:
            hit = process.extractOne(token, list(_FUZZY), scorer=fuzz.ratio, score_cutoff=80)
            if hit:
                return _FUZZY[hit[0]]
    if "bank" in tokens:  # a bank not on the list: "bank nagari" is kept as typed
        rest = [t for t in tokens[tokens.index("bank") + 1:] if t not in _AROUND]
        if rest and all(t.isalpha() for t in rest[:2]):
            return "Bank " + " ".join(w.upper() if len(w) <= 3 else w.title() for w in rest[:2])
    return None


# --- a kecamatan and its desa in one message ------------------------------------------------------

_PLACE_SPLIT = re.compile(r"\s*[,/;]\s*|\s+(?=(?:kecamatan|kec|desa|ds|kelurahan|kel)\b\.?)", re.IGNORECASE)


def place_pair(text: str, wilayah: Wilayah) -> tuple[Place, Place] | None:
    """(kecamatan, desa) when one message names both, in either order: "Sukadana, Kayu Agung",
    "desa sukadana kec kayu agung", "kec. pedamaran ds cinta jaya". None unless both are sure."""
    parts = [p for p in _PLACE_SPLIT.split(clean(text)) if p and p.strip()]
    if len(parts) != 2:
        return None
    for kec_text, desa_text in (parts, parts[::-1]):
        kecamatan = wilayah.match_kecamatan(kec_text).place
        desa = wilayah.match_desa(kecamatan.code, desa_text).place if kecamatan else None
        if desa is not None:
            return kecamatan, desa
    return None
