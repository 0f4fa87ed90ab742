"""The one dispatch path: failures answer kindly, never corrupt the state, and tell the webhook
what reached the citizen."""
from __future__ import annotations

import logging

from conversations.messages_id import MSG
from storage.state import state_key
from tests.handlers.conftest import post_tg, post_wa, tg_update, wa_form


async def test_an_error_inside_a_flow_apologises_with_the_menu_and_keeps_the_state(client, fake_telegram,
                                                                                  monkeypatch, caplog):
    rt = client.app.state.runtime
    await post_tg(client, tg_update(1, 601, "langganan"))
    await post_tg(client, tg_update(2, 601, "2"))
    before = await rt.store.load(state_key(1))
    subscriptions = rt.dispatcher._services.subscriptions

    async def broken(**_kwargs):
        raise RuntimeError("database said no")

    monkeypatch.setattr(subscriptions, "subscribe", broken)
    caplog.set_level(logging.INFO)
    assert (await post_tg(client, tg_update(3, 601, "kayu agung"))).status_code == 200
    call = fake_telegram.named("sendMessage")[-1]
    assert call.params["text"] == MSG.error
    assert MSG.label_langganan in [row[0]["text"] for row in call.params["reply_markup"]["keyboard"]]
    assert await rt.store.load(state_key(1)) == before  # still waiting for the kecamatan
    assert "turn failed" in caplog.text and "kayu agung" not in caplog.text
    monkeypatch.undo()
    await post_tg(client, tg_update(4, 601, "kayu agung"))
    assert fake_telegram.texts_to(601)[-1] == MSG.sub_done_kec.format(kecamatan="Kayu Agung")


async def test_database_down_still_answers_and_picks_the_status_code(direct_send, client, fake_telegram, fake_twilio,
                                                                    monkeypatch):
    rt = client.app.state.runtime
    await rt.db.dispose()

    def down(*_a, **_k):
        raise ConnectionRefusedError("database down")

    monkeypatch.setattr(rt.dispatcher._contacts, "touch", down)
    monkeypatch.setattr(rt.store, "seen", down)
    r = await post_tg(client, tg_update(10, 602, "halo"))
    assert r.status_code == 200 and fake_telegram.texts_to(602) == [MSG.error]  # apology delivered: no retry
    fake_telegram.fail_next("sendMessage", 502, {"ok": False, "error_code": 502, "description": "Bad Gateway"})
    r = await post_tg(client, tg_update(11, 602, "halo"))
    assert r.status_code == 503  # nothing reached the citizen: let Telegram redeliver later
    r = await post_wa(client, wa_form("SMdown", "+6281260200000", "halo"))
    assert r.status_code == 200 and [m.split("\n")[0] for m in fake_twilio.shown_to("+6281260200000")] == [
        MSG.error.split("\n")[0]]


async def test_a_failed_turn_can_be_redelivered(client, fake_telegram, monkeypatch):
    rt = client.app.state.runtime
    calls = {"n": 0}
    real_step = rt.dispatcher._engine.step

    async def flaky(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 1:
            raise RuntimeError("boom")
        return await real_step(*args, **kwargs)

    monkeypatch.setattr(rt.dispatcher._engine, "step", flaky)
    await post_tg(client, tg_update(20, 603, "langganan"))
    await post_tg(client, tg_update(20, 603, "langganan"))  # Telegram redelivers the same update
    texts = fake_telegram.texts_to(603)
    assert texts[0] == MSG.error and MSG.sub_ask_scope in texts[1] and len(texts) == 2
