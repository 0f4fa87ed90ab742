"""Main menu and intent matching: by number, by button text, or by free words with typos and
abbreviations, scored against a keyword catalogue with rapidfuzz (OSA edit distance)."""
from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache

from rapidfuzz.distance import OSA

from conversations.model import Choice
from conversations.parsing import normalise, words

__all__ = ["INTENTS", "match_intent", "route"]

# Every planned citizen service, in menu order. Whether it is on the menu depends on whether a flow
# is built for it (see engine.Engine.menu); the router understands all of them either way.
INTENTS = ("cek_bpjs", "lapor_kematian", "status_laporan", "pengumuman", "langganan",
           "berhenti_langganan", "petugas", "bantuan", "menu")

# intent -> {word or space-separated phrase: weight}. Phrases need their words next to each other.
KEYWORDS: dict[str, dict[str, float]] = {
    "menu": {"halo": 2, "hallo": 2, "hai": 2, "hi": 2, "hei": 2, "assalamualaikum": 2, "pagi": 1.5,
             "siang": 1.5, "sore": 1.5, "selamat": 1, "menu": 3, "layanan": 2, "pilihan": 1},
    "cek_bpjs": {"bpjs": 3, "ketenagakerjaan": 2, "kepesertaan": 2, "peserta": 1.5, "terdaftar": 1.5,
                 "jamsostek": 3, "kpj": 3, "cek": 0.5},
    "lapor_kematian": {"meninggal": 3, "wafat": 3, "kematian": 3, "berpulang": 3, "innalillahi": 3,
                       "almarhum": 2, "almarhumah": 2, "duka": 2, "santunan": 2, "lapor": 1, "mati": 2,
                       "tewas": 2, "klaim": 0.5},
    "status_laporan": {"status": 3, "sampai mana": 3, "diproses": 2.5, "proses": 2, "laporan": 1.5,
                       "pengajuan": 2, "kabar": 1, "nomor": 1},
    "pengumuman": {"pengumuman": 2.5, "berita": 2, "info": 2, "informasi": 2, "terbaru": 1.5,
                   "terkini": 1.5, "kabar": 1, "baru": 0.5},
    "langganan": {"langganan": 3, "berlangganan": 3, "subscribe": 3, "kirimi": 2, "kirimkan": 2,
                  "tiap": 1, "setiap": 1},
    "berhenti_langganan": {"berhenti": 4, "stop": 4, "unsubscribe": 4, "batal": 1, "unsub": 4},
    "bantuan": {"bantuan": 3, "help": 3, "tolong": 1, "bingung": 2.5, "cara": 1.5, "panduan": 2, "tanya": 1},
    # a person, in the citizen's words ("sy mau ngomong sm petugas", Palembang "galak bicaro samo wong")
    "petugas": {"petugas": 4, "operator": 3, "admin": 2, "cs": 3, "manusia": 3, "orang": 1.5, "bicara": 2,
                "ngobrol": 2, "ngomong": 2, "hubungi": 2, "telepon": 1.5, "staf": 2, "pegawai": 2, "langsung": 1,
                "orang tua": -1.5, "orang tuo": -1.5},  # a parent, not a person to talk to
}

_TOPIC = {"info", "informasi", "pengumuman", "berita", "kabar"}
_SEND = {"kirim", "kirimi", "kirimkan", "terima", "dikirimi"}
_NEGATION = {"tidak", "jangan", "bukan"}
_PAID = {"masuk", "cair", "dicairkan", "ditransfer", "transfer", "diproses", "dibayar", "diterima", "turun"}
_REFERENCE = re.compile(r"\b[a-z]{2,4}-?\d{2,4}-?[a-z0-9]{3,8}\b")
_THRESHOLD = 1.0


@lru_cache(maxsize=1)
def _vocabulary() -> tuple[str, ...]:
    return tuple(sorted({w for kw in KEYWORDS.values() for p in kw for w in p.split()}))


@lru_cache(maxsize=4096)
def _canonical(token: str) -> str:
    """The catalogue word a typed word stands for: exact, or within 1 edit (2 for long words);
    words under 5 letters must match exactly."""
    vocab = _vocabulary()
    if token in vocab or len(token) < 5:
        return token
    best, best_d = token, 3
    for word in vocab:
        if len(word) < 5 or abs(len(word) - len(token)) > 2:
            continue
        limit = 2 if len(word) >= 8 else 1
        d = OSA.distance(token, word, score_cutoff=limit)
        if d <= limit and d < best_d:
            best, best_d = word, d
    return best


def _scores(tokens: list[str], text: str) -> dict[str, float]:
    joined = f" {' '.join(tokens)} "
    tokset = set(tokens)
    scores = {intent: sum(w for phrase, w in kw.items() if f" {phrase} " in joined)
              for intent, kw in KEYWORDS.items()}
    # combinations single words cannot express: "jangan kirim info" against "kirimi saya info"
    negated = any(t in _NEGATION and set(tokens[i + 1:i + 3]) & (_SEND | {"mau", "usah", "perlu"})
                  for i, t in enumerate(tokens))
    if negated and tokset & (_TOPIC | _SEND | {"langganan"}):
        scores["berhenti_langganan"] += 4
    elif tokset & _TOPIC and (tokset & _SEND or "daftar" in tokset):
        scores["langganan"] += 4
    if "batal" in tokset and tokset & {"langganan", "berlangganan"}:
        scores["berhenti_langganan"] += 4
    if _REFERENCE.search(text.lower()) and {"laporan", "nomor", "status"} & tokset:
        scores["status_laporan"] += 4
    # "uang santunan ibu sudah masuk belum?": one's own report, not a new one
    if tokset & {"sudah", "belum"} and tokset & _PAID and not negated:
        scores["status_laporan"] += 5
    return scores


def match_intent(text: str) -> str | None:
    """The intent a free-text message asks for, or None when nothing matches confidently."""
    tokens = [_canonical(t) for t in words(text)]
    if not tokens:
        return None
    scores = _scores(tokens, text)
    best = max(INTENTS, key=lambda i: scores[i])  # ties go to the earlier intent
    return best if scores[best] >= _THRESHOLD else None


def route(text: str, menu: Sequence[Choice]) -> str | None:
    """A menu choice by its number or its label, else the intent of the words."""
    norm = normalise(text)
    if norm.isdigit():
        n = int(norm)
        return menu[n - 1].id if 1 <= n <= len(menu) else None
    for choice in menu:
        if norm == normalise(choice.label) or norm == choice.id.replace("_", " "):
            return choice.id
    return match_intent(text)
