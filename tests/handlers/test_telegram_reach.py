"""Telegram: the buttons of a pressed message are taken away (so an old one cannot answer a later
step), and voice notes, stickers, locations and videos get a kind answer with the question again."""
from __future__ import annotations

import time

from conversations.messages_id import MSG
from tests.handlers.conftest import post_tg, tg_update

CHAT = 818


def _press(update_id: int, data: str, message_id: int = 77) -> dict:
    message = {"message_id": message_id, "date": int(time.time()), "text": "…",
               "chat": {"id": CHAT, "type": "private", "first_name": "Siti"},
               "from": {"id": 7000001, "is_bot": True, "first_name": "Layanan OKI"}}
    return {"update_id": update_id, "callback_query": {"id": f"cb{update_id}", "chat_instance": "1", "data": data,
                                                       "message": message,
                                                       "from": {"id": CHAT, "is_bot": False, "first_name": "Siti"}}}


async def test_a_pressed_inline_button_removes_the_buttons_of_its_message(client, fake_telegram):
    assert (await post_tg(client, _press(900, "menu", message_id=4242))).status_code == 200
    edits = fake_telegram.named("editMessageReplyMarkup")
    assert len(edits) == 1 and str(edits[0].params["message_id"]) == "4242"
    assert not edits[0].params.get("reply_markup")  # no keyboard any more
    assert MSG.menu in fake_telegram.texts_to(CHAT)[-1]


async def test_question_choices_are_a_reply_keyboard_that_goes_away_once_used(client, fake_telegram):
    await post_tg(client, tg_update(910, CHAT, "lapor kematian"))
    markup = fake_telegram.named("sendMessage")[-1].params["reply_markup"]
    assert markup["one_time_keyboard"] is True and [row[0]["text"] for row in markup["keyboard"]] == ["Ya", "Tidak"]


async def test_voice_sticker_location_and_video_get_a_kind_answer_and_the_step_again(client, fake_telegram):
    for i, text in enumerate(("lapor kematian", "ya")):
        await post_tg(client, tg_update(920 + i, CHAT, text))
    asked = fake_telegram.texts_to(CHAT)[-1]
    kinds = ((dict(voice={"file_id": "v", "file_unique_id": "vu", "duration": 2}), MSG.kind_voice),
             (dict(location={"latitude": -3.39, "longitude": 104.83}), MSG.kind_location),
             (dict(video={"file_id": "m", "file_unique_id": "mu", "width": 1, "height": 1, "duration": 1}),
              MSG.kind_video))
    for i, (extra, said) in enumerate(kinds * 2):  # more often than the failed tries allowed
        await post_tg(client, tg_update(930 + i, CHAT, **extra))
        shown = fake_telegram.texts_to(CHAT)[-1]
        assert shown.startswith(said) and MSG.rep_ask_reporter in shown
    await post_tg(client, tg_update(950, CHAT, "Rahmawati"))
    assert MSG.rep_ask_relationship.split("?")[0] in fake_telegram.texts_to(CHAT)[-1] and asked != MSG.choice_stale
