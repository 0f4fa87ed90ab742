"""WhatsApp choices as buttons (Twilio Content API) and the message kinds we cannot read, end to end
through the webhook against the fake Twilio (tests/fakes/servers.py), which speaks the Content API."""
from __future__ import annotations

import asyncio
import json
import logging

import httpx

from conversations.messages_id import MSG
from conversations.model import Choice, Reply
from handlers.whatsapp_content import ContentService, template_for
from storage.content_templates import ContentTemplates
from storage.db import make_engine, make_sessionmaker
from tests.handlers.conftest import AUTH, SID, post_wa, wa_form

NUMBER = "+6281299900001"


def _choices(*labels: str) -> tuple[Choice, ...]:
    return tuple(Choice(f"c{i}", label) for i, label in enumerate(labels))


def test_the_prompt_shape_picks_quick_reply_list_picker_or_text():
    two = template_for(Reply("Lanjut?", _choices("Ya", "Tidak")))
    assert list(two["types"]) == ["twilio/quick-reply"]
    assert two["types"]["twilio/quick-reply"]["actions"] == [{"title": "Ya", "id": "c0"},
                                                              {"title": "Tidak", "id": "c1"}]
    menu = template_for(Reply("Pilih", _choices(*(f"Pilihan {i}" for i in range(8)))))
    assert list(menu["types"]) == ["twilio/list-picker"] and len(menu["types"]["twilio/list-picker"]["items"]) == 8
    # too many, a single one, or a long label with no short title in the catalogue: numbered text
    assert template_for(Reply("Pilih", _choices(*(f"Desa {i}" for i in range(11))))) is None
    assert template_for(Reply("Pilih", _choices("Ya"))) is None
    assert template_for(Reply("Pilih", _choices("Ya", "Sebuah pilihan yang sangat panjang sekali"))) is None


def test_a_long_label_gets_its_catalogue_title_and_keeps_the_whole_label_as_description():
    labels = ("Cek kepesertaan BPJS Ketenagakerjaan", "Lapor kematian (santunan)", "Cek status laporan", "Bantuan")
    items = template_for(Reply("Menu", _choices(*labels)))["types"]["twilio/list-picker"]["items"]
    assert items[0] == {"item": "Cek BPJS TK", "id": "c0", "description": "Cek kepesertaan BPJS Ketenagakerjaan"}
    assert items[3] == {"item": "Bantuan", "id": "c3"}  # short enough already: no description
    assert all(len(i["item"]) <= 24 for i in items)


async def test_a_yes_no_question_goes_as_quick_reply_and_a_tapped_button_answers_it(client, fake_twilio):
    await post_wa(client, wa_form("SMb1", NUMBER, "lapor kematian"))
    assert fake_twilio.content_kinds(NUMBER)[-1] == "twilio/quick-reply"
    asked = fake_twilio.sent_to(NUMBER)[-1]
    assert "Body" not in asked and json.loads(asked["ContentVariables"])["1"]  # the question rides in {{1}}
    await post_wa(client, wa_form("SMb2", NUMBER, "Ya", MessageType="button", ButtonText="Ya", ButtonPayload="ya"))
    assert MSG.rep_ask_reporter.split("?")[0] in fake_twilio.shown_to(NUMBER)[-1]


async def test_the_menu_is_a_list_picker_and_a_list_reply_chooses_exactly(client, fake_twilio):
    await post_wa(client, wa_form("SMl1", NUMBER, "menu"))
    assert fake_twilio.content_kinds(NUMBER)[-1] == "twilio/list-picker"
    # the item's id decides, whatever its title says
    await post_wa(client, wa_form("SMl2", NUMBER, "Cek status", MessageType="interactive", ListId="status_laporan",
                                  ListTitle="Cek status laporan"))
    assert "Ketik nomor laporan" in fake_twilio.shown_to(NUMBER)[-1]


async def test_an_old_button_from_an_earlier_question_is_no_longer_valid(client, fake_twilio):
    await post_wa(client, wa_form("SMs1", NUMBER, "lapor kematian"))
    await post_wa(client, wa_form("SMs2", NUMBER, "Ya", ButtonText="Ya", ButtonPayload="ya"))
    before = len(fake_twilio.sent_to(NUMBER))
    # the reporter's-name step offers other choices; the old "Ya" button is pressed again
    await post_wa(client, wa_form("SMs3", NUMBER, "Ya", ButtonText="Ya", ButtonPayload="ya"))
    said = fake_twilio.shown_to(NUMBER)[before:]
    assert len(said) == 1 and said[0].startswith(MSG.choice_stale)
    await post_wa(client, wa_form("SMs4", NUMBER, "Rahmawati"))
    assert MSG.rep_ask_relationship.split("?")[0] in fake_twilio.shown_to(NUMBER)[-1]


async def test_each_template_is_created_once_and_reused(client, fake_twilio):
    for i in range(3):
        await post_wa(client, wa_form(f"SMr{i}", NUMBER, "menu"))
    assert len(fake_twilio.named("Content")) == 1
    sids = {m["ContentSid"] for m in fake_twilio.sent_to(NUMBER)[-3:]}
    assert len(sids) == 1


async def test_two_processes_and_a_restart_share_the_template_cache(client, fake_twilio, settings):
    """Two workers, each with its own database connection pool and no memory in common, need the
    same template at the same moment: it is created once; a third started later creates nothing."""
    engines = [make_engine(settings.database_url) for _ in range(3)]
    https = [httpx.AsyncClient(auth=(SID, AUTH)) for _ in range(3)]
    services = [ContentService(http=h, api_base_url=fake_twilio.url, templates=ContentTemplates(make_sessionmaker(e)))
                for h, e in zip(https, engines, strict=True)]
    template = template_for(Reply("Pilih", _choices("Satu", "Dua", "Tiga")))
    try:
        first, second = await asyncio.gather(services[0].sid(template), services[1].sid(template))
        later = await services[2].sid(template)
    finally:
        for h, e in zip(https, engines, strict=True):
            await h.aclose()
            await e.dispose()
    assert first == second == later and first.startswith("HX")
    assert len(fake_twilio.named("Content")) == 1


async def test_when_the_content_api_fails_choices_go_as_text_logged_once(client, fake_twilio, caplog):
    fake_twilio.content_failures.append((500, {"code": 20500, "message": "Internal Server Error", "status": 500}))
    with caplog.at_level(logging.WARNING, logger="handlers.whatsapp_content"):
        await post_wa(client, wa_form("SMf1", NUMBER, "menu"))
        await post_wa(client, wa_form("SMf2", NUMBER, "menu"))
    bodies = fake_twilio.sent_to(NUMBER)
    assert len(bodies) == 2 and all("1. Cek kepesertaan BPJS Ketenagakerjaan" in m["Body"] for m in bodies)
    assert len([r for r in caplog.records if "content template" in r.getMessage()]) == 1
    assert len(fake_twilio.named("Content")) == 1  # not asked again at once: paused after the failure
    client.app.state.runtime.whatsapp._content._paused_until = 0.0  # a minute later
    await post_wa(client, wa_form("SMf3", NUMBER, "menu"))  # the API is back: buttons again
    assert fake_twilio.content_kinds(NUMBER)[-1] == "twilio/list-picker"


async def _at_kecamatan_step(client, fake_twilio) -> None:
    answers = ("lapor kematian", "ya", "Rahmawati", "anak", "1602024501800021", "Ahmad Sanusi", "kemarin")
    for i, text in enumerate(answers):
        await post_wa(client, wa_form(f"SMk{i}", NUMBER, text))
    assert MSG.rep_ask_kecamatan.split("?")[0] in fake_twilio.shown_to(NUMBER)[-1]


async def test_a_location_voice_note_or_sticker_gets_a_kind_answer_and_the_step_again(client, fake_twilio):
    await _at_kecamatan_step(client, fake_twilio)
    kinds = [({"MessageType": "location", "Latitude": "-3.39", "Longitude": "104.83"}, MSG.kind_location),
             ({"MessageType": "audio", "NumMedia": "1", "MediaContentType0": "audio/ogg",
               "MediaUrl0": fake_twilio.add_media("MEvoice", b"OggS", "audio/ogg")}, MSG.kind_voice),
             ({"MessageType": "sticker", "NumMedia": "1", "MediaContentType0": "image/webp",
               "MediaUrl0": fake_twilio.add_media("MEsticker", b"RIFF", "image/webp")}, MSG.kind_sticker),
             ({"MessageType": "video", "NumMedia": "1", "MediaContentType0": "video/mp4",
               "MediaUrl0": fake_twilio.add_media("MEvideo", b"\x00", "video/mp4")}, MSG.kind_video)]
    for i, (extra, said) in enumerate(kinds * 2):  # eight times: more than the failed tries allowed
        await post_wa(client, wa_form(f"SMkind{i}", NUMBER, "", **extra))
        shown = fake_twilio.shown_to(NUMBER)[-1]
        assert shown.startswith(said) and MSG.rep_ask_kecamatan in shown
    await post_wa(client, wa_form("SMk-ok", NUMBER, "Kayu Agung"))  # the step was not counted as failed
    assert "Kayu Agung" in fake_twilio.shown_to(NUMBER)[-1]


async def test_a_list_item_with_a_short_title_chooses_by_its_id(client, fake_twilio):
    """"Cek BPJS TK" is only the item's title: the id says which service, on a first message too."""
    await post_wa(client, wa_form("SMi1", NUMBER, "halo"))
    await post_wa(client, wa_form("SMi2", NUMBER, "Cek BPJS TK", MessageType="interactive", ListId="cek_bpjs",
                                  ListTitle="Cek BPJS TK"))
    assert "NIK" in fake_twilio.shown_to(NUMBER)[-1]
