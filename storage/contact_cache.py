"""Contacts remembered between turns: a citizen's next message within a minute costs no database
round trip for the contact (on PostgreSQL), and nothing served from memory is older than a change.

How a change reaches every process: triggers on `contacts` (migration 0017) send
`NOTIFY contact_changed, '<id>'` when a column a turn relies on changes (the subscription, `blocked`,
the helpdesk's ticket ids, the channel's id; or the row is deleted; `'*'` on TRUNCATE), whoever
wrote it: another web process, the outbox worker, an admin's request, a CLI. Each process listens
on a connection of its own (`ChangeFeed`) and forgets what is named. Writes made in this process
forget their contact at once too (`forget`), so the same process's next turn never waits for the
notification. While the listening connection is down nothing is served from memory (every turn
touches the row, as without a cache), and what was remembered is dropped when it comes back,
since changes may have been missed in between.

Not remembered past `TOUCH_EVERY`: the inbound time is written at least that often per contact
and process (WhatsApp's 24-hour window then closes at most that much early, never late), and a
name or phone the channel reports differently is written at once.

SQLite (the embedded default) has no notifications: there the same triggers write the contact's id
into a log table (migration 0018), and `ChangeLog` reads what is new in it in each turn that wants
the cache, before it is served (one small read on a reader connection instead of the touch's write
on the one writer; turns that come while a read is on its way share it; an idle process reads
nothing). A change made by another process (the outbox worker, a CLI) reaches the next turn, as on
PostgreSQL."""
from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Iterable
from typing import Any, Generic, Protocol, TypeVar
from weakref import WeakKeyDictionary

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from storage.db import reader

__all__ = ["CHANNEL", "CAPACITY", "TOUCH_EVERY", "ChangeFeed", "ChangeLog", "ContactCache", "cache_for",
           "start_feed"]

log = logging.getLogger(__name__)
CHANNEL = "contact_changed"  # the NOTIFY channel of migration 0017's triggers
TOUCH_EVERY = 60.0  # seconds a remembered contact is served before its row is touched again
CAPACITY = 50_000  # contacts remembered per process (a few hundred bytes each)


class _Info(Protocol):
    id: int
    display_name: str | None
    phone: str | None


Info = TypeVar("Info", bound=_Info)


class ContactCache(Generic[Info]):
    """What the last touch of each contact returned, by (channel, channel's id), for `every` seconds."""

    def __init__(self, *, capacity: int = CAPACITY, every: float = TOUCH_EVERY,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._entries: OrderedDict[tuple[str, str], tuple[Info, float]] = OrderedDict()
        self._keys: dict[int, tuple[str, str]] = {}
        self._capacity, self._every, self._clock = capacity, every, clock
        self.epoch = 0  # moves on every forget: a touch that overlapped one does not remember its answer
        self.live = False  # True only while a ChangeFeed listens; nothing is served otherwise
        self.poll: Callable[[], Awaitable[None]] | None = None  # SQLite: read the change log before serving

    def __len__(self) -> int:
        return len(self._entries)

    def fresh(self, channel: str, user_id: str, display_name: str | None, phone: str | None) -> Info | None:
        """The remembered contact, if the feed is live, it was touched less than `every` ago and the
        channel reports nothing new about the person."""
        if not self.live or (entry := self._entries.get((channel, user_id))) is None:
            return None
        info, written = entry
        if self._clock() - written >= self._every or (display_name is not None and display_name != info.display_name) \
                or (phone is not None and phone != info.phone):
            return None
        self._entries.move_to_end((channel, user_id))
        return info

    def keep(self, channel: str, user_id: str, info: Info, *, epoch: int) -> None:
        """Remember what a touch returned, unless something was forgotten since it started (`epoch`)."""
        if not self.live or epoch != self.epoch:
            return
        key = (channel, user_id)
        if (old := self._keys.get(info.id)) is not None and old != key:
            self._entries.pop(old, None)
        self._entries[key] = (info, self._clock())
        self._entries.move_to_end(key)
        self._keys[info.id] = key
        while len(self._entries) > self._capacity:
            _, (gone, _) = self._entries.popitem(last=False)
            self._keys.pop(gone.id, None)

    def forget(self, contact_ids: Iterable[int]) -> None:
        self.epoch += 1
        for contact_id in contact_ids:
            if (key := self._keys.pop(contact_id, None)) is not None:
                self._entries.pop(key, None)

    def clear(self) -> None:
        self.epoch += 1
        self._entries.clear()
        self._keys.clear()


_CACHES: WeakKeyDictionary[Any, ContactCache[Any]] = WeakKeyDictionary()


def cache_for(sessions: async_sessionmaker[AsyncSession]) -> ContactCache[Any]:
    """The one cache of the database these sessions write to (every repository of a process that
    writes a contact's row forgets it here)."""
    engine: AsyncEngine = sessions.kw["bind"]
    if (cache := _CACHES.get(engine.sync_engine)) is None:
        cache = _CACHES[engine.sync_engine] = ContactCache()
    return cache


class ChangeFeed:
    """LISTEN on a connection of its own and forget the contacts the triggers name; reconnects with a
    growing pause while PostgreSQL is away, and keeps the cache off meanwhile."""

    def __init__(self, engine: AsyncEngine, cache: ContactCache[Any], *, pause: float = 0.5,
                 longest: float = 10.0) -> None:
        self._engine, self._cache, self._pause, self._longest = engine, cache, pause, longest
        self.connections = 0  # times it started listening (a reconnect drops what was remembered)

    def _notified(self, _conn: Any, _pid: int, _channel: str, payload: str) -> None:
        if payload == "*":
            self._cache.clear()
        elif payload.isdigit():
            self._cache.forget((int(payload),))

    async def _listen(self) -> None:
        ended = asyncio.Event()
        async with self._engine.connect() as conn:
            raw = (await conn.get_raw_connection()).driver_connection
            raw.add_termination_listener(lambda _c: ended.set())
            await raw.add_listener(CHANNEL, self._notified)
            self._cache.clear()  # what was remembered before may have changed unseen
            self._cache.live = True
            self.connections += 1
            try:
                await ended.wait()
            finally:
                self._cache.live = False
                self._cache.clear()
                with contextlib.suppress(Exception):
                    await raw.remove_listener(CHANNEL, self._notified)

    async def run(self) -> None:
        pause, warned = self._pause, False
        while True:
            try:
                await self._listen()
                pause, warned = self._pause, False
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # PostgreSQL away: turns touch the row meanwhile (and fail as they would)
                if not warned:
                    log.warning("contact change feed down, contacts not cached: %s", type(exc).__name__)
                    warned = True
                await asyncio.sleep(pause)
                pause = min(pause * 2, self._longest)


_LOG_SPAN = text("SELECT min(seq), max(seq) FROM contact_changes")
# what is new, and (contact id -1) the oldest row still in the log: one statement, every turn
_LOG_SINCE = text("SELECT seq, contact_id FROM contact_changes WHERE seq > :seen "
                  "UNION ALL SELECT min(seq), -1 FROM contact_changes")
_LOG_PRUNE = text("DELETE FROM contact_changes WHERE seq <= :upto")


class ChangeLog:
    """SQLite's feed: what migration 0018's triggers logged since the last read, read by every turn
    that asks (`catch_up`; one read shared by the turns that ask while it is on its way; reading only
    every 50 ms gave 10 % more turns but let another process's change reach a turn that much late).
    A log pruned past what this process had read, or a failed read, drops everything remembered;
    the log keeps its last `keep` rows, pruned when it holds twice that."""

    def __init__(self, engine: AsyncEngine, cache: ContactCache[Any], *, keep: int = 10_000) -> None:
        self._engine, self._cache, self._keep = engine, cache, keep
        self._seen: int | None = None  # the last sequence read; None before the first read
        self._reading: asyncio.Future[None] | None = None

    async def catch_up(self) -> None:
        if self._reading is None or self._reading.done():
            self._reading = asyncio.ensure_future(self._read())
        await asyncio.shield(self._reading)

    async def _read(self) -> None:
        try:
            async with reader(self._engine).connect() as conn:
                if self._seen is None:
                    low, high = (await conn.execute(_LOG_SPAN)).one()
                    rows = []
                else:
                    found = (await conn.execute(_LOG_SINCE, {"seen": self._seen})).all()
                    rows = [(seq, contact_id) for seq, contact_id in found if contact_id != -1]
                    low = next(seq for seq, contact_id in found if contact_id == -1)
                    high = max((seq for seq, _ in rows), default=self._seen)
        except Exception as exc:  # the turn touches its row, as without a cache
            if self._cache.live:
                log.warning("contact change log unreadable, contacts not cached: %s", type(exc).__name__)
            self._cache.live, self._seen = False, None
            self._cache.clear()
            return
        if self._seen is None or (low is not None and low > self._seen + 1):  # first read, or rows missed
            self._cache.clear()
        elif rows:
            self._cache.forget(contact_id for _, contact_id in rows)
        self._seen = max(high or 0, self._seen or 0)
        self._cache.live = True
        if low is not None and high - low >= 2 * self._keep:
            try:
                async with self._engine.begin() as conn:
                    await conn.execute(_LOG_PRUNE, {"upto": high - self._keep})
            except Exception as exc:  # the next read tries again; the turn goes on
                log.warning("contact change log not pruned: %s", type(exc).__name__)


def start_feed(engine: AsyncEngine, cache: ContactCache[Any]) -> asyncio.Task[None] | None:
    """Keep `cache` in step with the database: PostgreSQL's listening task (to cancel on close), or
    on SQLite the change log, read by the turns themselves."""
    if engine.dialect.name == "postgresql":
        return asyncio.create_task(ChangeFeed(engine, cache).run())
    cache.poll = ChangeLog(engine, cache).catch_up
    return None
