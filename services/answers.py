"""The knowledge base: questions citizens ask, answered from entries staff keep.

`find(text)` says whether a message is a question it can answer: one entry (confident, and
clearly ahead of the next), two to choose from ("Maksud Anda: …?", between the threshold and
certainty, or too close to call), or none. Every process keeps the entries and their index in
memory and compares the database's revision with its own before each search, so an edit in the
admin (in any process) is answered from the next message on. A question with no answer is kept
for staff, masked and grouped by its words. Staff changes are audited."""
from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

import yaml
from rapidfuzz import fuzz, process

from services.audit import Audit
from services.retrieval import Bm25Scorer, Hit, Index, Scorer, tokens
from storage.knowledge import Knowledge
from storage.models import FaqEntry, utcnow

__all__ = ["ACTIONS", "Entry", "Found", "KnowledgeBase", "SEED", "Tuning", "decide", "mask"]

SEED = Path(__file__).parent / "data" / "faq_seed.yaml"
# the services an answer may offer to start, by intent (conversations/router.py INTENTS)
ACTIONS = ("cek_bpjs", "lapor_kematian", "status_laporan", "pengumuman", "langganan", "berhenti_langganan",
           "petugas")
_NUMBER = re.compile(r"(?:\+?\d[\d .\-]{4,}\d)")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_SIMILAR = 90  # rapidfuzz token-set ratio at which two unanswered questions are counted as one


@dataclass(frozen=True, slots=True)
class Entry:
    id: int
    question: str
    answer: str
    alternatives: tuple[str, ...] = ()
    topic: str = "umum"
    action: str | None = None
    active: bool = True
    uses: int = 0
    helpful: int = 0
    unhelpful: int = 0
    updated_at: datetime | None = None
    updated_by: str = "system"

    def public(self) -> dict[str, Any]:
        return {"id": self.id, "question": self.question, "alternatives": list(self.alternatives),
                "answer": self.answer, "topic": self.topic, "action": self.action, "active": self.active,
                "uses": self.uses, "helpful": self.helpful, "unhelpful": self.unhelpful,
                "updated_at": self.updated_at.isoformat() if self.updated_at else None,
                "updated_by": self.updated_by}


@dataclass(frozen=True, slots=True)
class Tuning:
    threshold: float = 0.4  # below: no answer (a person and the menu are offered)
    certainty: float = 0.5  # at or above, and `margin` ahead of the next entry: answered at once
    margin: float = 0.2  # the best scoring less than this share above the second: both offered
    feedback_every: int = 3  # "Apakah membantu?" after every n-th answer; 0: never


@dataclass(frozen=True, slots=True)
class Found:
    kind: Literal["answer", "choices", "none"]
    entries: tuple[Entry, ...] = ()
    confidence: float = 0.0
    feedback: bool = False  # ask "Apakah membantu?" under this answer


def decide(hits: Sequence[tuple[Entry, Hit]], tuning: Tuning) -> Found:
    """One answer, two choices or none, from the scored entries (best first). The margin is relative:
    the best must score `margin` (a share of its own score) more than the second."""
    if not hits or hits[0][1].confidence < tuning.threshold:
        return Found("none", confidence=hits[0][1].confidence if hits else 0.0)
    (first, h1), rest = hits[0], hits[1:]
    lead = 1 - (rest[0][1].score / h1.score) if rest and h1.score > 0 else 1.0
    if h1.confidence >= tuning.certainty and lead >= tuning.margin:
        return Found("answer", (first,), h1.confidence)
    close = tuple(e for e, h in rest[:1] if h.confidence >= tuning.threshold)
    return Found("choices", (first, *close), h1.confidence)


def mask(text: str) -> str:
    """A question as staff may read it: long numbers (NIK, KK, phone, account) and e-mail addresses out."""
    return _EMAIL.sub("[email]", _NUMBER.sub(lambda m: "[angka]" if sum(c.isdigit() for c in m[0]) >= 6 else m[0],
                                             text))[:300]


def _entry(row: FaqEntry) -> Entry:
    return Entry(id=row.id, question=row.question, answer=row.answer,
                 alternatives=tuple(json.loads(row.alternatives or "[]")), topic=row.topic, action=row.action,
                 active=row.active, uses=row.uses, helpful=row.helpful, unhelpful=row.unhelpful,
                 updated_at=row.updated_at, updated_by=row.updated_by)


def clean_values(values: Mapping[str, Any]) -> dict[str, Any]:
    """What an entry is stored as; ValueError naming the field for bad input."""
    question, answer = str(values.get("question") or "").strip(), str(values.get("answer") or "").strip()
    if not question or len(question) > 300:
        raise ValueError("question: wajib diisi, paling banyak 300 huruf")
    if not answer or len(answer) > 2000:
        raise ValueError("answer: wajib diisi, paling banyak 2000 huruf")
    alternatives = values.get("alternatives") or []
    if isinstance(alternatives, str):
        alternatives = [a for a in re.split(r"\s*[|\n]\s*", alternatives) if a]
    alternatives = [str(a).strip()[:300] for a in alternatives if str(a).strip()][:30]
    action = (values.get("action") or None) or None
    if action is not None and action not in ACTIONS:
        raise ValueError(f"action: salah satu dari {', '.join(ACTIONS)}")
    topic = str(values.get("topic") or "umum").strip()[:40] or "umum"
    active = values.get("active", True)
    active = active if isinstance(active, bool) else str(active).strip().lower() not in ("0", "false", "tidak", "no")
    return {"question": question, "answer": answer, "alternatives": json.dumps(alternatives, ensure_ascii=False),
            "topic": topic, "action": action, "active": active}


@dataclass
class _Cache:
    revision: int = -1
    index: Index | None = None
    entries: dict[int, Entry] = field(default_factory=dict)


class KnowledgeBase:
    def __init__(self, *, repo: Knowledge, audit: Audit, tuning: Tuning = Tuning(),
                 scorer: type[Scorer] | None = None, seed: Path | None = SEED) -> None:
        self._repo, self._audit, self.tuning = repo, audit, tuning
        self._scorer, self._seed = scorer, seed
        self._cache = _Cache()
        self._answered = 0

    # --- answering ---

    async def _current(self) -> _Cache:
        revision = await self._repo.revision()
        if revision == 0 and self._seed is not None:
            await self._repo.seed_once(clean_values(v) for v in yaml.safe_load(self._seed.read_text()))
            revision = await self._repo.revision()
        if revision != self._cache.revision:
            entries = {e.id: e for e in map(_entry, await self._repo.entries(active_only=True))}
            index = Index([(e.id, (e.question, *e.alternatives)) for e in entries.values()],
                          self._scorer or Bm25Scorer, known=[e.answer for e in entries.values()])
            self._cache = _Cache(revision, index, entries)
        return self._cache

    async def find(self, text: str) -> Found:
        cache = await self._current()
        hits = cache.index.search(text) if cache.index else []
        found = decide([(cache.entries[h.key], h) for h in hits], self.tuning)
        if found.kind == "answer":
            await self._repo.count_use(found.entries[0].id, "uses")
            self._answered += 1
            every = self.tuning.feedback_every
            found = Found("answer", found.entries, found.confidence, bool(every) and self._answered % every == 0)
        return found

    async def entry(self, entry_id: int) -> Entry | None:
        cache = await self._current()
        return cache.entries.get(entry_id)

    async def chosen(self, entry_id: int) -> Entry | None:
        """An entry picked from "Maksud Anda: …?": counted as used."""
        found = await self.entry(entry_id)
        if found is not None:
            await self._repo.count_use(entry_id, "uses")
        return found

    async def feedback(self, entry_id: int, *, helpful: bool) -> None:
        await self._repo.count_use(entry_id, "helpful" if helpful else "unhelpful")

    async def unanswered(self, text: str, *, now: datetime | None = None) -> None:
        """Keep a question the bot could not answer for staff: masked, grouped by its words."""
        words = sorted(set(tokens(mask(text))) - {"angka", "email", "nik", "ponsel", "nomor", "kk"})
        if not words:
            return
        key = " ".join(words)[:200]
        known = [r["key"] for r in await self._repo.unanswered_keys()]
        similar = process.extractOne(key, known, scorer=fuzz.token_set_ratio, score_cutoff=_SIMILAR) if known else None
        await self._repo.unanswered(key=similar[0] if similar else key, text=mask(text), at=now or utcnow())

    # --- staff ---

    async def entries(self) -> list[Entry]:
        await self._current()  # seeds an empty knowledge base
        return [_entry(r) for r in await self._repo.entries()]

    async def create(self, *, actor: str, values: Mapping[str, Any]) -> Entry:
        row = clean_values(values)
        await self._current()  # an empty knowledge base is seeded before its first change
        [entry_id] = await self._repo.add([{**row, "updated_by": actor}])
        await self._audit.record(actor=actor, action="faq.create", target=f"faq:{entry_id}",
                                 detail={"topic": row["topic"]})
        return _entry(await self._repo.get(entry_id))

    async def update(self, *, actor: str, entry_id: int, values: Mapping[str, Any]) -> Entry | None:
        row = clean_values(values)
        if not await self._repo.change(entry_id, {**row, "updated_by": actor, "updated_at": utcnow()}):
            return None
        await self._audit.record(actor=actor, action="faq.update", target=f"faq:{entry_id}",
                                 detail={"topic": row["topic"], "active": row["active"]})
        return _entry(await self._repo.get(entry_id))

    async def delete(self, *, actor: str, entry_id: int) -> bool:
        if not await self._repo.remove(entry_id):
            return False
        await self._audit.record(actor=actor, action="faq.delete", target=f"faq:{entry_id}")
        return True

    async def unanswered_list(self) -> list[dict[str, Any]]:
        return [{"id": r.id, "text": r.text, "count": r.count, "last_at": r.last_at.isoformat()}
                for r in await self._repo.unanswered_list()]

    async def unanswered_done(self, *, actor: str, item_id: int) -> bool:
        done = await self._repo.unanswered_done(item_id)
        if done:
            await self._audit.record(actor=actor, action="faq.unanswered_done", target=f"faq_unanswered:{item_id}")
        return done

    async def replace_all(self, *, actor: str, rows: Iterable[Mapping[str, Any]]) -> dict[str, int]:
        """An import: rows with a known id update that entry, the others are added."""
        created = updated = 0
        known = {e.id for e in await self.entries()}
        for values in rows:
            entry_id = int(values["id"]) if str(values.get("id") or "").isdigit() else None
            if entry_id in known:
                updated += bool(await self.update(actor=actor, entry_id=entry_id, values=values))
            else:
                await self.create(actor=actor, values=values)
                created += 1
        return {"created": created, "updated": updated}
