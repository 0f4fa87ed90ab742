"""The web chat API over HTTP, health checks, and persistence across app instances."""
from __future__ import annotations

import re

import httpx
import pytest
from sqlalchemy import select

from bot.app import create_app
from conversations.messages_id import MSG
from storage.db import make_engine
from storage.models import Contact
from tests.conftest import chat


async def _contact(settings, user: str) -> Contact:
    engine = make_engine(settings.database_url)
    try:
        async with engine.connect() as conn:
            return (await conn.execute(select(Contact).where(Contact.channel_user_id == user))).one()
    finally:
        await engine.dispose()


async def test_health_ready_and_chat_page(client):
    assert (await client.get("/healthz")).status_code == 200
    assert (await client.get("/readyz")).json() == {"status": "ok"}
    page = await client.get("/chat")
    assert page.status_code == 200 and "text/html" in page.headers["content-type"]
    assert "/static/chat.js" in page.text and "https://" not in page.text  # no CDN
    assert (await client.get("/static/chat.js")).status_code == 200


async def test_menu_by_number_and_subscription_end_to_end(client, settings):
    replies = await chat(client, "web-a", "halo")
    menu = [c for r in replies for c in r["choices"]]
    assert menu[0] == MSG.label_cek_bpjs and MSG.label_langganan in menu
    await chat(client, "web-a", str(menu.index(MSG.label_langganan) + 1))
    await chat(client, "web-a", "Satu kecamatan")
    replies = await chat(client, "web-a", "tulung selapan")
    assert replies[0]["text"] == MSG.sub_done_kec.format(kecamatan="Tulung Selapan")
    row = await _contact(settings, "web-a")
    assert row.subscribed and row.subscription_kecamatan == "16.02.11"
    assert row.subscribed_via == "web" and row.subscribed_at is not None and row.last_inbound_at is not None
    await chat(client, "web-a", "berhenti")
    row = await _contact(settings, "web-a")
    assert not row.subscribed and row.opted_out_via == "web" and row.opted_out_at is not None


@pytest.mark.parametrize("text", ["", " ", "x" * 10_000, "😀" * 50, "'; DROP TABLE contacts; --",
                                  "\u202e\u0000abc\u200f", "9" * 40, "\x07\x1b[31m"])
async def test_bad_input_is_answered_kindly_and_changes_nothing(client, text):
    await chat(client, "web-b", "langganan")
    await chat(client, "web-b", "2")
    replies = await chat(client, "web-b", text)
    assert replies and all(r["text"] for r in replies)
    # the conversation is still where it was
    replies = await chat(client, "web-b", "kayu agung")
    assert "Kayu Agung" in replies[0]["text"]


@pytest.mark.parametrize("body", [b"{", b"[]", b'{"user": 5}', b'{"user": "a"}', b'{"text": "halo"}',
                                  b'{"user": "", "text": "x"}', b'{"user": "a b/c", "text": "x"}',
                                  b'{"user": "a", "text": null}'])
async def test_malformed_bodies_get_4xx(client, body):
    r = await client.post("/api/chat", content=body, headers={"Content-Type": "application/json"})
    assert 400 <= r.status_code < 500


async def test_conversation_continues_on_a_new_app_instance(settings):
    async def session(texts):
        app = create_app(settings)
        async with app.router.lifespan_context(app):
            async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c:
                return [await chat(c, "web-restart", t) for t in texts]

    await session(["langganan", "2"])  # the server "restarts" mid-conversation
    [replies] = await session(["pedamaran"])
    assert replies[0]["text"] == MSG.sub_done_kec.format(kecamatan="Pedamaran")


async def test_readyz_names_the_failed_dependency(settings, tmp_path):
    broken = settings.model_copy(update={"database_url": "postgresql+asyncpg://nobody@127.0.0.1:1/none"})
    app = create_app(broken)
    async with app.router.lifespan_context(app):
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c:
            r = await c.get("/readyz")
            assert r.status_code == 503 and "database" in r.json()["failed"]
            assert (await c.get("/healthz")).status_code == 200


async def test_metrics_count_turns_without_personal_data(client):
    await chat(client, "web-metrics", "nik 1602015708850003")
    body = (await client.get("/metrics")).text
    assert re.search(r'layanan_turns_total\{channel="web",flow="[a-z_]+",outcome="ok"\} [1-9]', body)
    assert "layanan_turn_seconds_bucket" in body and "1602015708850003" not in body and "web-metrics" not in body
