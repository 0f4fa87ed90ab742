"""Conversation state store: one protocol, two backends (Redis, or the SQL database).

A state is a small JSON document per contact under `state_key(contact_id)`, saved with
compare-and-set on its `version` and an idle TTL. The same store holds the per-contact lock and
the dedupe marks of platform message ids, so REDIS_URL moves all three to Redis at once.

A message's mark is written with the state its turn saved, in the same write: a process killed
in the middle of a turn leaves neither, so the provider's redelivery is handled, not dropped."""
from __future__ import annotations

import asyncio
import json
import random
import weakref
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime, timedelta
from typing import Any, Protocol

from redis.asyncio import Redis
from redis.exceptions import LockError
from sqlalchemy import delete, select, text, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

from storage.models import ConversationState, ProcessedMessage, utcnow

__all__ = ["StateStore", "SqlStateStore", "RedisStateStore", "LockBusy", "state_key"]

DEDUPE_TTL = timedelta(days=2)  # Telegram and Twilio stop redelivering well within this
_DEDUPE_SECONDS = int(DEDUPE_TTL.total_seconds())


class LockBusy(Exception):
    """The contact's previous message is still being handled after the lock's wait time."""


def state_key(contact_id: int) -> str:
    """The one place a state key is built: our contact id, never a platform id or phone number."""
    return f"state:{contact_id}"


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

    async def ping(self) -> None: ...

    async def close(self) -> None: ...


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


class SqlStateStore:
    """State, locks and dedupe in the SQL database: advisory locks on PostgreSQL, in-process
    locks on SQLite (the embedded default runs one process)."""

    def __init__(self, *, engine: AsyncEngine, sessions: async_sessionmaker[AsyncSession],
                 ttl: timedelta, lock_wait: float = 15.0) -> None:
        self._engine, self._sessions, self._ttl, self._wait = engine, sessions, ttl, lock_wait
        self._postgres = engine.dialect.name == "postgresql"
        self._local = _LocalLocks()
        # Lock waiters hold a connection each; a pool of their own keeps them from starving the
        # connections the lock holder needs for its turn. Pre-ping, as the main pool: after a
        # PostgreSQL restart the pooled connections are dead, and the first turn must not fail.
        self._lock_engine = create_async_engine(engine.url, pool_size=20, max_overflow=80, pool_timeout=lock_wait,
                                                pool_pre_ping=True) if self._postgres else None

    async def load(self, key: str) -> dict[str, Any] | None:
        async with self._sessions() as s:
            row = (await s.execute(
                select(ConversationState.data, ConversationState.version)
                .where(ConversationState.key == key, ConversationState.expires_at > utcnow())
            )).first()
        if row is None:
            return None
        return {**json.loads(row.data), "version": row.version}

    async def save(self, key: str, data: dict[str, Any], *, expected_version: int, seen: str | None = None,
                   ttl: timedelta | None = None) -> bool:
        now = utcnow()
        doc = json.dumps({k: v for k, v in data.items() if k != "version"}, ensure_ascii=False)
        values = {"data": doc, "version": expected_version + 1, "expires_at": now + (ttl or self._ttl)}
        async with self._sessions() as s, s.begin():
            if expected_version:
                res = await s.execute(
                    update(ConversationState)
                    .where(ConversationState.key == key, ConversationState.version == expected_version,
                           ConversationState.expires_at > now)
                    .values(**values))
                if res.rowcount != 1:
                    return False
            else:
                await s.execute(delete(ConversationState).where(
                    ConversationState.key == key, ConversationState.expires_at <= now))
                try:
                    async with s.begin_nested():
                        s.add(ConversationState(key=key, **values))
                except IntegrityError:
                    return False
                if random.random() < 0.01:  # keep the table to live conversations
                    await s.execute(delete(ConversationState).where(ConversationState.expires_at <= now))
            if seen is not None:
                await s.execute(self._mark(seen, now))
            return True

    async def delete(self, key: str) -> None:
        async with self._sessions() as s, s.begin():
            await s.execute(delete(ConversationState).where(ConversationState.key == key))

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

    async def seen(self, platform_id: str) -> bool:
        async with self._sessions() as s:
            return await s.scalar(select(ProcessedMessage.platform_id).where(
                ProcessedMessage.platform_id == platform_id, ProcessedMessage.expires_at > utcnow())) is not None

    async def load_unless_seen(self, key: str, platform_id: str | None) -> tuple[bool, dict[str, Any] | None]:
        if platform_id is not None and await self.seen(platform_id):
            return True, None
        return False, await self.load(key)

    async def mark_seen(self, platform_id: str) -> None:
        now = utcnow()
        async with self._sessions() as s, s.begin():
            await s.execute(self._mark(platform_id, now))
            if random.random() < 0.01:
                await s.execute(delete(ProcessedMessage).where(ProcessedMessage.expires_at <= now))

    def _mark(self, platform_id: str, now: datetime) -> Any:
        """Insert the mark, or renew one that expired but was not yet purged."""
        insert = pg_insert if self._postgres else sqlite_insert
        stmt = insert(ProcessedMessage).values(platform_id=platform_id, expires_at=now + DEDUPE_TTL)
        return stmt.on_conflict_do_update(index_elements=[ProcessedMessage.platform_id],
                                          set_={"expires_at": stmt.excluded.expires_at})

    async def ping(self) -> None:
        async with self._engine.connect() as conn:
            await conn.execute(text("SELECT 1"))

    async def close(self) -> None:
        if self._lock_engine is not None:
            await self._lock_engine.dispose()


# Compare-and-set on the version field of a hash {v: version, d: json}; sets the idle TTL and, with
# a second key, the dedupe mark of the message whose turn this is.
_CAS = """
local cur = redis.call('HGET', KEYS[1], 'v')
if (cur and tonumber(cur) ~= tonumber(ARGV[1])) or (not cur and tonumber(ARGV[1]) ~= 0) then
  return 0
end
redis.call('HSET', KEYS[1], 'v', tonumber(ARGV[1]) + 1, 'd', ARGV[2])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
if KEYS[2] then
  redis.call('SET', KEYS[2], '1', 'EX', ARGV[4])
end
return 1
"""


def _document(version: bytes | None, doc: bytes | None) -> dict[str, Any] | None:
    return None if version is None or doc is None else {**json.loads(doc), "version": int(version)}


class RedisStateStore:
    """State as a hash per contact with the idle timeout as its TTL; a Redis lock with expiry
    per contact; dedupe marks as keys with a TTL."""

    def __init__(self, *, redis: Redis, ttl: timedelta, lock_wait: float = 15.0,
                 lock_expiry: float = 30.0) -> None:
        self._redis, self._ttl, self._wait, self._expiry = redis, ttl, lock_wait, lock_expiry
        self._cas = redis.register_script(_CAS)

    @property
    def redis(self) -> Redis:
        """The client, shared with the other Redis-backed stores (rate limits)."""
        return self._redis

    async def load(self, key: str) -> dict[str, Any] | None:
        return _document(*await self._redis.hmget(key, ["v", "d"]))

    async def load_unless_seen(self, key: str, platform_id: str | None) -> tuple[bool, dict[str, Any] | None]:
        if platform_id is None:
            return False, await self.load(key)
        async with self._redis.pipeline(transaction=False) as pipe:  # one round trip for both reads
            pipe.exists(f"seen:{platform_id}")
            pipe.hmget(key, ["v", "d"])
            seen, (version, doc) = await pipe.execute()
        return (True, None) if seen else (False, _document(version, doc))

    async def save(self, key: str, data: dict[str, Any], *, expected_version: int, seen: str | None = None,
                   ttl: timedelta | None = None) -> bool:
        doc = json.dumps({k: v for k, v in data.items() if k != "version"}, ensure_ascii=False)
        ttl_ms = int((ttl or self._ttl).total_seconds() * 1000)
        keys = [key] if seen is None else [key, f"seen:{seen}"]
        return bool(await self._cas(keys=keys, args=[expected_version, doc, ttl_ms, _DEDUPE_SECONDS]))

    async def delete(self, key: str) -> None:
        await self._redis.delete(key)

    @asynccontextmanager
    async def lock(self, key: str) -> AsyncIterator[None]:
        # The expiry outlives the worst turn, so a crashed process frees the contact by itself.
        lock = self._redis.lock(f"lock:{key}", timeout=self._expiry, blocking_timeout=self._wait,
                                sleep=0.01)
        if not await lock.acquire():
            raise LockBusy(key)
        try:
            yield
        finally:
            try:
                await lock.release()
            except LockError:  # expired while held: another turn may already own it
                pass

    async def seen(self, platform_id: str) -> bool:
        return bool(await self._redis.exists(f"seen:{platform_id}"))

    async def mark_seen(self, platform_id: str) -> None:
        await self._redis.set(f"seen:{platform_id}", b"1", ex=_DEDUPE_SECONDS)

    async def ping(self) -> None:
        await self._redis.ping()

    async def close(self) -> None:
        await self._redis.aclose()
