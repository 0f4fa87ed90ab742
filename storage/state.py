"""Conversation state store: one protocol, two backends (Redis, or the SQL database).

A state is a small JSON document per contact under `state_key(contact_id)`, saved with
compare-and-set on its `version` and an idle TTL. The same store holds the per-contact lock and
the dedupe marks of platform message ids, so REDIS_URL moves all three to Redis at once."""
from __future__ import annotations

import asyncio
import json
import random
import weakref
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import Any, Protocol

from redis.asyncio import Redis
from redis.exceptions import LockError
from sqlalchemy import delete, select, text, update
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

from storage.models import ConversationState, ProcessedMessage, utcnow

__all__ = ["StateStore", "SqlStateStore", "RedisStateStore", "LockBusy", "state_key"]

DEDUPE_TTL = timedelta(days=2)  # Telegram and Twilio stop redelivering well within this


class LockBusy(Exception):
    """The contact's previous message is still being handled after the lock's wait time."""


def state_key(contact_id: int) -> str:
    """The one place a state key is built: our contact id, never a platform id or phone number."""
    return f"state:{contact_id}"


class StateStore(Protocol):
    async def load(self, key: str) -> dict[str, Any] | None:
        """The stored document with its `version`, or None when absent or idle past the TTL."""

    async def save(self, key: str, data: dict[str, Any], *, expected_version: int) -> bool:
        """Store `data` as version expected+1 if the stored version is still `expected_version`
        (0: nothing stored). False on a conflict, and nothing is written."""

    async def delete(self, key: str) -> None: ...

    def lock(self, key: str) -> Any:
        """An async context manager holding the per-contact lock; raises LockBusy on timeout."""

    async def first_time(self, platform_id: str) -> bool:
        """Mark a platform message id as seen; True the first time, False for a redelivery."""

    async def forget(self, platform_id: str) -> None:
        """Undo `first_time`, so a message whose handling failed can be redelivered."""

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
        # connections the lock holder needs for its turn.
        self._lock_engine = create_async_engine(engine.url, pool_size=20, max_overflow=80,
                                                pool_timeout=lock_wait) if self._postgres else None

    async def load(self, key: str) -> dict[str, Any] | None:
        async with self._sessions() as s:
            row = (await s.execute(
                select(ConversationState.data, ConversationState.version)
                .where(ConversationState.key == key, ConversationState.expires_at > utcnow())
            )).first()
        if row is None:
            return None
        return {**json.loads(row.data), "version": row.version}

    async def save(self, key: str, data: dict[str, Any], *, expected_version: int) -> bool:
        now = utcnow()
        doc = json.dumps({k: v for k, v in data.items() if k != "version"}, ensure_ascii=False)
        values = {"data": doc, "version": expected_version + 1, "expires_at": now + self._ttl}
        async with self._sessions() as s, s.begin():
            if expected_version:
                res = await s.execute(
                    update(ConversationState)
                    .where(ConversationState.key == key, ConversationState.version == expected_version,
                           ConversationState.expires_at > now)
                    .values(**values))
                return res.rowcount == 1
            await s.execute(delete(ConversationState).where(
                ConversationState.key == key, ConversationState.expires_at <= now))
            try:
                async with s.begin_nested():
                    s.add(ConversationState(key=key, **values))
            except IntegrityError:
                return False
            if random.random() < 0.01:  # keep the table to live conversations
                await s.execute(delete(ConversationState).where(ConversationState.expires_at <= now))
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

    async def first_time(self, platform_id: str) -> bool:
        now = utcnow()
        async with self._sessions() as s:
            try:
                async with s.begin():
                    s.add(ProcessedMessage(platform_id=platform_id, expires_at=now + DEDUPE_TTL))
            except IntegrityError:
                return False
            if random.random() < 0.01:
                async with s.begin():
                    await s.execute(delete(ProcessedMessage).where(ProcessedMessage.expires_at <= now))
        return True

    async def forget(self, platform_id: str) -> None:
        async with self._sessions() as s, s.begin():
            await s.execute(delete(ProcessedMessage).where(ProcessedMessage.platform_id == platform_id))

    async def ping(self) -> None:
        async with self._engine.connect() as conn:
            await conn.execute(text("SELECT 1"))

    async def close(self) -> None:
        if self._lock_engine is not None:
            await self._lock_engine.dispose()


# Compare-and-set on the version field of a hash {v: version, d: json}; sets the idle TTL.
_CAS = """
local cur = redis.call('HGET', KEYS[1], 'v')
if (cur and tonumber(cur) ~= tonumber(ARGV[1])) or (not cur and tonumber(ARGV[1]) ~= 0) then
  return 0
end
redis.call('HSET', KEYS[1], 'v', tonumber(ARGV[1]) + 1, 'd', ARGV[2])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return 1
"""


class RedisStateStore:
    """State as a hash per contact with the idle timeout as its TTL; a Redis lock with expiry
    per contact; dedupe marks as SET NX keys with a TTL."""

    def __init__(self, *, redis: Redis, ttl: timedelta, lock_wait: float = 15.0,
                 lock_expiry: float = 30.0) -> None:
        self._redis, self._ttl, self._wait, self._expiry = redis, ttl, lock_wait, lock_expiry
        self._cas = redis.register_script(_CAS)

    @property
    def redis(self) -> Redis:
        """The client, shared with the other Redis-backed stores (rate limits)."""
        return self._redis

    async def load(self, key: str) -> dict[str, Any] | None:
        version, doc = await self._redis.hmget(key, ["v", "d"])
        if version is None or doc is None:
            return None
        return {**json.loads(doc), "version": int(version)}

    async def save(self, key: str, data: dict[str, Any], *, expected_version: int) -> bool:
        doc = json.dumps({k: v for k, v in data.items() if k != "version"}, ensure_ascii=False)
        ttl_ms = int(self._ttl.total_seconds() * 1000)
        return bool(await self._cas(keys=[key], args=[expected_version, doc, ttl_ms]))

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

    async def first_time(self, platform_id: str) -> bool:
        ttl = int(DEDUPE_TTL.total_seconds())
        return bool(await self._redis.set(f"seen:{platform_id}", b"1", nx=True, ex=ttl))

    async def forget(self, platform_id: str) -> None:
        await self._redis.delete(f"seen:{platform_id}")

    async def ping(self) -> None:
        await self._redis.ping()

    async def close(self) -> None:
        await self._redis.aclose()
