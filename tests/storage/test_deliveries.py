"""Delivery receipts: a status never moves backwards, whatever order Twilio's callbacks come in,
and on PostgreSQL the callbacks that arrive together share one statement (group commit) while
each request still waits for its own update to be committed."""
from __future__ import annotations

import asyncio
import random

import pytest
from sqlalchemy import event, select

from storage.db import make_engine, make_sessionmaker
from storage.deliveries import Deliveries
from storage.models import SentMessage


@pytest.fixture(params=["sqlite", "postgresql"])
async def deliveries(request):
    url = request.getfixturevalue("sqlite_url" if request.param == "sqlite" else "pg_url")
    engine = make_engine(url)
    statements: list[str] = []
    event.listen(engine.sync_engine, "before_cursor_execute",
                 lambda _c, _cur, sql, *_a: statements.append(sql) if "sent_messages" in sql else None)
    yield Deliveries(make_sessionmaker(engine)), engine, statements, request.param
    await engine.dispose()


async def test_callbacks_in_any_order_end_at_the_highest_status(deliveries):
    store, engine, statements, backend = deliveries
    sids = [f"SM{i:032x}" for i in range(150)]
    for sid in sids:
        await store.record(channel="whatsapp", contact_id=None, provider_id=sid, status="queued")
    calls = [(sid, status) for sid in sids for status in ("sent", "delivered", "read")]
    random.Random(5).shuffle(calls)
    statements.clear()
    results = await asyncio.gather(*(store.advance(provider_id=sid, status=status) for sid, status in calls))
    async with engine.connect() as conn:
        final = dict((await conn.execute(select(SentMessage.provider_id, SentMessage.status))).all())
    assert set(final.values()) == {"read"} and len(final) == 150
    # "read" always advances when it is applied; an older status applied after it does not
    assert all(ok for (_, status), ok in zip(calls, results, strict=True) if status == "read")
    assert 150 <= sum(results) < len(calls)
    assert await store.advance(provider_id=sids[0], status="delivered") is False  # never backwards
    assert await store.advance(provider_id="SM-not-ours", status="read") is False
    if backend == "postgresql":  # 450 callbacks that came together: a few statements, not 450
        assert len([s for s in statements if s.lstrip().startswith("UPDATE")]) <= 10


async def test_sent_messages_that_come_together_are_stored_together(deliveries):
    """A busy minute of replies: every row is committed before its sender hears back, a status
    callback that follows at once finds it, and on PostgreSQL the rows share a few statements."""
    store, engine, statements, backend = deliveries
    sids = [f"SM{i:032x}" for i in range(200)]
    statements.clear()

    async def send_and_hear_back(sid: str) -> bool:
        await store.record(channel="whatsapp", contact_id=None, provider_id=sid, status="queued")
        return await store.advance(provider_id=sid, status="sent")

    assert all(await asyncio.gather(*(send_and_hear_back(sid) for sid in sids)))
    await store.record(channel="whatsapp", contact_id=None, provider_id=None, status="held", reason="no template")
    async with engine.connect() as conn:
        final = dict((await conn.execute(select(SentMessage.provider_id, SentMessage.status))).all())
    assert final == {**dict.fromkeys(sids, "sent"), None: "held"}
    if backend == "postgresql":
        assert len([s for s in statements if s.lstrip().startswith("INSERT")]) <= 20


async def test_a_row_that_cannot_be_stored_does_not_lose_the_others(deliveries):
    store, engine, _statements, _backend = deliveries
    await store.record(channel="whatsapp", contact_id=None, provider_id="SM-first", status="queued")
    results = await asyncio.gather(
        store.record(channel="whatsapp", contact_id=None, provider_id="SM-first", status="sent"),
        store.record(channel="whatsapp", contact_id=None, provider_id="SM-second", status="queued"),
        return_exceptions=True)
    async with engine.connect() as conn:
        final = dict((await conn.execute(select(SentMessage.provider_id, SentMessage.status))).all())
    assert final["SM-first"] == "queued" and final["SM-second"] == "queued"
    assert results[1] is None
