"""Broadcasts through the outbox: approval by a second person, exactly once per subscriber on
Telegram and WhatsApp, nobody who stopped, kecamatan targeting, two workers sharing the rows, and
scheduled sends."""
from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from bot.worker import Worker
from services.staff import StaffInfo
from storage.models import OutboxMessage, utcnow
from tests.bot.test_api_registry import _token
from tests.conftest import PG_URL

AUTHOR, SECOND = StaffInfo(1, "humas1", "humas", None, None), StaffInfo(2, "humas2", "humas", None, None)


@pytest.fixture
def settings(settings):
    """Only the workers each test runs (on SQLite the app would run one of its own as well, racing them)."""
    return settings.model_copy(update={"worker_in_process": False})


async def _subscribers(rt, count: int, *, kecamatan: str | None = None, channel: str = "telegram") -> list:
    contacts = rt.dispatcher._contacts
    made = []
    for i in range(count):
        user = str(700000 + i) if channel == "telegram" else f"+62812{i:07d}"
        c = await contacts.touch(channel=channel, channel_user_id=user, at=utcnow())
        await contacts.subscribe(contact_id=c.id, kecamatan=kecamatan, via=channel, at=utcnow())
        made.append(c)
    return made


async def _send(rt, title: str, *, kecamatan: list[str] | None = None, link: str | None = None):
    """Create and send an announcement with approval waived (what these tests are not about)."""
    rt.broadcasts.require_approval = False
    a = await rt.broadcasts.create(title=title, body=f"Isi {title}.", link=link, kecamatan=kecamatan, author=AUTHOR)
    return await rt.broadcasts.send(announcement_id=a.id, staff=AUTHOR)


async def _drain(*workers: Worker) -> None:
    while sum(await asyncio.gather(*(w.send_due() for w in workers))):
        pass


async def test_approval_by_a_second_person_then_sending_through_the_api(client, fake_telegram):
    author, other = await _token(client, "humas.a", "humas"), await _token(client, "humas.b", "humas")
    created = await client.post("/api/v1/announcements", json={"title": "Vaksinasi", "body": "Besok di puskesmas."},
                                headers=author)
    assert created.status_code == 201 and created.json()["state"] == "draft"
    aid = created.json()["id"]
    assert (await client.post(f"/api/v1/announcements/{aid}/send", json={}, headers=author)).status_code == 409
    assert (await client.post(f"/api/v1/announcements/{aid}/approve", headers=author)).status_code == 403
    assert (await client.post(f"/api/v1/announcements/{aid}/approve", headers=other)).status_code == 200
    kades = await _token(client, "kades.x", "kades", desa="16.02.05.1008")
    assert (await client.post(f"/api/v1/announcements/{aid}/send", json={}, headers=kades)).status_code == 403
    assert (await client.post(f"/api/v1/announcements/{aid}/send", json={}, headers=author)).status_code == 202
    assert (await client.post(f"/api/v1/announcements/{aid}/send", json={}, headers=author)).status_code == 409


async def test_every_subscriber_once_on_both_channels_and_nobody_who_stopped(client, fake_telegram, fake_twilio):
    rt = client.app.state.runtime
    telegram = await _subscribers(rt, 60)
    whatsapp = await _subscribers(rt, 40, channel="whatsapp")
    a = await rt.broadcasts.create(title="Pasar murah", body="Sabtu pagi.", link="https://okikab.go.id",
                                   kecamatan=None, author=AUTHOR)
    await rt.broadcasts.approve(announcement_id=a.id, staff=SECOND)
    await rt.broadcasts.send(announcement_id=a.id, staff=AUTHOR)
    for c in telegram[:10]:  # they said berhenti after the rows were written: honoured at send time
        await rt.dispatcher._contacts.opt_out(contact_id=c.id, via="telegram", at=utcnow())
    await _drain(Worker(rt))
    got = [c.params["chat_id"] for c in fake_telegram.named("sendMessage") if "Pasar murah" in c.params["text"]]
    assert sorted(map(int, got)) == sorted(int(c.channel_user_id) for c in telegram[10:])
    assert sorted(c.params["To"] for c in fake_twilio.named("Messages.json")) == sorted(
        f"whatsapp:{c.channel_user_id}" for c in whatsapp)
    text = fake_telegram.named("sendMessage")[0].params["text"]
    assert "https://okikab.go.id" in text and "Ketik BERHENTI untuk berhenti" in text
    assert await rt.broadcasts.finish_sent() == 1
    stats = await rt.broadcasts.stats(a.id)
    assert stats == {"recipients": 100, "queued": 0, "sent": 90, "delivered": 0, "read": 0, "failed": 0,
                     "skipped": 10, "channel_post": None, "failed_by_reason": {},
                     "skipped_by_reason": {"unsubscribed": 10}, "waiting_by_reason": {}}


async def test_kecamatan_targeting_includes_all_oki_subscribers(client, fake_telegram):
    rt = client.app.state.runtime
    kag = await _subscribers(rt, 3, kecamatan="16.02.05")
    everyone = await _subscribers(rt, 0)
    contacts = rt.dispatcher._contacts
    other = await contacts.touch(channel="telegram", channel_user_id="800001", at=utcnow())
    await contacts.subscribe(contact_id=other.id, kecamatan="16.02.03", via="telegram", at=utcnow())
    whole = await contacts.touch(channel="telegram", channel_user_id="800002", at=utcnow())
    await contacts.subscribe(contact_id=whole.id, kecamatan=None, via="telegram", at=utcnow())
    await _send(rt, "Banjir", kecamatan=["16.02.05"])
    await _drain(Worker(rt))
    chats = {int(c.params["chat_id"]) for c in fake_telegram.named("sendMessage")}
    assert chats == {int(c.channel_user_id) for c in kag} | {800002} and not everyone


async def test_a_scheduled_broadcast_starts_when_its_time_comes(client, fake_telegram):
    rt = client.app.state.runtime
    await _subscribers(rt, 2)
    rt.broadcasts.require_approval = False
    a = await rt.broadcasts.create(title="Nanti", body="Jadwal.", link=None, kecamatan=None, author=AUTHOR)
    a = await rt.broadcasts.send(announcement_id=a.id, staff=AUTHOR, at=utcnow() + timedelta(hours=1))
    assert a.state == "scheduled" and await rt.broadcasts.start_due() == 0
    await rt.broadcasts._repo.update(a.id, send_at=utcnow() - timedelta(seconds=1))  # the hour has passed
    assert await rt.broadcasts.start_due() == 1
    await _drain(Worker(rt))
    assert len(fake_telegram.named("sendMessage")) == 2


@pytest.mark.skipif(not PG_URL, reason="two workers claim rows concurrently only on PostgreSQL (SKIP LOCKED); "
                                       "tested in CI")
async def test_two_workers_share_the_rows_without_duplicates(client, fake_telegram):
    rt = client.app.state.runtime
    await _subscribers(rt, 300)
    await _send(rt, "Bersama")
    await _drain(Worker(rt), Worker(rt))
    chats = [c.params["chat_id"] for c in fake_telegram.named("sendMessage")]
    assert len(chats) == 300 and len(set(chats)) == 300
    async with rt.db.connect() as conn:
        assert await conn.scalar(select(func.count()).select_from(OutboxMessage)
                                 .where(OutboxMessage.status == "sent")) == 300


async def test_whatsapp_outside_the_24_hour_window_is_skipped_without_a_template(client, fake_twilio):
    rt = client.app.state.runtime
    contacts = rt.dispatcher._contacts
    recent = await contacts.touch(channel="whatsapp", channel_user_id="+6281200000111", at=utcnow())
    old = await contacts.touch(channel="whatsapp", channel_user_id="+6281200000222",
                               at=utcnow() - timedelta(hours=25))
    for c in (recent, old):
        await contacts.subscribe(contact_id=c.id, kecamatan=None, via="whatsapp", at=utcnow())
    a = await _send(rt, "Jendela")
    await _drain(Worker(rt))
    assert [c.params["To"] for c in fake_twilio.named("Messages.json")] == ["whatsapp:+6281200000111"]
    stats = await rt.broadcasts.stats(a.id)
    assert (stats["sent"], stats["skipped"]) == (1, 1)


async def test_quiet_hours_hold_broadcasts_until_morning(client, fake_telegram, monkeypatch):
    from datetime import datetime

    from services.santunan import WIB

    rt = client.app.state.runtime
    await _subscribers(rt, 3)
    await _send(rt, "Malam")
    rt.settings.broadcast_quiet_hours = "21-06"
    worker = Worker(rt)
    night = datetime(2025, 9, 10, 22, 30, tzinfo=WIB)
    assert worker.quiet(night) and worker.quiet(night.replace(hour=5)) and not worker.quiet(night.replace(hour=6))
    monkeypatch.setattr(worker, "quiet", lambda now: True)
    assert await worker.send_due() == 0 and fake_telegram.named("sendMessage") == []
    monkeypatch.setattr(worker, "quiet", lambda now: False)
    await _drain(worker)
    assert len(fake_telegram.named("sendMessage")) == 3


async def test_pengumuman_in_the_chat_the_archive_page_and_the_feed(client, fake_telegram):
    import xml.etree.ElementTree as ET

    from tests.conftest import chat

    rt = client.app.state.runtime
    [empty] = await chat(client, "web-news", "pengumuman")
    assert empty["text"].startswith("Belum ada pengumuman")
    rt.broadcasts.require_approval = False
    for title in ("Pertama", "Kedua <b>&"):
        a = await rt.broadcasts.create(title=title, body="Isi " + "panjang " * 40, link="https://okikab.go.id/x",
                                       kecamatan=None, author=AUTHOR)
        await rt.broadcasts.send(announcement_id=a.id, staff=AUTHOR)
    [latest] = await chat(client, "web-news", "pengumuman trbaru")
    assert latest["text"].index("Kedua") < latest["text"].index("Pertama") and "…" in latest["text"]
    assert "/pengumuman" in latest["text"]
    page = await client.get("/pengumuman")
    assert page.status_code == 200 and "Kedua &lt;b&gt;&amp;" in page.text and "<b>&" not in page.text
    feed = await client.get("/pengumuman/feed.xml")
    root = ET.fromstring(feed.content)
    titles = [e.text for e in root.iter("{http://www.w3.org/2005/Atom}title")]
    assert titles == ["Pengumuman Pemkab OKI", "Kedua <b>&", "Pertama"]


async def test_pause_resume_and_cancel(client, fake_telegram):
    rt = client.app.state.runtime
    await _subscribers(rt, 4)
    humas = await _token(client, "humas.p", "humas")
    rt.broadcasts.require_approval = False
    aid = (await client.post("/api/v1/announcements", json={"title": "Jeda", "body": "Uji jeda."},
                             headers=humas)).json()["id"]
    await client.post(f"/api/v1/announcements/{aid}/send", json={}, headers=humas)
    paused = await client.post(f"/api/v1/announcements/{aid}/pause", headers=humas)
    assert paused.status_code == 200 and paused.json()["state"] == "paused"
    assert await Worker(rt).send_due() == 0  # nothing goes while paused
    assert (await client.post(f"/api/v1/announcements/{aid}/resume", headers=humas)).json()["state"] == "sending"
    await _drain(Worker(rt))
    assert len(fake_telegram.named("sendMessage")) == 4
    other = (await client.post("/api/v1/announcements", json={"title": "Batal", "body": "Uji batal."},
                               headers=humas)).json()["id"]
    await client.post(f"/api/v1/announcements/{other}/send", json={}, headers=humas)
    cancelled = (await client.post(f"/api/v1/announcements/{other}/cancel", headers=humas)).json()
    assert cancelled["state"] == "cancelled" and cancelled["stats"]["queued"] == 0
    await _drain(Worker(rt))
    assert len(fake_telegram.named("sendMessage")) == 4
    assert (await client.post(f"/api/v1/announcements/{other}/resume", headers=humas)).status_code == 409


async def test_a_user_who_blocked_the_bot_is_marked_and_not_retried(client, fake_telegram):
    from storage.models import Contact

    rt = client.app.state.runtime
    await _subscribers(rt, 3)
    a = await _send(rt, "Blokir")
    fake_telegram.fail_next("sendMessage", 403, {"ok": False, "error_code": 403,
                                                 "description": "Forbidden: bot was blocked by the user"})
    await _drain(Worker(rt))
    stats = await rt.broadcasts.stats(a.id)
    assert (stats["sent"], stats["failed"]) == (2, 1)
    assert stats["failed_by_reason"] == {"bot blocked by the user": 1}
    [failure] = await rt.broadcasts.failures(a.id)  # what staff see: no full chat id
    assert failure["error"] == "bot blocked by the user" and failure["recipient"].startswith("•••")
    assert len(failure["recipient"]) == 6
    async with rt.db.connect() as conn:
        blocked = [r.channel_user_id for r in await conn.execute(select(Contact).where(Contact.blocked.is_(True)))]
    assert len(blocked) == 1
    again = await rt.broadcasts.audience(None)
    assert again == {"telegram": 2}


async def _canary_broadcast(rt, subscribers: int):
    await _subscribers(rt, subscribers)
    rt.broadcasts.require_approval = False
    rt.broadcasts.canary_percent, rt.broadcasts.canary_wait, rt.broadcasts.canary_threshold = 1, 300, 5
    a = await rt.broadcasts.create(title="Kenari", body="Uji kenari.", link=None, kecamatan=None, author=AUTHOR)
    return await rt.broadcasts.send(announcement_id=a.id, staff=AUTHOR)


async def _watch_is_over(rt, a) -> None:
    """The canary's five minutes pass: its deadline and the held rows' time move to a second ago."""
    from sqlalchemy import update

    past = utcnow() - timedelta(seconds=1)
    await rt.broadcasts._repo.update(a.id, canary_until=past)
    async with rt.db.begin() as conn:
        await conn.execute(update(OutboxMessage).where(OutboxMessage.announcement_id == a.id,
                                                       OutboxMessage.status == "pending")
                           .values(next_attempt_at=past))


async def test_the_canary_goes_first_and_the_rest_follows_when_it_is_healthy(client, fake_telegram):
    rt = client.app.state.runtime
    a = await _canary_broadcast(rt, 50)
    assert a.canary_size == 20  # 1% of 50, but at least 20
    await _drain(Worker(rt))
    assert len(fake_telegram.named("sendMessage")) == 20  # the other 30 wait for the verdict
    assert await rt.broadcasts.check_canaries() == 0  # not judged before its time
    await _watch_is_over(rt, a)
    assert await rt.broadcasts.check_canaries() == 0  # judged healthy
    await _drain(Worker(rt))
    assert len({c.params["chat_id"] for c in fake_telegram.named("sendMessage")}) == 50


async def test_a_failing_canary_pauses_the_broadcast(client, fake_telegram):
    rt = client.app.state.runtime
    a = await _canary_broadcast(rt, 50)
    for _ in range(3):  # 3 of the 20 fail for good: 15% > 5%
        fake_telegram.fail_next("sendMessage", 400, {"ok": False, "error_code": 400,
                                                     "description": "Bad Request: chat not found"})
    await _drain(Worker(rt))
    await _watch_is_over(rt, a)
    assert await rt.broadcasts.check_canaries() == 1
    paused = await rt.broadcasts.get(a.id)
    assert paused.state == "paused" and paused.paused_reason.startswith("uji awal: 3 dari 20")
    assert await Worker(rt).send_due() == 0  # the 30 others stay unsent while paused
    assert len(fake_telegram.named("sendMessage")) == 20


async def test_an_announcement_is_also_posted_to_the_public_telegram_channel(client, fake_telegram):
    rt = client.app.state.runtime
    await _subscribers(rt, 2)
    rt.broadcasts.require_approval = False
    rt.broadcasts._telegram_channel = "@pemkab_oki"
    a = await rt.broadcasts.create(title="Kanal", body="Untuk semua.", link=None, kecamatan=None, author=AUTHOR)
    await rt.broadcasts.send(announcement_id=a.id, staff=AUTHOR)
    await _drain(Worker(rt))
    chats = sorted(str(c.params["chat_id"]) for c in fake_telegram.named("sendMessage"))
    assert chats == ["700000", "700001", "@pemkab_oki"]
    stats = await rt.broadcasts.stats(a.id)
    assert (stats["recipients"], stats["sent"], stats["channel_post"]) == (2, 2, "sent")
