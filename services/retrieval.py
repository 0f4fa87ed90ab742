"""Finding the knowledge-base entry a citizen's question is about, with no model to train and
nothing leaving the machine: normalise (lower case, the shared slang table services/slang.py,
abbreviations written together), drop function words, correct typos against the entries' own
words (rapidfuzz), stem (Sastrawi), and score every phrasing with BM25 (bm25s). An entry's score
is its best phrasing's. The scorer sits behind `Scorer`, so a better one (an embedding model) can
replace BM25 without touching the rest.

Scores become a confidence in 0..1: the BM25 score divided by what a phrasing holding every
meaningful word of the question would get, where a word no entry knows ("paspor") counts as the
rarest word there is. A question about something the knowledge base does not hold scores low."""
from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Protocol

import bm25s
import numpy as np
from rapidfuzz import process
from rapidfuzz.distance import OSA
from Sastrawi.Stemmer.StemmerFactory import StemmerFactory

from services.slang import standard_words

__all__ = ["Bm25Scorer", "Hit", "Index", "SYNONYMS", "Scorer", "STOPWORDS", "tokens"]

# function words and question words: they say a message is a question, not what it is about
STOPWORDS = frozenset("""
yang dan di ke dari untuk dengan itu ini ada apa apakah apa saja berapa bagaimana gimana kapan siapa
mana dimana kemana mengapa kenapa kah lah pun saya aku kami kita anda kamu dia mereka bisa boleh
dapat mau akan sudah belum masih juga sih dong deh kok ya yah nah tolong mohon minta tanya nanya
bertanya pak bu bapak ibu kak mas mbak min admin halo hai selamat pagi siang sore malam terima
kasih atau jika kalau kalo agar supaya oleh pada dalam nya para sebuah suatu adalah ialah yaitu
tersebut begitu begini cara gitu gini saja aja kan tentang soal mengenai sama per buat bikin
harus perlu punya jadi lagi ga gak tidak bukan jangan atas bawah sekarang nanti seperti sini situ sih aja
""".split())
# ...except these: "berapa santunan" and "siapa santunan" are different questions
_KEEP = frozenset({"tidak", "bukan", "berapa", "siapa", "kapan", "bagaimana", "dimana", "mana", "cara"})
# stems that mean the same here (after Sastrawi: "meninggal" -> "tinggal", "kematian" -> "mati")
SYNONYMS = {"tinggal": "mati", "wafat": "mati", "duka": "mati", "pemda": "pemkab", "premi": "iuran",
            "digit": "angka", "notifikasi": "beritahu", "online": "daring", "cair": "bayar", "transfer": "bayar",
            "kirim": "kirim", "gimana": "bagaimana", "dimana": "mana", "kemana": "mana", "syarat": "syarat"}
_WORD = re.compile(r"[a-z0-9]+")
_LONG_NUMBER = re.compile(r"^\d{6,}$")


@lru_cache(maxsize=1)
def _stemmer():  # noqa: ANN202 - Sastrawi has no types
    return StemmerFactory().create_stemmer()


@lru_cache(maxsize=65536)
def _stem(word: str) -> str:
    stem = (_stemmer().stem(word) or word) if word.isalpha() and len(word) > 3 else word
    return SYNONYMS.get(stem, stem)


def _words(text: str) -> list[str]:
    """Lower case, accents off, then the shared slang table (services/slang.py)."""
    folded = "".join(c for c in unicodedata.normalize("NFKD", text.lower()) if not unicodedata.combining(c))
    return standard_words(_WORD.findall(folded))


def tokens(text: str) -> list[str]:
    """The meaningful words of a text, unstemmed: what typos are corrected on."""
    return [w for w in _words(text) if (w not in STOPWORDS or w in _KEEP) and not _LONG_NUMBER.match(w)]


class Scorer(Protocol):
    """Scores every document for a query; `ceiling` is what a perfect match would score; `weights`
    how much each word of the query means (a word no document has: the most)."""

    def fit(self, docs: Sequence[Sequence[str]]) -> None: ...

    def scores(self, query: Sequence[str]) -> np.ndarray: ...

    def ceiling(self, query: Sequence[str]) -> float: ...

    def weights(self, query: Sequence[str]) -> list[float]: ...


class Bm25Scorer:
    """BM25 (Lucene's idf) over stemmed terms, with bm25s's sparse matrices."""

    def __init__(self, k1: float = 1.2, b: float = 0.5) -> None:
        self._k1, self._b = k1, b
        self._model: bm25s.BM25 | None = None
        self._idf: dict[str, float] = {}
        self._unknown = 1.0

    def fit(self, docs: Sequence[Sequence[str]]) -> None:
        n = len(docs)
        df: dict[str, int] = {}
        for doc in docs:
            for term in set(doc):
                df[term] = df.get(term, 0) + 1
        self._idf = {t: math.log(1 + (n - d + 0.5) / (d + 0.5)) for t, d in df.items()}
        self._unknown = math.log(1 + (n + 0.5) / 0.5)
        self._model = bm25s.BM25(k1=self._k1, b=self._b, method="lucene")
        self._model.index([list(d) or ["_"] for d in docs], show_progress=False)

    def scores(self, query: Sequence[str]) -> np.ndarray:
        known = [t for t in query if t in self._idf]
        if self._model is None or not known:
            return np.zeros(0)
        return self._model.get_scores(known)

    def ceiling(self, query: Sequence[str]) -> float:
        """Lucene's BM25 gives a word found once in a phrasing of average length idf / (1 + k1)."""
        return sum(self.weights(query)) / (1 + self._k1)

    def weights(self, query: Sequence[str]) -> list[float]:
        return [self._idf.get(t, self._unknown) for t in query]


@dataclass(frozen=True, slots=True)
class Hit:
    key: int  # the entry's id
    confidence: float  # 0..1
    score: float = 0.0  # unclamped, for telling two confident entries apart


class Index:
    """The entries' phrasings, scored as one collection. Built once per knowledge-base revision.

    Two views are scored and averaged: each phrasing on its own (an entry gets its best phrasing's
    score) and each entry as all its phrasings together (a question mixing words of two phrasings)."""

    def __init__(self, entries: Sequence[tuple[int, Sequence[str]]], scorer: type[Scorer] = Bm25Scorer,
                 *, known: Sequence[str] = (), weight: float = 0.3) -> None:
        """`entries`: (id, phrasings) pairs; a phrasing is a question a citizen might ask. `known`:
        more text (the answers) whose words are not typos to correct."""
        self._phrasings, self._whole, self._weight = scorer(), scorer(), weight
        self._keys = np.array([key for key, _ in entries], dtype=np.int64)
        docs: list[list[str]] = []
        starts: list[int] = []
        vocabulary: set[str] = set()
        for _key, phrasings in entries:
            starts.append(len(docs))
            for phrasing in phrasings:
                words = tokens(phrasing)
                vocabulary.update(words)
                docs.append([_stem(w) for w in words])
        self._starts = np.array(starts, dtype=np.int64)
        self._vocabulary = tuple(sorted(vocabulary))
        self._known = frozenset(vocabulary | {_stem(w) for text in known for w in tokens(text)})
        self._settled = frozenset(t for d in docs for t in d) | self._known  # stems not to correct
        ends = [*starts[1:], len(docs)]
        self._terms = [frozenset(t for d in docs[a:b] for t in d) for a, b in zip(starts, ends, strict=True)]
        if docs:
            self._phrasings.fit(docs)
            self._whole.fit([[t for d in docs[a:b] for t in d] for a, b in
                             zip(starts, [*starts[1:], len(docs)], strict=True)])
        self._fix = lru_cache(maxsize=16384)(self._correct)

    def _correct(self, word: str) -> str:
        """The entries' word a typed word stands for: itself, or one within 1 edit (2 for long words)."""
        if word in self._known or len(word) < 4 or word.isdigit() or _stem(word) in self._settled:
            return word
        limit = 1 if len(word) < 7 else 2
        found = process.extractOne(word, self._vocabulary, scorer=OSA.distance, score_cutoff=limit)
        return found[0] if found else word

    def terms(self, text: str) -> list[str]:
        return [_stem(self._fix(w)) for w in tokens(text)]

    def _scores(self, query: list[str]) -> np.ndarray:
        """Every entry's BM25 score (both views, each over its ceiling), in the order given."""
        phrasing = self._phrasings.scores(query) if query and len(self._keys) else np.zeros(0)
        if len(phrasing) == 0:
            return np.zeros(len(self._keys))
        best = np.maximum.reduceat(phrasing, self._starts) / (self._phrasings.ceiling(query) or 1.0)
        whole = self._whole.scores(query) / (self._whole.ceiling(query) or 1.0)
        return self._weight * best + (1 - self._weight) * whole

    def search(self, text: str, *, limit: int = 3) -> list[Hit]:
        """The best entries for a question, most likely first. Their confidence averages the score and
        the share of the question's meaning (its words, weighted by rarity) the entry's phrasings hold."""
        query = self.terms(text)
        scores = self._scores(query)
        weights = self._whole.weights(query) if query and len(self._keys) else []
        total = sum(weights) or 1.0
        hits = []
        for i in np.argsort(scores)[::-1][:limit]:
            if scores[i] <= 0:
                break
            covered = sum(w for t, w in zip(query, weights, strict=True) if t in self._terms[i])
            hits.append(Hit(int(self._keys[i]), min(1.0, float(covered / total + scores[i]) / 2), float(scores[i])))
        return hits
