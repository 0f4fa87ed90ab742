"""python-telegram-bot's HTTP through aiohttp (handlers/telegram_http.py): a Bot API call goes out
as PTB's own would, and the failures come back as PTB's errors, which the channel and the outbox
already handle (a provider down is a NetworkError, a stuck one a TimedOut)."""
from __future__ import annotations

import socket
import threading

import pytest
from telegram import Bot
from telegram.error import NetworkError, TimedOut

from handlers.telegram_http import AiohttpRequest
from tests.conftest import TOKEN


async def test_a_message_goes_out_and_its_answer_is_parsed(fake_telegram):
    async with Bot(TOKEN, base_url=f"{fake_telegram.base_url}", request=AiohttpRequest()) as bot:
        message = await bot.send_message(chat_id=4242, text="Halo <b>warga</b>", parse_mode="HTML")
    assert message.chat.id == 4242
    sent = fake_telegram.named("sendMessage")[-1]
    assert sent.params["chat_id"] in (4242, "4242") and sent.params["text"] == "Halo <b>warga</b>"


async def test_a_provider_that_is_down_is_a_network_error():
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    bot = Bot(TOKEN, base_url=f"http://127.0.0.1:{port}/bot", request=AiohttpRequest())
    await bot.request.initialize()  # no getMe: nothing answers
    try:
        with pytest.raises(NetworkError) as refused:
            await bot.send_message(chat_id=1, text="x")
        assert not isinstance(refused.value, TimedOut)
    finally:
        await bot.request.shutdown()


async def test_a_provider_that_never_answers_is_a_timeout():
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    held: list[socket.socket] = []
    threading.Thread(target=lambda: held.append(server.accept()[0]), daemon=True).start()
    bot = Bot(TOKEN, base_url=f"http://127.0.0.1:{server.getsockname()[1]}/bot",
              request=AiohttpRequest(timeout=0.5))
    await bot.request.initialize()  # no getMe: the fake never answers
    try:
        with pytest.raises(TimedOut):
            await bot.send_message(chat_id=1, text="x")
    finally:
        await bot.request.shutdown()
        for conn in held:
            conn.close()
        server.close()
