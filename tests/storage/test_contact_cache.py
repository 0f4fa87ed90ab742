"""Contacts remembered between turns (storage/contact_cache.py): a citizen's next message within a
minute costs no statement, and a change made anywhere (another web process, an admin's SQL, this
process's own helpdesk or erasure) reaches the citizen's next turn; with the change feed down
nothing is served from memory. On SQLite the change log is read before a contact is served."""
from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import event, text

from storage.contact_cache import ChangeFeed, ChangeLog, ContactCache
from storage.contacts import Contacts
from storage.db import make_engine, make_sessionmaker
from storage.personal_data import PersonalData

T0 = datetime(2026, 12, 4, 8, 0, tzinfo=UTC)


@dataclass(frozen=True)
class _Info:
    id: int
    display_name: str | None = "Siti"
    phone: str | None = None


class _Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_remembered_for_a_minute_while_live_and_the_channel_reports_nothing_new():
    clock = _Clock()
    cache = ContactCache(every=60, clock=clock)
    cache.keep("telegram", "1", _Info(1), epoch=cache.epoch)
    assert cache.fresh("telegram", "1", "Siti", None) is None  # no feed listening: nothing kept
    cache.live = True
    cache.keep("telegram", "1", _Info(1), epoch=cache.epoch)
    assert cache.fresh("telegram", "1", "Siti", None) == _Info(1)
    assert cache.fresh("telegram", "1", None, None) == _Info(1)  # a channel that sends no name
    assert cache.fresh("telegram", "1", "Siti Aminah", None) is None  # renamed: written at once
    assert cache.fresh("telegram", "1", "Siti", "+6281234567890") is None  # a phone it did not know
    clock.now += 60
    assert cache.fresh("telegram", "1", "Siti", None) is None  # a minute on: the row is touched again


def test_forgetting_wins_over_a_touch_that_overlapped_it():
    cache = ContactCache()
    cache.live = True
    started = cache.epoch
    cache.forget((7,))  # a change committed while a touch of contact 7 was on its way
    cache.keep("whatsapp", "+62811", _Info(7), epoch=started)
    assert cache.fresh("whatsapp", "+62811", None, None) is None
    cache.keep("whatsapp", "+62811", _Info(7), epoch=cache.epoch)
    cache.forget((7,))
    assert cache.fresh("whatsapp", "+62811", None, None) is None and len(cache) == 0


def test_bounded_and_a_new_channel_id_replaces_the_old():
    cache = ContactCache(capacity=2)
    cache.live = True
    for n in (1, 2, 3):
        cache.keep("web", f"w{n}", _Info(n), epoch=cache.epoch)
    assert len(cache) == 2 and cache.fresh("web", "w1", None, None) is None
    cache.keep("web", "erased-3", _Info(3), epoch=cache.epoch)  # contact 3's id changed
    assert cache.fresh("web", "w3", None, None) is None and cache.fresh("web", "erased-3", None, None) == _Info(3)


class _Process:
    """One web process's view of the database: its engine, contacts, cache and change feed (which
    listens through `listen_url`'s server)."""

    def __init__(self, url: str, listen_url: str | None = None) -> None:
        self.engine = make_engine(url)
        self.sessions = make_sessionmaker(self.engine)
        self.contacts = Contacts(self.sessions)
        self.statements: list[str] = []
        event.listen(self.engine.sync_engine, "before_cursor_execute",
                     lambda _c, _cur, sql, *_a: self.statements.append(sql) if "contacts" in sql else None)
        self._listens = make_engine(listen_url) if listen_url else self.engine
        self.feed = ChangeFeed(self._listens, self.contacts.cache, pause=0.05)
        self._task = asyncio.create_task(self.feed.run()) if self.engine.dialect.name == "postgresql" else None

    async def touch(self, at: datetime, **kw):
        return await self.contacts.touch(channel="telegram", channel_user_id="5501", display_name="Siti", at=at, **kw)

    async def close(self) -> None:
        if self._task:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        await self.engine.dispose()
        await self._listens.dispose()


async def _until(condition, what: str) -> None:
    for _ in range(500):
        if condition():
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"never happened: {what}")


@pytest.fixture
async def two(pg_url):
    a, b = _Process(pg_url), _Process(pg_url)
    await _until(lambda: a.contacts.cache.live and b.contacts.cache.live, "both feeds listening")
    yield a, b
    await a.close()
    await b.close()


async def test_the_next_message_within_a_minute_runs_no_statement(two):
    a, _ = two
    first = await a.touch(T0)
    a.statements.clear()
    again = await a.touch(T0 + timedelta(seconds=20))
    assert a.statements == [] and again.id == first.id
    assert again.last_inbound_at == T0 + timedelta(seconds=20)  # the turn still sees its own time


async def test_a_change_made_in_another_process_reaches_the_next_turn(two):
    a, b = two
    contact = await a.touch(T0)
    await b.contacts.subscribe(contact_id=contact.id, kecamatan="Kayu Agung", via="admin", at=T0)
    await _until(lambda: len(a.contacts.cache) == 0, "process a forgot the contact")
    seen = await a.touch(T0 + timedelta(seconds=5))
    assert seen.subscribed and seen.subscription_kecamatan == "Kayu Agung"
    # whoever writes: an operator's SQL by hand reaches it too
    async with b.engine.begin() as conn:
        await conn.execute(text("UPDATE contacts SET blocked = true WHERE id = :id"), {"id": contact.id})
    await _until(lambda: len(a.contacts.cache) == 0, "process a forgot the contact again")
    assert (await a.touch(T0 + timedelta(seconds=9))).blocked


async def test_erasure_in_this_process_is_never_served_from_memory(two):
    a, _ = two
    contact = await a.touch(T0)
    await PersonalData(a.sessions).forget(contact_ids=[contact.id])
    fresh = await a.touch(T0 + timedelta(seconds=1))
    assert fresh.id != contact.id and fresh.display_name == "Siti"  # a new contact, not the erased one


async def test_a_lost_listening_connection_drops_what_was_remembered(two):
    a, b = two
    await a.touch(T0)
    async with b.engine.connect() as conn:  # PostgreSQL drops the listening connections
        await conn.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                                "WHERE query LIKE 'LISTEN%' AND pid <> pg_backend_pid() "
                                "AND datname = current_database()"))
    await _until(lambda: a.feed.connections == 2 and a.contacts.cache.live, "process a listening again")
    a.statements.clear()
    await a.touch(T0 + timedelta(seconds=2))  # changes may have been missed meanwhile: read again
    await a.touch(T0 + timedelta(seconds=3))
    assert len(a.statements) == 1


async def test_while_the_feed_cannot_listen_every_turn_reads_the_row(pg_url):
    a = _Process(pg_url, listen_url="postgresql+asyncpg://postgres@127.0.0.1:9/nowhere")
    try:
        for n in range(3):
            await a.touch(T0 + timedelta(seconds=n))
        assert len(a.statements) == 3 and not a.contacts.cache.live and not a._task.done()  # still trying
    finally:
        await a.close()


@pytest.fixture
async def sqlite_two(sqlite_url):
    """Two processes on one SQLite file (a web process and, say, the outbox worker), each reading the
    change log as `start_feed` sets it up (a log of 3 rows here, so that it is pruned soon)."""
    a, b = _Process(sqlite_url), _Process(sqlite_url)
    for p in (a, b):
        p.contacts.cache.poll = ChangeLog(p.engine, p.contacts.cache, keep=3).catch_up
    yield a, b
    await a.close()
    await b.close()


def _touches(p: _Process) -> int:
    return len([s for s in p.statements if "contacts" in s and not s.lstrip().startswith("SELECT")])


async def test_sqlite_the_next_message_within_a_minute_writes_nothing(sqlite_two):
    a, _ = sqlite_two
    first = await a.touch(T0)
    a.statements.clear()
    again = await a.touch(T0 + timedelta(seconds=1))
    assert _touches(a) == 0 and again.id == first.id and again.last_inbound_at == T0 + timedelta(seconds=1)


async def test_sqlite_a_change_by_another_process_reaches_the_next_turn(sqlite_two):
    a, b = sqlite_two
    contact = await a.touch(T0)
    await b.contacts.subscribe(contact_id=contact.id, kecamatan="Kayu Agung", via="admin", at=T0)
    seen = await a.touch(T0 + timedelta(seconds=2))
    assert seen.subscribed and seen.subscription_kecamatan == "Kayu Agung"
    async with b.engine.begin() as conn:  # an operator's SQL by hand
        await conn.execute(text("UPDATE contacts SET blocked = 1 WHERE id = :id"), {"id": contact.id})
    assert (await a.touch(T0 + timedelta(seconds=3))).blocked
    a.statements.clear()
    await a.touch(T0 + timedelta(seconds=4))  # nothing changed since: from memory again
    assert _touches(a) == 0


async def test_sqlite_a_log_pruned_past_what_was_read_drops_everything(sqlite_two):
    a, b = sqlite_two
    contact = await a.touch(T0)
    other = await b.contacts.touch(channel="whatsapp", channel_user_id="+62811", at=T0)
    for n in range(8):  # changes of another contact; b's reads prune the log to its last rows
        await b.contacts.subscribe(contact_id=other.id, kecamatan=f"K{n}", via="admin", at=T0)
        await b.contacts.touch(channel="whatsapp", channel_user_id="+62811", at=T0)
    async with a.engine.connect() as conn:
        assert (await conn.execute(text("SELECT count(*) FROM contact_changes"))).scalar() < 8
    a.statements.clear()
    assert (await a.touch(T0 + timedelta(seconds=5))).id == contact.id
    assert _touches(a) == 1  # it cannot know what it missed: the row is read again


async def test_without_a_feed_every_turn_touches_the_row(sqlite_url):
    one = _Process(sqlite_url)  # CONTACT_CACHE=false: nothing reads the log
    try:
        await one.touch(T0)
        one.statements.clear()
        await one.touch(T0 + timedelta(seconds=1))
        assert len(one.statements) == 1 and not one.contacts.cache.live
    finally:
        await one.close()
