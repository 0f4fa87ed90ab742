"""Conversation state store: one protocol, two backends (Redis, or the SQL database).

A state is a small JSON document per contact under `state_key(contact_id)`, saved with
compare-and-set on its `version` and an idle TTL. The same store holds the per-contact lock and
the dedupe marks of platform message ids, so REDIS_URL moves all three to Redis at once.

A message's mark is written with the state its turn saved, in the same write: a process killed
in the middle of a turn leaves neither, so the provider's redelivery is handled, not dropped.

A turn uses `turn(key, seen)`: the lock, the dedupe check and the state read, then one `Held.save` or
`Held.finish`; a backend does these in as few round trips as it can (Redis: two, `storage.state_redis`).
The SQL store composes them from its single operations (`held_turn`)."""
from __future__ import annotations

import asyncio
import json
import random
import weakref
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import bindparam, delete, select, text, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

from storage.db import reader
from storage.models import ConversationState, ProcessedMessage, utcnow

__all__ = ["DEDUPE_SECONDS", "Held", "LockBusy", "SqlStateStore", "StateStore", "decode", "encode", "state_key"]

DEDUPE_TTL = timedelta(days=2)  # Telegram and Twilio stop redelivering well within this
DEDUPE_SECONDS = int(DEDUPE_TTL.total_seconds())


class LockBusy(Exception):
    """The contact's previous message is still being handled after the lock's wait time."""


def state_key(contact_id: int) -> str:
    """The one place a state key is built: our contact id, never a platform id or phone number."""
    return f"state:{contact_id}"


def encode(data: dict[str, Any]) -> str:
    """A state as stored: its JSON without the `version`, which the store keeps beside it."""
    return json.dumps({k: v for k, v in data.items() if k != "version"}, ensure_ascii=False)


def decode(doc: str | bytes, version: int | bytes) -> dict[str, Any]:
    return {**json.loads(doc), "version": int(version)}


class StateStore(Protocol):
    async def load(self, key: str) -> dict[str, Any] | None:
        """The stored document with its `version`, or None when absent or idle past the TTL."""

    async def save(self, key: str, data: dict[str, Any], *, expected_version: int, seen: str | None = None,
                   ttl: timedelta | None = None) -> bool:
        """Store `data` as version expected+1 if the stored version is still `expected_version`
        (0: nothing stored), and mark the platform message id `seen` (if given) in the same write.
        `ttl`: how long to keep it (a form's draft), else the store's idle timeout.
        False on a conflict, and nothing is written."""

    async def delete(self, key: str) -> None: ...

    def lock(self, key: str) -> Any:
        """An async context manager holding the per-contact lock; raises LockBusy on timeout."""

    async def seen(self, platform_id: str) -> bool:
        """True when a turn for this platform message id was saved: a redelivery."""

    async def load_unless_seen(self, key: str, platform_id: str | None) -> tuple[bool, dict[str, Any] | None]:
        """What a turn reads under the lock, in one round trip where the backend allows: whether
        `platform_id` was already handled (a redelivery; the state is then not read), and the
        stored document as `load` gives it."""

    async def mark_seen(self, platform_id: str) -> None:
        """Mark a platform message id handled, for a turn that saved no state."""

    def turn(self, key: str, seen: str | None) -> Any:
        """An async context manager holding the per-contact lock for one turn, yielding a `Held`
        with what the turn reads; raises LockBusy on timeout."""

    async def ping(self) -> None: ...

    async def close(self) -> None: ...


class Held(Protocol):
    """One turn's hold on a contact: whether its message was handled already (then `state` is not
    read), the stored state, and the one write that ends the turn. `last=True`: nothing more is done
    under the lock, so a backend may release it in the same write."""

    duplicate: bool
    state: dict[str, Any] | None

    async def save(self, data: dict[str, Any], *, expected_version: int, ttl: timedelta | None = None,
                   last: bool = False) -> bool:
        """`StateStore.save` with the turn's message marked seen; False on a conflict."""

    async def finish(self, *, delete: bool = False, last: bool = False) -> None:
        """A turn that saved no state: delete the stored one if asked, mark the message seen."""


class _SqlHeld:
    def __init__(self, store: SqlStateStore, key: str, seen: str | None, duplicate: bool,
                 state: dict[str, Any] | None) -> None:
        self._store, self._key, self._seen, self.duplicate, self.state = store, key, seen, duplicate, state

    async def save(self, data: dict[str, Any], *, expected_version: int, ttl: timedelta | None = None,
                   last: bool = False) -> bool:
        return await self._store.save(self._key, data, expected_version=expected_version, seen=self._seen, ttl=ttl)

    async def finish(self, *, delete: bool = False, last: bool = False) -> None:
        if delete:
            await self._store.delete(self._key)
        if self._seen:
            await self._store.mark_seen(self._seen)


class _LocalLocks:
    """In-process locks for SQLite (one process). Weak values: a lock lives only while held or
    awaited, so the map never grows with the number of contacts."""

    def __init__(self) -> None:
        self._locks: weakref.WeakValueDictionary[str, asyncio.Lock] = weakref.WeakValueDictionary()

    @asynccontextmanager
    async def hold(self, key: str, wait: float) -> AsyncIterator[None]:
        lock = self._locks.get(key)
        if lock is None:
            lock = self._locks[key] = asyncio.Lock()
        try:
            async with asyncio.timeout(wait):
                await lock.acquire()
        except TimeoutError:
            raise LockBusy(key) from None
        try:
            yield
        finally:
            lock.release()


# The statements every turn runs, built once (see storage.db.OneStatement on why).
_LOAD = select(ConversationState.data, ConversationState.version).where(
    ConversationState.key == bindparam("b_key"), ConversationState.expires_at > bindparam("b_now"))
_UPDATE = update(ConversationState).where(
    ConversationState.key == bindparam("b_key"), ConversationState.version == bindparam("b_expected"),
    ConversationState.expires_at > bindparam("b_now")).values(
    data=bindparam("b_data"), version=bindparam("b_version"), expires_at=bindparam("b_expires_at"))
_SEEN = select(ProcessedMessage.platform_id).where(
    ProcessedMessage.platform_id == bindparam("b_platform_id"), ProcessedMessage.expires_at > bindparam("b_now"))


def _create(insert: Any) -> Any:
    """Version 0: insert the state, or replace one whose conversation expired (a live one stays)."""
    stmt = insert(ConversationState).values(key=bindparam("b_key"), data=bindparam("b_data"),
                                            version=bindparam("b_version"), expires_at=bindparam("b_expires_at"))
    return stmt.on_conflict_do_update(
        index_elements=[ConversationState.key],
        set_={"data": stmt.excluded.data, "version": stmt.excluded.version, "expires_at": stmt.excluded.expires_at},
        where=ConversationState.expires_at <= bindparam("b_now"))


def _mark(insert: Any) -> Any:
    """Insert a message's dedupe mark, or renew one that expired but was not yet purged."""
    stmt = insert(ProcessedMessage).values(platform_id=bindparam("b_platform_id"), expires_at=bindparam("b_expires_at"))
    return stmt.on_conflict_do_update(index_elements=[ProcessedMessage.platform_id],
                                      set_={"expires_at": stmt.excluded.expires_at})


class SqlStateStore:
    """State, locks and dedupe in the SQL database: advisory locks on PostgreSQL, in-process
    locks on SQLite (the embedded default runs one process)."""

    def __init__(self, *, engine: AsyncEngine, sessions: async_sessionmaker[AsyncSession],
                 ttl: timedelta, lock_wait: float = 15.0) -> None:
        self._engine, self._sessions, self._ttl, self._wait = engine, sessions, ttl, lock_wait
        self._postgres = engine.dialect.name == "postgresql"
        self._local = _LocalLocks()
        insert = pg_insert if self._postgres else sqlite_insert
        self._create, self._mark = _create(insert), _mark(insert)
        self._reads = reader(engine)
        # Lock waiters hold a connection each; a pool of their own keeps them from starving the
        # connections the lock holder needs for its turn. Pre-ping, as the main pool: after a
        # PostgreSQL restart the pooled connections are dead, and the first turn must not fail.
        self._lock_engine = create_async_engine(engine.url, pool_size=20, max_overflow=80, pool_timeout=lock_wait,
                                                pool_pre_ping=True) if self._postgres else None

    async def load(self, key: str) -> dict[str, Any] | None:
        async with self._reads.connect() as conn:
            return await self._read(conn, key, utcnow())

    async def _read(self, conn: AsyncConnection, key: str, now: datetime) -> dict[str, Any] | None:
        row = (await conn.execute(_LOAD, {"b_key": key, "b_now": now})).first()
        return None if row is None else decode(row.data, row.version)

    async def save(self, key: str, data: dict[str, Any], *, expected_version: int, seen: str | None = None,
                   ttl: timedelta | None = None) -> bool:
        """The compare-and-set is one statement: an UPDATE of the live row at the expected version, or
        (version 0) an INSERT that may only replace a row whose conversation expired."""
        now = utcnow()
        values = {"b_key": key, "b_data": encode(data), "b_version": expected_version + 1,
                  "b_expires_at": now + (ttl or self._ttl), "b_expected": expected_version, "b_now": now}
        async with self._engine.begin() as conn:
            if (await conn.execute(_UPDATE if expected_version else self._create, values)).rowcount != 1:
                return False  # nothing was written
            if not expected_version and random.random() < 0.01:  # keep the table to live conversations
                await conn.execute(delete(ConversationState).where(ConversationState.expires_at <= now))
            if seen is not None:
                await conn.execute(self._mark, {"b_platform_id": seen, "b_expires_at": now + DEDUPE_TTL})
            return True

    async def delete(self, key: str) -> None:
        async with self._engine.begin() as conn:
            await conn.execute(delete(ConversationState).where(ConversationState.key == key))

    @asynccontextmanager
    async def lock(self, key: str) -> AsyncIterator[None]:
        if not self._postgres:
            async with self._local.hold(key, self._wait):
                yield
            return
        # A transaction-scoped advisory lock: released at commit, or by PostgreSQL itself if
        # this process dies, so a crash never leaves a contact locked.
        try:
            conn = await self._lock_engine.connect()
        except PoolTimeout:
            raise LockBusy(key) from None
        try:
            async with conn.begin():
                await conn.execute(text(f"SET LOCAL lock_timeout = '{int(self._wait * 1000)}ms'"))
                try:
                    await conn.execute(text("SELECT pg_advisory_xact_lock(hashtextextended(:k, 0))"),
                                       {"k": key})
                except DBAPIError as exc:  # 55P03 lock_not_available
                    if getattr(exc.orig, "sqlstate", None) == "55P03" or "lock timeout" in str(exc).lower():
                        raise LockBusy(key) from None
                    raise
                yield
        finally:
            await conn.close()

    @asynccontextmanager
    async def turn(self, key: str, seen: str | None) -> AsyncIterator[_SqlHeld]:
        async with self.lock(key):
            duplicate, state = await self.load_unless_seen(key, seen)
            yield _SqlHeld(self, key, seen, duplicate, state)

    async def seen(self, platform_id: str) -> bool:
        async with self._reads.connect() as conn:
            return (await conn.execute(_SEEN, {"b_platform_id": platform_id, "b_now": utcnow()})).first() is not None

    async def load_unless_seen(self, key: str, platform_id: str | None) -> tuple[bool, dict[str, Any] | None]:
        now = utcnow()
        async with self._reads.connect() as conn:  # one connection for both reads
            if platform_id is not None and (await conn.execute(
                    _SEEN, {"b_platform_id": platform_id, "b_now": now})).first() is not None:
                return True, None
            return False, await self._read(conn, key, now)

    async def mark_seen(self, platform_id: str) -> None:
        now = utcnow()
        async with self._engine.begin() as conn:
            await conn.execute(self._mark, {"b_platform_id": platform_id, "b_expires_at": now + DEDUPE_TTL})
            if random.random() < 0.01:
                await conn.execute(delete(ProcessedMessage).where(ProcessedMessage.expires_at <= now))

    async def ping(self) -> None:
        async with self._engine.connect() as conn:
            await conn.execute(text("SELECT 1"))

    async def close(self) -> None:
        if self._lock_engine is not None:
            await self._lock_engine.dispose()
