"""The engine and the subscription flow, as dialogues."""
from __future__ import annotations

import pytest

from conversations.engine import Engine, Flow, Ok, Retry, Step
from conversations.messages_id import MSG
from conversations.subscription import SHORTCUTS
from tests.conversations.dialogue import Dialogue, labels, texts

MENU = [MSG.label_cek_bpjs, MSG.label_lapor_kematian, MSG.label_status_laporan, MSG.label_pengumuman,
        MSG.label_langganan, MSG.label_berhenti_langganan, MSG.label_petugas, MSG.label_bantuan]


@pytest.fixture
def d() -> Dialogue:
    return Dialogue()


async def test_greeting_shows_the_menu_of_working_services(d):
    replies = await d.say("halo")
    assert MSG.welcome in texts(replies)
    assert labels(replies) == MENU


@pytest.mark.parametrize("choice", ["5", "Langganan pengumuman", "sy mau langganan info dong", "langgnan"])
async def test_menu_choice_by_number_button_or_words(d, choice):
    await d.say("menu")
    replies = await d.say(choice)
    assert MSG.sub_ask_scope in texts(replies)
    assert labels(replies) == [MSG.sub_scope_all, MSG.sub_scope_kec]


async def test_subscribe_to_one_kecamatan_with_a_typo(d):
    await d.say("langganan")
    assert MSG.sub_ask_kecamatan in texts(await d.say("2"))
    replies = await d.say("kayuagng")
    assert texts(replies) == MSG.sub_done_kec.format(kecamatan="Kayu Agung")
    assert d.contact.subscribed and d.contact.subscription_kecamatan == "16.02.05"
    assert d.state is None


async def test_ambiguous_kecamatan_offers_choices_and_takes_a_number(d):
    await d.say("langganan")
    await d.say("satu kecamatan")
    replies = await d.say("mesu")
    assert labels(replies) == ["Mesuji", "Mesuji Makmur", "Mesuji Raya"]
    replies = await d.say("3")
    assert "Mesuji Raya" in texts(replies)
    assert d.contact.subscription_kecamatan == "16.02.21"


async def test_subscribe_to_all_of_oki_and_see_it_next_time(d):
    await d.say("langganan")
    assert texts(await d.say("Seluruh OKI")) == MSG.sub_done_all
    assert MSG.sub_current_all in texts(await d.say("langganan"))


async def test_unknown_kecamatan_says_what_a_good_answer_looks_like(d):
    await d.say("langganan")
    await d.say("2")
    replies = await d.say("Palembang")
    assert "tidak ada di Kabupaten OKI" in texts(replies)
    assert d.state["step"] == "kecamatan"


async def test_three_failed_answers_offer_ways_on_never_start_again(d):
    await d.say("langganan")
    await d.say("2")
    await d.say("xxxx")
    await d.say("yyyy")
    replies = await d.say("zzzz")
    assert MSG.stuck_short in texts(replies) and "mulai lagi" not in texts(replies)
    assert labels(replies)[-1] == MSG.stuck_menu and d.state["step"] == "kecamatan"  # still at the question
    assert "Pedamaran" in texts(await d.say("pedamaran"))  # a right answer still works
    assert d.state is None


async def test_batal_cancels_and_kembali_goes_back(d):
    await d.say("langganan")
    await d.say("2")
    replies = await d.say("kembali")
    assert MSG.sub_ask_scope in texts(replies) and d.state["step"] == "scope"
    replies = await d.say("BATAL")
    assert MSG.cancelled in texts(replies) and d.state is None
    assert not d.contact.subscribed


async def test_bantuan_inside_a_flow_keeps_the_question(d):
    await d.say("langganan")
    await d.say("2")
    replies = await d.say("bantuan")
    assert MSG.help in texts(replies) and MSG.sub_ask_kecamatan in texts(replies)
    assert "Kayu Agung" in texts(await d.say("kayu agung"))


async def test_berhenti_and_mulai_in_any_state(d):
    await d.say("langganan semua")
    assert d.contact.subscribed
    await d.say("langganan")
    await d.say("2")
    assert texts(await d.say("  STOP ")) == MSG.unsub_done
    assert not d.contact.subscribed and d.state is None
    await d.say("langganan")  # start a conversation, then `mulai` must not resume it
    replies = await d.say("mulai")
    assert texts(replies) == MSG.resub_done_all
    assert d.contact.subscribed and d.state is None


async def test_berhenti_when_not_subscribed_says_so(d):
    assert texts(await d.say("berhenti")) == MSG.unsub_not_subscribed


async def test_an_intent_without_a_flow_is_answered_honestly():
    from conversations.engine import Engine

    d = Dialogue(engine=Engine(flows={}, shortcuts=SHORTCUTS))  # e.g. a service switched off
    replies = await d.say("pengumuman terbaru")
    assert "belum bisa dipakai" in texts(replies) and labels(replies) == [MSG.label_bantuan]


async def test_unrecognised_text_shows_the_menu_kindly(d):
    replies = await d.say("harga cabai naik lagi")
    assert MSG.not_understood in texts(replies) and labels(replies) == MENU


async def test_a_renamed_flow_version_starts_over(d):
    await d.say("langganan semua")
    await d.say("langganan")
    d.state["flow_version"] = 0  # stored by an older release
    replies = await d.say("2")  # meant for the old step: must not pick menu item 2 (berhenti)
    assert MSG.restarted in texts(replies) and labels(replies) == MENU
    assert d.state is None and d.contact.subscribed


async def test_skip_if_and_async_parsers_and_a_custom_flow():
    async def parse_async(answer, ctx, answers):
        return Ok(answer.text.upper()) if answer.text else Retry("ketik sesuatu")

    async def done(ctx, answers):
        from conversations.model import Reply
        return [Reply(f"{answers['a']}|{answers.get('b')}|{answers['c']}")]

    flow = Flow("langganan", on_complete=done, steps=(
        Step("a", prompt="A?", parse=parse_async),
        Step("b", prompt="B?", parse=parse_async, skip_if=lambda ctx, a: a["a"] == "SKIP"),
        Step("c", prompt="C?", parse=parse_async),
    ))
    d = Dialogue(engine=Engine(flows={"langganan": flow}, shortcuts=SHORTCUTS))
    await d.say("langganan")
    assert texts(await d.say("skip")) == "C?"
    assert texts(await d.say("ok")) == "SKIP|None|OK"
