"""One scripted conversation reaches the same result on web chat, Telegram and WhatsApp."""
from __future__ import annotations

from sqlalchemy import select

from conversations.messages_id import MSG
from storage.db import make_engine
from storage.models import Contact
from tests.conftest import chat
from tests.handlers.conftest import post_tg, post_wa, tg_update, wa_form

SCRIPT = ["halo", "5", "Satu kecamatan", "pdamaran timr", "berhenti", "mulai"]


async def test_the_same_script_gives_the_same_result_on_every_channel(client, fake_telegram, fake_twilio, settings):
    web = [await chat(client, "web-same", text) for text in SCRIPT]
    for i, text in enumerate(SCRIPT):
        await post_tg(client, tg_update(1000 + i, 777, text))
        await post_wa(client, wa_form(f"SMsame{i}", "+6281277700000", text))
    expected = MSG.sub_done_kec.format(kecamatan="Pedamaran Timur")
    assert web[3][0]["text"] == expected
    assert expected in fake_telegram.texts_to(777)
    assert expected in fake_twilio.shown_to("+6281277700000")
    resub = MSG.resub_done_kec.format(kecamatan="Pedamaran Timur")
    assert web[-1][0]["text"] == resub == fake_telegram.texts_to(777)[-1]
    assert fake_twilio.shown_to("+6281277700000")[-1] == resub
    engine = make_engine(settings.database_url)
    async with engine.connect() as conn:
        rows = list(await conn.execute(select(Contact).order_by(Contact.channel)))
    await engine.dispose()
    assert [(r.channel, r.subscribed, r.subscription_kecamatan) for r in rows] == [
        ("telegram", True, "16.02.24"), ("web", True, "16.02.24"), ("whatsapp", True, "16.02.24")]
    whatsapp = rows[2]
    assert whatsapp.display_name == "Budi" and whatsapp.phone == "+6281277700000"
    assert whatsapp.opted_out_via == "whatsapp" and whatsapp.last_inbound_at is not None
