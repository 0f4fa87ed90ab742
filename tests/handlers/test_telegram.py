"""Telegram webhook end to end: the real python-telegram-bot against a fake Bot API on loopback."""
from __future__ import annotations

import asyncio
import io
import logging

from conversations.messages_id import MSG
from conversations.model import Choice, Reply
from tests.handlers.conftest import SECRET, TOKEN, payload, post_tg, tg_update

JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 200
EXE = b"MZ\x90\x00" + b"\x00" * 200


async def test_forged_or_missing_secret_is_refused_and_nothing_is_sent(client, fake_telegram):
    assert (await post_tg(client, tg_update(1, 501, "halo"), secret="wrong")).status_code == 403
    assert (await post_tg(client, tg_update(2, 501, "halo"), secret=None)).status_code == 403
    assert (await post_tg(client, tg_update(3, 501, "halo"), secret=SECRET + "x")).status_code == 403
    assert fake_telegram.named("sendMessage") == []


async def test_a_message_is_answered_with_a_reply_keyboard(client, fake_telegram):
    r = await post_tg(client, tg_update(10, 502, "halo"))
    assert r.status_code == 200
    calls = fake_telegram.named("sendMessage")
    assert [c.params["text"] for c in calls] == [MSG.welcome, MSG.menu]
    keyboard = calls[-1].params["reply_markup"]["keyboard"]
    assert [row[0]["text"] for row in keyboard] == [
        MSG.label_cek_bpjs, MSG.label_lapor_kematian, MSG.label_status_laporan, MSG.label_pengumuman,
        MSG.label_langganan, MSG.label_berhenti_langganan, MSG.label_petugas, MSG.label_bantuan]
    assert calls[-1].params["parse_mode"] == "HTML"


async def test_a_redelivered_update_is_handled_once(client, fake_telegram):
    await post_tg(client, tg_update(20, 503, "langganan"))
    n = len(fake_telegram.named("sendMessage"))
    assert (await post_tg(client, tg_update(20, 503, "langganan"))).status_code == 200
    assert len(fake_telegram.named("sendMessage")) == n


async def test_real_captured_update_is_answered_and_old_samples_are_ignored(client, fake_telegram):
    captured = payload("update_text_message_pytba.json")
    assert (await post_tg(client, captured)).status_code == 200
    chat = captured["message"]["chat"]["id"]
    assert fake_telegram.texts_to(chat)  # "<b>b</b> <i>i</i>" is not a menu word: the menu is shown
    before = len(fake_telegram.named("sendMessage"))
    for name in ("update_text_start_official.json", "update_document_official.json",
                 "update_callback_query_official.json"):  # 2015 shapes without is_bot: logged, 200
        assert (await post_tg(client, payload(name))).status_code == 200
    assert len(fake_telegram.named("sendMessage")) == before
    assert (await client.post("/webhooks/telegram", content=b"{not json",
                              headers={"X-Telegram-Bot-Api-Secret-Token": SECRET})).status_code == 200


async def test_user_text_is_html_escaped(client, fake_telegram):
    await post_tg(client, tg_update(30, 504, "langganan"))
    await post_tg(client, tg_update(31, 504, "2"))
    await post_tg(client, tg_update(32, 504, "<b>Kota</b> & co"))
    text = fake_telegram.texts_to(504)[-1]
    assert "&lt;b&gt;Kota&lt;/b&gt; &amp; co" in text and "<b>Kota" not in text


async def test_a_photo_is_stored_and_too_large_or_wrong_type_get_kind_answers(client, fake_telegram, settings):
    fake_telegram.add_file("big", JPEG, declared_size=50 * 1024 * 1024)
    fake_telegram.add_file("exe", EXE)
    fake_telegram.add_file("ok", JPEG)
    photo = lambda fid: [{"file_id": fid, "file_unique_id": fid + "u", "width": 90, "height": 90,  # noqa: E731
                          "file_size": len(JPEG)}]
    await post_tg(client, tg_update(40, 505, photo=[{**photo("big")[0], "file_size": 50 * 1024 * 1024}]))
    assert fake_telegram.texts_to(505)[-1].startswith("File yang Anda kirim terlalu besar")
    document = {"file_id": "exe", "file_unique_id": "exeu", "file_name": "ktp.jpg", "mime_type": "image/jpeg",
                "file_size": len(EXE)}
    await post_tg(client, tg_update(41, 505, document=document))
    assert fake_telegram.texts_to(505)[-1] == MSG.media_bad_type  # judged by content, not by name
    await post_tg(client, tg_update(42, 505, photo=photo("ok")))
    stored = list((settings.data_dir / "attachments").rglob("*.jpg"))
    assert len(stored) == 1 and stored[0].read_bytes() == JPEG
    assert not list((settings.data_dir / "attachments").rglob("*.exe"))
    await post_tg(client, tg_update(43, 505, sticker={"file_id": "s", "file_unique_id": "su", "width": 1,
                                                      "height": 1, "is_animated": False, "is_video": False,
                                                      "type": "regular"}))
    assert fake_telegram.texts_to(505)[-1] == MSG.kind_sticker  # not a failed file: a kind word


async def test_retry_after_is_honoured(direct_send, client, fake_telegram):
    fake_telegram.fail_next("sendMessage", 429, payload("error_retry_after_ptb_test.json") | {
        "error_code": 429, "parameters": {"retry_after": 1}})
    assert (await post_tg(client, tg_update(50, 506, "bantuan"))).status_code == 200
    calls = fake_telegram.named("sendMessage")
    assert len(calls) == 2 and calls[0].params == calls[1].params  # the same message, sent again
    assert calls[1].at - calls[0].at >= 0.9  # ...after the second Telegram asked for
    assert fake_telegram.texts_to(506) == [MSG.help, MSG.help]


async def test_two_messages_in_flight_for_one_chat_are_handled_in_order(client, fake_telegram):
    fake_telegram.delays["sendMessage"] = [0.6]  # the first turn is still sending when the second arrives
    first = asyncio.create_task(post_tg(client, tg_update(60, 507, "langganan")))
    while not fake_telegram.named("sendMessage"):  # noqa: ASYNC110 (polling a server in another thread)
        await asyncio.sleep(0.01)
    second = asyncio.create_task(post_tg(client, tg_update(61, 507, "2")))
    assert [r.status_code for r in await asyncio.gather(first, second)] == [200, 200]
    texts = fake_telegram.texts_to(507)
    assert MSG.sub_ask_scope in texts[0] and texts[1] == MSG.sub_ask_kecamatan


async def test_shared_phone_number_is_kept_only_when_it_is_the_senders_own(client, fake_telegram, settings):
    from sqlalchemy import select

    from storage.db import make_engine
    from storage.models import Contact

    own = {"phone_number": "6281234567890", "first_name": "Siti", "user_id": 508}
    other = {"phone_number": "6289999999999", "first_name": "Lain", "user_id": 999}
    await post_tg(client, tg_update(70, 509, contact=other))
    await post_tg(client, tg_update(71, 508, contact=own))
    engine = make_engine(settings.database_url)
    async with engine.connect() as conn:
        rows = {r.channel_user_id: r.phone for r in await conn.execute(select(Contact))}
    await engine.dispose()
    assert rows == {"509": None, "508": "+6281234567890"}


def test_render_splits_long_texts_and_offers_the_phone_button(client):
    channel = client.app.state.runtime.telegram
    parts = channel.render([Reply("kata " * 3000)])
    assert len(parts) == 4 and all(len(p["text"]) <= 4096 for p in parts)
    escaped = channel.render([Reply("&" * 5000)])
    assert all(len(p["text"]) <= 4096 for p in escaped)
    [ask] = channel.render([Reply("Nomor HP?", request_phone=True)])
    assert ask["reply_markup"].keyboard[0][0].request_contact is True
    [choice] = channel.render([Reply("Pilih", (Choice("a", "Satu"),))])
    assert choice["reply_markup"].keyboard[0][0].text == "Satu"


async def test_the_bot_token_never_reaches_the_log(direct_send, client, fake_telegram):
    from bot.logs import setup_logging

    stream = io.StringIO()
    setup_logging("DEBUG", stream=stream)
    try:
        await post_tg(client, tg_update(80, 510, "halo"))
        fake_telegram.fail_next("sendMessage", 400, {"ok": False, "error_code": 400, "description": "Bad"})
        await post_tg(client, tg_update(81, 510, "menu"))
    finally:
        logging.getLogger().handlers.clear()
    text = stream.getvalue()
    assert "turn contact=" in text and TOKEN not in text and TOKEN.split(":")[1] not in text


async def test_polling_mode_answers_without_a_webhook(settings, fake_telegram):
    from bot.app import create_app

    fake_telegram.pending_updates.append(tg_update(90, 511, "bantuan"))
    app = create_app(settings.model_copy(update={"telegram_mode": "polling"}))
    async with app.router.lifespan_context(app):
        for _ in range(100):
            if fake_telegram.texts_to(511) and len(fake_telegram.named("getUpdates")) >= 2:
                break
            await asyncio.sleep(0.05)
    assert fake_telegram.texts_to(511) == [MSG.help]  # answered once, although getUpdates ran on
    assert fake_telegram.named("deleteWebhook") and len(fake_telegram.named("getUpdates")) >= 2


async def test_one_plain_reply_goes_back_in_the_webhook_response(client, fake_telegram):
    update = tg_update(90, 520, "bantuan")
    r = await client.post("/webhooks/telegram", json=update, headers={"X-Telegram-Bot-Api-Secret-Token": SECRET})
    body = r.json()
    assert r.status_code == 200 and not fake_telegram.named("sendMessage")  # no call of our own
    assert (body["method"], body["chat_id"], body["parse_mode"]) == ("sendMessage", 520, "HTML")
    assert body["text"] == MSG.help and body["reply_markup"]["keyboard"][0] == [{"text": MSG.label_cek_bpjs}]
    # Telegram redelivers the same update: nothing is answered twice
    again = await client.post("/webhooks/telegram", json=update, headers={"X-Telegram-Bot-Api-Secret-Token": SECRET})
    assert again.status_code == 200 and again.content == b""


async def test_several_messages_are_sent_through_the_bot_api_as_before(client, fake_telegram):
    r = await client.post("/webhooks/telegram", json=tg_update(91, 521, "halo"),
                          headers={"X-Telegram-Bot-Api-Secret-Token": SECRET})
    assert r.status_code == 200 and r.content == b""
    assert len(fake_telegram.texts_to(521)) == 2  # the welcome and the menu, in order, by the server itself
