"""The knowledge base's retrieval, measured: accuracy on the evaluation set and latency with 500 entries.

The evaluation set (bench/data/answers_eval.yaml) holds questions in citizens' own words, each
with the seeded entry it should hit (or `none`). Each question goes through the same path as the
bot's (services/retrieval.py `Index.search`, services/answers.py `decide`) with the default
settings, and lands in one of:

- right: answered at once with the right entry (top-1 accuracy counts these);
- choice: "Maksud Anda: …?" with the right entry among the choices;
- fallback: no answer (a person is offered) — right for a `none` question;
- confident-wrong: answered at once with a wrong entry, or any answer to a `none` question: the worst outcome.

Latency: the seeded entries plus synthetic ones up to 500, every question searched 20 times.

    python -m bench.answers [--entries 500] [--no-write]
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import platform
import random
import statistics
import time
from collections import Counter
from pathlib import Path
from typing import Any

import yaml

from bench.chat_turns import write_doc
from services.answers import SEED, Entry, Tuning, decide
from services.retrieval import Index

__all__ = ["evaluate", "load_eval", "seed_entries"]

EVAL = Path(__file__).parent / "data" / "answers_eval.yaml"
START, END = "<!-- bench:answers:start -->", "<!-- bench:answers:end -->"
_TOPICS = ("izin usaha", "akta kelahiran", "kartu identitas anak", "pajak bumi", "sertifikat tanah", "air bersih",
           "listrik desa", "posyandu", "sekolah gratis", "beasiswa daerah", "bantuan pangan", "pupuk subsidi",
           "irigasi sawah", "jalan rusak", "lampu jalan", "sampah", "ambulans desa", "puskesmas", "kartu tani",
           "nelayan", "karet", "sawit", "bibit ikan", "pasar desa", "umkm", "koperasi", "pelatihan kerja")
_ASKS = ("bagaimana cara mengurus {t} di {k}", "berapa biaya {t} untuk warga {k}", "kapan jadwal {t} di {k}",
         "siapa yang mengurus {t} kecamatan {k}", "syarat {t} untuk warga {k}", "di mana kantor {t} {k}")
_KEC = ("kayuagung", "pedamaran", "mesuji", "lempuing", "tulung selapan", "cengal", "jejawi", "pampangan",
        "air sugihan", "sungai menang", "teluk gelam", "pangkalan lampam", "tanjung lubuk", "sirah pulau padang")


def seed_entries() -> list[Entry]:
    rows = yaml.safe_load(SEED.read_text())
    return [Entry(id=i, question=r["question"], answer=r["answer"], alternatives=tuple(r.get("alternatives") or ()),
                  topic=r.get("topic", "umum"), action=r.get("action")) for i, r in enumerate(rows, 1)]


def load_eval() -> list[tuple[str, str | None]]:
    """(question, the entry's own question or None) pairs."""
    data = yaml.safe_load(EVAL.read_text())
    pairs = [q.rsplit(" | ", 1) for q in data["questions"]]
    return [(q, None if slug == "none" else data["entries"][slug]) for q, slug in pairs]


def _index(entries: list[Entry]) -> Index:
    return Index([(e.id, (e.question, *e.alternatives)) for e in entries], known=[e.answer for e in entries])


def evaluate(tuning: Tuning | None = None, entries: list[Entry] | None = None) -> dict[str, Any]:
    """Outcome counts and shares over the evaluation set, and the confident-wrong questions."""
    tuning = tuning or Tuning()
    entries = entries or seed_entries()
    by_id, index = {e.id: e for e in entries}, _index(entries)
    outcomes: Counter[str] = Counter()
    wrong: list[str] = []
    for question, expected in load_eval():
        found = decide([(by_id[h.key], h) for h in index.search(question)], tuning)
        asked = [e.question for e in found.entries]
        if found.kind == "none":
            outcome = "fallback_right" if expected is None else "fallback"
        elif expected is None or (found.kind == "answer" and asked[0] != expected):
            outcome = "confident_wrong" if found.kind == "answer" else "choice_wrong"
        elif found.kind == "answer":
            outcome = "right"
        else:
            outcome = "choice" if expected in asked else "choice_wrong"
        outcomes[outcome] += 1
        if outcome in ("confident_wrong",):
            wrong.append(f"{question} -> {asked[0]}")
    total = sum(outcomes.values())
    answerable = sum(1 for _, e in load_eval() if e is not None)
    return {"total": total, "answerable": answerable, "counts": dict(outcomes),
            "top1": outcomes["right"] / max(1, answerable),
            "choice": (outcomes["choice"] + outcomes["choice_wrong"]) / total,
            "fallback": (outcomes["fallback"] + outcomes["fallback_right"]) / total,
            "confident_wrong": outcomes["confident_wrong"] / total, "wrong": wrong}


def _synthetic(count: int, start: int) -> list[Entry]:
    rng, out = random.Random(16), []
    for i in range(count):
        topic, kec = rng.choice(_TOPICS), rng.choice(_KEC)
        asks = rng.sample(_ASKS, 4)
        out.append(Entry(id=start + i, question=asks[0].format(t=topic, k=kec).capitalize() + "?",
                         answer=f"Jawaban tentang {topic} di {kec}.",
                         alternatives=tuple(a.format(t=topic, k=kec) for a in asks[1:])))
    return out


def latency(entries: int = 500, repeat: int = 20) -> dict[str, float]:
    seeded = seed_entries()
    every = seeded + _synthetic(max(0, entries - len(seeded)), len(seeded) + 1)
    built = time.perf_counter()
    index = _index(every)
    build_ms = (time.perf_counter() - built) * 1000
    questions = [q for q, _ in load_eval()]
    for q in questions:  # warm: the stemmer's and the typo corrector's caches, as a running process has them
        index.search(q)
    times = []
    for _ in range(repeat):
        for q in questions:
            t = time.perf_counter()
            index.search(q)
            times.append((time.perf_counter() - t) * 1000)
    times.sort()
    return {"entries": len(every), "searches": len(times), "build_ms": build_ms,
            "p50": statistics.median(times), "p99": times[int(len(times) * 0.99) - 1], "max": times[-1]}


def with_database(entries: int = 500, repeat: int = 3) -> dict[str, float]:
    """The whole `KnowledgeBase.find` per question on a SQLite file, as the bot calls it: the
    revision read, the search, and the use counted for an answer."""
    import asyncio
    import tempfile

    from services.answers import KnowledgeBase
    from services.audit import Audit
    from storage.db import make_engine, make_sessionmaker
    from storage.knowledge import Knowledge
    from storage.migrate import upgrade

    async def run(url: str) -> list[float]:
        engine = make_engine(url)
        sessions = make_sessionmaker(engine)
        kb = KnowledgeBase(repo=Knowledge(sessions), audit=Audit(sessions))
        await kb.entries()  # seeds
        extra = _synthetic(max(0, entries - len(seed_entries())), 1000)
        await Knowledge(sessions).add([{"question": e.question, "answer": e.answer,
                                        "alternatives": json.dumps(list(e.alternatives))}
                                       for e in extra])
        questions = [q for q, _ in load_eval()]
        await kb.find(questions[0])  # builds the index once, as the first question after an edit does
        times = []
        for _ in range(repeat):
            for q in questions:
                t = time.perf_counter()
                await kb.find(q)
                times.append((time.perf_counter() - t) * 1000)
        await engine.dispose()
        return sorted(times)

    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite+aiosqlite:///{tmp}/bench.db"
        upgrade(url)
        times = asyncio.run(run(url))
    return {"searches": len(times), "p50": statistics.median(times), "p99": times[int(len(times) * 0.99) - 1]}


def _doc(result: dict[str, Any], lat: dict[str, float], db: dict[str, float], tuning: Tuning) -> str:
    c = result["counts"]
    return "\n".join([
        "## Knowledge base: answers to questions "
        f"(`python -m bench.answers`, {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC)",
        "",
        f"Evaluation set: {result['total']} questions in citizens' words (bench/data/answers_eval.yaml), "
        f"{result['answerable']} with an entry to hit and {result['total'] - result['answerable']} the knowledge "
        f"base cannot answer; the {len(seed_entries())} seeded entries; settings FAQ_THRESHOLD={tuning.threshold}, "
        f"FAQ_CERTAINTY={tuning.certainty}, FAQ_MARGIN={tuning.margin}.",
        "",
        "| outcome | questions | share |", "| --- | --- | --- |",
        f"| top-1: answered at once, right entry | {c.get('right', 0)} | {result['top1']:.1%} of answerable |",
        f"| \"Maksud Anda\": choices offered (right entry among them: {c.get('choice', 0)}) | "
        f"{c.get('choice', 0) + c.get('choice_wrong', 0)} | {result['choice']:.1%} |",
        f"| fallback to a person (rightly, for an unanswerable one: {c.get('fallback_right', 0)}) | "
        f"{c.get('fallback', 0) + c.get('fallback_right', 0)} | {result['fallback']:.1%} |",
        f"| **confident-wrong** (answered at once, wrong entry; goal ≤ 2%) | {c.get('confident_wrong', 0)} | "
        f"**{result['confident_wrong']:.1%}** |",
        "",
        f"Retrieval latency with {lat['entries']} entries (the seeded ones plus synthetic), {lat['searches']} "
        f"searches, one process on {platform.processor() or platform.machine()}: p50 {lat['p50']:.2f} ms, "
        f"**p99 {lat['p99']:.2f} ms** (goal ≤ 5 ms), max {lat['max']:.2f} ms; building the index "
        f"{lat['build_ms']:.0f} ms (once per knowledge-base revision, in each process).",
        "",
        f"The whole question as the bot asks it (`KnowledgeBase.find`: the revision read from the database, "
        f"the search, the use counted for an answer), on a SQLite file with the same {lat['entries']} entries, "
        f"{db['searches']} questions: p50 {db['p50']:.2f} ms, p99 {db['p99']:.2f} ms.",
    ])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--entries", type=int, default=500)
    parser.add_argument("--no-write", action="store_true", help="do not update docs/benchmarks.md")
    args = parser.parse_args()
    tuning = Tuning()
    result, lat, db = evaluate(tuning), latency(args.entries), with_database(args.entries)
    body = _doc(result, lat, db, tuning)
    print(body)
    for line in result["wrong"]:
        print("confident-wrong:", line)
    if not args.no_write:
        write_doc(body, START, END)
        print("updated docs/benchmarks.md")


if __name__ == "__main__":
    main()
