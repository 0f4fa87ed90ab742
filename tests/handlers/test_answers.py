"""Questions get answers (issue 16), through the web chat and the real knowledge base: a question
is answered with its facts and the form offered, a request still starts the form, a question in
the middle of a step is answered and the step goes on, negations turn a service word around, an
unanswerable question is logged masked and a person offered, and "Apakah membantu?" counts."""
from __future__ import annotations

import re

import pytest

from conversations.messages_id import MSG
from conversations.router import match_intent
from tests.conftest import chat

PASSWORD = "Kata-Sandi-Rahasia-9"
NIK = "1602015708850003"


def _text(replies: list[dict]) -> str:
    return "\n".join(r["text"] for r in replies)


def _choices(replies: list[dict]) -> list[str]:
    return [c for r in replies for c in r.get("choices") or []]


async def _token(client, username: str, role: str) -> dict[str, str]:
    await client.app.state.runtime.staff.create(username=username, role=role, password=PASSWORD, actor="test")
    r = await client.post("/api/v1/auth/token", data={"username": username, "password": PASSWORD})
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


@pytest.mark.parametrize(("asked", "fact", "offered"), [
    ("berapa besar santunan kematian?", r"1\.000\.000", MSG.label_lapor_kematian),
    ("syarat santunan kematian apa aja", r"(?s)SKTM.*akta", MSG.label_lapor_kematian),
    ("brp hari batas lapor kematian", r"7 hari", MSG.label_lapor_kematian),
    ("apo bae syarat santunan", r"SKTM", MSG.label_lapor_kematian),
    ("berapo jaminan kematian bpjs tk", r"Rp42 juta", None),
    ("cak mano cek desil keluargo", r"dtsen\.web\.bps\.go\.id", None),
    ("apa bedanya kpj dan nik", r"11 angka", None),
    ("bulan ini iuran bpjs tk saya bayar sendiri gak", r"Rp16\.800", None),
])
async def test_a_question_is_answered_with_its_facts_and_the_form_offered(client, asked, fact, offered):
    replies = await chat(client, "faq-q", asked)
    assert re.search(fact, _text(replies)), _text(replies)
    assert MSG.rep_consent[:40] not in _text(replies) and MSG.cov_ask_nik[:40] not in _text(replies)
    if offered:
        assert offered in _choices(replies)
        started = await chat(client, "faq-q", offered)  # the offered choice starts the form
        assert MSG.rep_consent[:40] in _text(started)


@pytest.mark.parametrize(("said", "starts"), [
    ("mau lapor kematian", MSG.rep_consent[:40]),
    ("sy mau lapor ada yg meninggal", MSG.rep_consent[:40]),
    ("lapor kematian", MSG.rep_consent[:40]),
    ("cek kepesertaan bpjs ketenagakerjaan", MSG.cov_ask_nik[:40]),
    ("tolong cek bpjs saya", MSG.cov_ask_nik[:40]),
    ("uang santunan ibu saya sudah masuk belum?", MSG.st_ask[:30]),  # one's own report, not a new one
])
async def test_a_request_starts_its_service(client, said, starts):
    assert starts in _text(await chat(client, "faq-r", said))


@pytest.mark.parametrize(("said", "intent"), [
    ("ndak mau langganan", "berhenti_langganan"),
    ("jangan kirim-kirim pengumuman lagi", "berhenti_langganan"),
    ("dak galak langganan lagi", "berhenti_langganan"),
    ("sy tdk mau dikirimin info lg", "berhenti_langganan"),
    ("gak usah kirim berita lagi", "berhenti_langganan"),
    ("kirimi saya info terbaru", "langganan"),
    ("uang santunan ibu saya sudah masuk belum?", "status_laporan"),
    ("dana santunan bapak blm cair", "status_laporan"),
])
def test_negations_turn_a_service_word_around_and_money_asks_for_the_status(said, intent):
    assert match_intent(said) == intent


async def test_a_question_at_the_coverage_nik_step_is_answered_and_the_step_goes_on(client):
    await chat(client, "faq-cov", "cek bpjs")
    retry = _text(await chat(client, "faq-cov-retry", "cek bpjs") and await chat(client, "faq-cov-retry", "abc"))
    mid = await chat(client, "faq-cov", "nik itu apa?")
    assert "16 angka" in _text(mid) and _text(mid) != retry
    assert mid[-1]["text"].endswith(MSG.cov_ask_nik.rsplit("\n", 1)[-1])  # the step asked again
    assert "nama" in _text(await chat(client, "faq-cov", NIK)).lower()  # and the NIK is the step's answer


async def _to_step(client, user: str, answers: list[str]) -> None:
    for said in ["lapor kematian", *answers]:
        await chat(client, user, said)


@pytest.mark.parametrize(("answers", "asked", "said", "then"), [
    ([], "data saya dipakai untuk apa?", "tersandi", MSG.rep_consent[-30:]),  # consent
    (["ya", "Rahmawati", "anak"], "nik itu apa?", "16 angka", MSG.rep_ask_nik),  # the deceased's NIK
    (["ya", "Rahmawati", "anak", NIK, "Ahmad Sanusi"], "berapa besar santunannya?", "1.000.000",
     MSG.rep_ask_date),  # the date of death
    (["ya", "Rahmawati", "anak", NIK, "Ahmad Sanusi", "kemarin", "Kayuagung", "Sukadana"],
     "nomor kk dimana liatnya?", "bagian atas Kartu Keluarga", MSG.rep_ask_kk),  # the KK
])
async def test_a_question_inside_the_death_report_is_answered_and_the_step_kept(client, answers, asked, said, then):
    user = f"faq-rep-{len(answers)}"
    await _to_step(client, user, answers)
    replies = await chat(client, user, asked)
    assert said in _text(replies), _text(replies)
    assert then in replies[-1]["text"]  # the same step, asked again
    before = client.app.state.runtime.store
    assert before is not None


async def test_a_question_at_the_status_step_is_answered(client):
    await chat(client, "faq-st", "cek status laporan")
    replies = await chat(client, "faq-st", "nomor laporan itu apa?")
    assert "SK-" in replies[0]["text"] and MSG.st_ask in replies[-1]["text"]


async def test_an_unanswerable_question_offers_a_person_and_is_logged_masked_and_grouped(client):
    hd = await _token(client, "faq.humas", "humas")
    first = await chat(client, "faq-odd", f"apakah bisa bikin paspor? nik saya {NIK} hp 0812 3456 7890")
    assert MSG.kb_person in _choices(first) and MSG.kb_menu in _choices(first)
    items = (await client.get("/api/v1/faq/unanswered", headers=hd)).json()["items"]
    [item] = [i for i in items if "paspor" in i["text"]]
    assert "[angka]" in item["text"] and not re.search(r"\d{4}", item["text"]), item  # no NIK, no phone number
    await chat(client, "faq-odd2", "apa bisa buat paspor di sini?")  # other words, the same question
    items = (await client.get("/api/v1/faq/unanswered", headers=hd)).json()["items"]
    [item] = [i for i in items if "paspor" in i["text"]]
    assert item["count"] == 2 and item["text"] == "apa bisa buat paspor di sini?"
    person = await chat(client, "faq-odd", MSG.kb_person)
    assert MSG.hd_opened in _text(person)


async def test_did_you_mean_offers_two_questions_and_the_pick_is_answered(client):
    replies = await chat(client, "faq-dym", "santunan?")
    assert replies[-1]["text"].startswith("Maksud Anda")
    picked = await chat(client, "faq-dym", "1")
    assert picked[0]["text"] != replies[-1]["text"] and "Maksud" not in picked[0]["text"]


async def test_feedback_no_offers_a_person_and_counts_against_the_entry(client):
    client.app.state.runtime.answers.tuning = type(client.app.state.runtime.answers.tuning)(feedback_every=1)
    replies = await chat(client, "faq-fb", "berapa besar santunan kematian?")
    assert MSG.kb_ask_helpful in _text(replies) and MSG.kb_helpful_no in _choices(replies)
    sorry = await chat(client, "faq-fb", MSG.kb_helpful_no)
    assert MSG.kb_person in _choices(sorry)
    hd = await _token(client, "faq.dinsos", "dinsos")
    entries = (await client.get("/api/v1/faq", headers=hd)).json()["items"]
    [amount] = [e for e in entries if e["question"].startswith("Berapa besar santunan")]
    assert amount["unhelpful"] == 1 and amount["uses"] >= 1
