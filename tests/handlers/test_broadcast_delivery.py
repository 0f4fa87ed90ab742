"""Broadcast delivery at scale and under pressure: 1,000 subscribers on both channels exactly once
(10,000 with `make bench`), providers answering 429, and WhatsApp's daily tier spilling the rest to
the next day."""
from __future__ import annotations

import asyncio
import json
from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import func, insert, select, update

from bot.worker import CLAIM, Worker
from storage.models import Contact, OutboxMessage, utcnow
from tests.handlers.test_broadcast import AUTHOR

TEMPLATE = "HX" + "7" * 32


async def bulk_subscribers(rt, *, telegram: int = 0, whatsapp: int = 0, inbound_hours_ago: float = 1) -> None:
    """Subscribed contacts written in one INSERT (the app's own path, one by one, is tested elsewhere).
    WhatsApp ones last wrote `inbound_hours_ago` hours ago (24 or more: outside the window)."""
    now = utcnow()
    rows = [{"channel": "telegram", "channel_user_id": str(5_000_000 + i), "subscribed": True, "subscribed_at": now,
             "subscribed_via": "telegram", "last_inbound_at": now, "created_at": now} for i in range(telegram)]
    rows += [{"channel": "whatsapp", "channel_user_id": f"+62813{i:07d}", "phone": f"+62813{i:07d}", "subscribed": True,
              "subscribed_at": now, "subscribed_via": "whatsapp", "created_at": now,
              "last_inbound_at": now - timedelta(hours=inbound_hours_ago)} for i in range(whatsapp)]
    async with rt.db.begin() as conn:
        for start in range(0, len(rows), 2000):
            await conn.execute(insert(Contact.__table__), rows[start:start + 2000])


async def broadcast(rt, title: str, *, link: str | None = None):
    rt.broadcasts.require_approval = False
    a = await rt.broadcasts.create(title=title, body=f"Isi {title}.", link=link, kecamatan=None, author=AUTHOR)
    return await rt.broadcasts.send(announcement_id=a.id, staff=AUTHOR)


async def pending(rt) -> int:
    async with rt.db.connect() as conn:
        return await conn.scalar(select(func.count()).select_from(OutboxMessage)
                                 .where(OutboxMessage.status == "pending"))


async def drain_all(*workers: Worker) -> None:
    """Run the workers until no row is pending, waiting for rows that are due a little later."""
    while await pending(workers[0]._rt):
        if not sum(await asyncio.gather(*(w.send_due() for w in workers))):
            await asyncio.sleep(0.1)


@pytest.mark.parametrize(("telegram", "whatsapp"), [
    pytest.param(600, 400, id="thousand"),
    pytest.param(6000, 4000, marks=pytest.mark.big, id="ten-thousand"),
])
async def test_subscribers_on_both_channels_each_get_it_exactly_once(client, fake_telegram, fake_twilio,
                                                                     telegram, whatsapp):
    """1,000 subscribers in the suite: at least five claims of CLAIM rows over both channels, each
    recorded in several batches of sent marks, which is what exactly-once depends on (not the count).
    The 10,000 case (`[ten-thousand]`, marked `big`) runs in `make bench` (`pytest --big`), not in
    `make test`."""
    assert telegram + whatsapp >= 5 * CLAIM
    rt = client.app.state.runtime
    await bulk_subscribers(rt, telegram=telegram, whatsapp=whatsapp)
    a = await broadcast(rt, "Untuk semua", link="https://okikab.go.id/info")
    worker = Worker(rt)
    worker._rates = {k: type(v)(100_000) for k, v in worker._rates.items()}  # the providers are fakes here
    await drain_all(worker)
    sent_telegram = Counter(c.params["chat_id"] for c in fake_telegram.accepted("sendMessage"))
    sent_whatsapp = Counter(c.params["To"] for c in fake_twilio.accepted("Messages.json"))
    assert len(sent_telegram) == telegram and set(sent_telegram.values()) == {1}
    assert len(sent_whatsapp) == whatsapp and set(sent_whatsapp.values()) == {1}
    await rt.broadcasts.finish_sent()
    assert (await rt.broadcasts.get(a.id)).state == "sent"
    stats = await rt.broadcasts.stats(a.id)
    everyone = telegram + whatsapp
    assert (stats["recipients"], stats["sent"], stats["queued"], stats["failed"]) == (everyone, everyone, 0, 0)


@pytest.fixture
def settings(settings):
    # a fast configured rate, so that the fakes' own limits (set per test) are what stops us; and only
    # the workers each test makes (not one inside the app as well)
    return settings.model_copy(update={"telegram_send_rate": 60, "whatsapp_send_rate": 60,
                                       "whatsapp_daily_conversations": 3, "worker_in_process": False})


async def test_telegram_429_holds_the_channel_and_loses_nothing(client, fake_telegram):
    rt = client.app.state.runtime
    await bulk_subscribers(rt, telegram=80)
    fake_telegram.limit(20)  # Telegram allows less than we were configured for
    await broadcast(rt, "Pelan-pelan")
    start = asyncio.get_running_loop().time()
    await drain_all(Worker(rt))
    took = asyncio.get_running_loop().time() - start
    calls = fake_telegram.named("sendMessage")
    refused = [c for c in calls if c.status == 429]
    got = Counter(c.params["chat_id"] for c in calls if c.status == 200)
    assert len(got) == 80 and set(got.values()) == {1}  # every one, once
    assert refused, "the fake's limit was never reached: the test proves nothing"
    # after a 429 the channel is held for retry_after (1 s): nothing new is sent in between,
    # except what was already on the wire (at most the in-flight slots)
    first = refused[0].at
    soon_after = [c for c in calls if first < c.at < first + 0.9]
    assert len(soon_after) <= 10
    assert len(refused) < 40 and took >= 2.5  # it slowed down rather than hammering (80 at 20/s)
    async with rt.db.connect() as conn:
        rows = (await conn.execute(select(OutboxMessage.status, OutboxMessage.attempts))).all()
    assert {r.status for r in rows} == {"sent"} and {r.attempts for r in rows} == {0}  # no attempt used up


async def test_twilio_429_is_retried_without_losing_or_doubling(client, fake_twilio):
    rt = client.app.state.runtime
    await bulk_subscribers(rt, whatsapp=30)
    fake_twilio.limit(10)
    await broadcast(rt, "WA pelan")
    await drain_all(Worker(rt))
    calls = fake_twilio.named("Messages.json")
    got = Counter(c.params["To"] for c in calls if c.status < 400)
    assert len(got) == 30 and set(got.values()) == {1}
    assert any(c.status == 429 for c in calls)


async def test_the_daily_whatsapp_tier_spills_the_rest_to_the_next_day(client, fake_twilio):
    rt = client.app.state.runtime
    rt.whatsapp._template = TEMPLATE
    await bulk_subscribers(rt, whatsapp=5, inbound_hours_ago=30)  # outside the window: each opens a conversation
    contacts = rt.dispatcher._contacts
    talking = await contacts.touch(channel="whatsapp", channel_user_id="+6281399999999", at=utcnow())
    await contacts.subscribe(contact_id=talking.id, kecamatan=None, via="whatsapp", at=utcnow())
    a = await broadcast(rt, "Kuota harian", link="https://okikab.go.id/kuota")
    worker = Worker(rt)
    while await worker.send_due():
        pass
    sent = fake_twilio.accepted("Messages.json")
    templates = [c.params for c in sent if c.params.get("ContentSid") == TEMPLATE]
    assert len(templates) == 3  # the tier (3 a day here) is used up
    assert [c.params["To"] for c in sent if "Body" in c.params] == ["whatsapp:+6281399999999"]  # inside the window
    assert json.loads(templates[0]["ContentVariables"]) == {"1": "Kuota harian", "2": "https://okikab.go.id/kuota"}
    stats = await rt.broadcasts.stats(a.id)
    assert (stats["sent"], stats["queued"]) == (4, 2)
    assert stats["waiting_by_reason"] == {"daily WhatsApp conversation limit reached; continues when it allows": 2}
    async with rt.db.connect() as conn:
        waiting = list(await conn.scalars(select(OutboxMessage.next_attempt_at)
                                          .where(OutboxMessage.status == "pending")))
    assert all(at > utcnow() + timedelta(hours=23) for at in waiting)  # tomorrow, not lost

    # A day later (and a restarted worker): the rest goes out.
    async with rt.db.begin() as conn:
        await conn.execute(update(OutboxMessage).where(OutboxMessage.status == "sent")
                           .values(sent_at=utcnow() - timedelta(hours=25)))
        await conn.execute(update(OutboxMessage).where(OutboxMessage.status == "pending")
                           .values(next_attempt_at=utcnow()))
    await worker._limiter.clear(worker._tier, "outbox", "whatsapp-opened")  # the window has moved on
    tomorrow = Worker(rt)
    while await tomorrow.send_due():
        pass
    assert len([c for c in fake_twilio.accepted("Messages.json") if c.params.get("ContentSid")]) == 5
    assert (await rt.broadcasts.stats(a.id))["sent"] == 6


async def test_a_restarted_worker_remembers_the_conversations_of_the_last_24_hours(client, fake_twilio):
    rt = client.app.state.runtime
    rt.whatsapp._template = TEMPLATE
    await bulk_subscribers(rt, whatsapp=5, inbound_hours_ago=30)
    await broadcast(rt, "Ingat")
    first = Worker(rt)
    await first.send_due()
    assert len(fake_twilio.accepted("Messages.json")) == 3
    await first._limiter.clear(first._tier, "outbox", "whatsapp-opened")  # e.g. Redis restarted
    async with rt.db.begin() as conn:
        await conn.execute(update(OutboxMessage).where(OutboxMessage.status == "pending")
                           .values(next_attempt_at=utcnow()))
    restarted = Worker(rt)
    restarted._shared.tier_seeded = False  # an empty limiter: it counts from the outbox
    await restarted.send_due()
    assert len(fake_twilio.accepted("Messages.json")) == 3  # still 3 within 24 hours
