"""The knowledge base's retrieval and storage: the evaluation set above its floor, the slang table
shared with the intent matcher, typos, a live edit seen by a second process, CSV/YAML round trips."""
from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import textwrap
from pathlib import Path

from bench.answers import evaluate, load_eval, seed_entries
from conversations.text import words
from services.answers import KnowledgeBase, mask
from services.answers_io import read_csv, read_yaml, write_csv, write_yaml
from services.audit import Audit
from services.retrieval import Index, tokens
from storage.db import make_engine, make_sessionmaker
from storage.knowledge import Knowledge

ROOT = Path(__file__).resolve().parents[2]


def test_the_evaluation_set_is_answered_above_its_floor():
    assert len(load_eval()) >= 150
    result = evaluate()
    # measured 74.6% top-1 and 1.1% confident-wrong (docs/benchmarks.md); the floor leaves a little room
    assert result["top1"] >= 0.70, result
    assert result["confident_wrong"] <= 0.02, result["wrong"]


def test_the_seed_has_thirty_entries_each_with_phrasings_and_a_short_answer():
    entries = seed_entries()
    assert len(entries) >= 30
    assert all(len(e.alternatives) >= 3 and len(e.answer) <= 600 for e in entries)
    assert not any("[unverified]" in e.answer or "0811 8750" in e.answer for e in entries)  # nothing unsourced


def test_the_slang_table_is_the_intent_matchers_own():
    assert words("gmn brp yg tdk apo ngapo dak") == ["bagaimana", "berapa", "yang", "tidak", "apa", "mengapa", "tidak"]
    assert words("cak mano bpjstk") == ["bagaimana", "bpjs", "ketenagakerjaan"]
    assert tokens("cak mano bpjstk") == ["bagaimana", "bpjs", "ketenagakerjaan"]  # retrieval reads the same table


def test_typos_and_joined_words_find_the_entry():
    index = Index([(1, ["berapa besar santunan kematian"]), (2, ["apa itu aplikasi jmo"])])
    assert index.search("brp besr santuan kematin")[0].key == 1
    assert index.search("aplikasii jmo tu apo")[0].key == 2


def test_personal_numbers_are_masked():
    assert mask("nik 1602015708850003, hp +62 812-3456-7890, a@b.id, 7 hari") == \
        "nik [angka], hp [angka], [email], 7 hari"


async def test_csv_and_yaml_round_trip(client):
    kb: KnowledgeBase = client.app.state.runtime.answers
    entries = await kb.entries()
    for rows in (read_csv(write_csv(entries).encode()), read_yaml(write_yaml(entries).encode())):
        assert len(rows) == len(entries)
        changed = [{**rows[0], "answer": "Jawaban baru dari berkas."}, {"question": "Pertanyaan baru?",
                                                                         "answer": "Jawaban.", "alternatives": "a | b"}]
        summary = await kb.replace_all(actor="staff:1", rows=changed)
        assert summary == {"created": 1, "updated": 1}
    after = {e.question: e for e in await kb.entries()}
    assert after[entries[0].question].answer == "Jawaban baru dari berkas."
    assert after["Pertanyaan baru?"].alternatives == ("a", "b")


_SECOND = textwrap.dedent("""
    import asyncio, sys
    from services.answers import KnowledgeBase
    from services.audit import Audit
    from storage.db import make_engine, make_sessionmaker
    from storage.knowledge import Knowledge

    async def main():
        sessions = make_sessionmaker(make_engine(sys.argv[1]))
        kb = KnowledgeBase(repo=Knowledge(sessions), audit=Audit(sessions))
        for line in sys.stdin:
            found = await kb.find(line.strip())
            print(found.entries[0].answer if found.kind == "answer" else found.kind, flush=True)

    asyncio.run(main())
""")


async def test_an_edit_is_answered_by_a_second_process_without_a_restart(sqlite_url):
    sessions = make_sessionmaker(make_engine(sqlite_url))
    kb = KnowledgeBase(repo=Knowledge(sessions), audit=Audit(sessions))
    entry = await kb.create(actor="staff:1", values={"question": "Kapan lomba bidar di Kayuagung?",
                                                     "answer": "Lomba bidar tanggal 17 Agustus."})
    second = subprocess.Popen([sys.executable, "-c", _SECOND, sqlite_url], stdin=subprocess.PIPE,  # noqa: ASYNC220
                              stdout=subprocess.PIPE, text=True, cwd=ROOT,
                              env={**os.environ, "PYTHONPATH": str(ROOT)})
    try:
        def ask() -> str:
            second.stdin.write("kapan lomba bidar kayuagung\n")
            second.stdin.flush()
            return second.stdout.readline().strip()

        assert await asyncio.to_thread(ask) == "Lomba bidar tanggal 17 Agustus."
        await kb.update(actor="staff:1", entry_id=entry.id, values={"question": entry.question,
                                                                    "answer": "Lomba bidar diundur ke 20 Agustus."})
        assert await asyncio.to_thread(ask) == "Lomba bidar diundur ke 20 Agustus."  # its cache saw the revision
        await kb.delete(actor="staff:1", entry_id=entry.id)
        assert await asyncio.to_thread(ask) != "Lomba bidar diundur ke 20 Agustus."
    finally:
        second.stdin.close()
        second.wait(timeout=30)
    actions = [(a.action, a.target) for a in await Audit(sessions).recent(limit=5)]
    assert ("faq.update", f"faq:{entry.id}") in actions and ("faq.delete", f"faq:{entry.id}") in actions


async def test_the_csv_export_holds_no_formula_and_imports_back_as_typed(client):
    kb: KnowledgeBase = client.app.state.runtime.answers
    await kb.create(actor="staff:1", values={"question": "=HYPERLINK(\"http://x\")", "answer": "+62 itu kode"})
    exported = write_csv(await kb.entries())
    assert "'=HYPERLINK" in exported and "'+62 itu kode" in exported
    [row] = [r for r in read_csv(exported.encode()) if "HYPERLINK" in r["question"]]
    assert row["question"] == "=HYPERLINK(\"http://x\")" and row["answer"] == "+62 itu kode"
