"""Fixed-window rate counters: in Redis when configured, in the SQL database otherwise."""
from __future__ import annotations

import time
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Protocol

from redis.asyncio import Redis
from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage.models import RateCounter

__all__ = ["RateLimiter", "RedisRateLimiter", "SqlRateLimiter"]


class RateLimiter(Protocol):
    async def hit(self, key: str, limits: Sequence[tuple[int, int]], *, now: float | None = None) -> float:
        """Count one event under `key` against each (max events, window seconds). Returns 0 when it
        is allowed, else the seconds until the fullest window ends (the event is not counted)."""

    async def peek(self, key: str, limits: Sequence[tuple[int, int]], *, now: float | None = None) -> float:
        """Like `hit` but counts nothing: the seconds to wait, or 0 when an event would be allowed."""


def _windows(key: str, limits: Sequence[tuple[int, int]], now: float) -> list[tuple[str, int, float]]:
    return [(f"rl:{key}:{window}:{int(now // window)}", limit, (now // window + 1) * window)
            for limit, window in limits]


class RedisRateLimiter:
    def __init__(self, redis: Redis) -> None:
        self._redis = redis

    async def peek(self, key: str, limits: Sequence[tuple[int, int]], *, now: float | None = None) -> float:
        now = time.time() if now is None else now
        windows = _windows(key, limits, now)
        counts = await self._redis.mget([k for k, _, _ in windows])
        waits = [end - now for (_, limit, end), n in zip(windows, counts, strict=True) if int(n or 0) >= limit]
        return max(waits, default=0.0)

    async def hit(self, key: str, limits: Sequence[tuple[int, int]], *, now: float | None = None) -> float:
        now = time.time() if now is None else now
        wait = await self.peek(key, limits, now=now)
        if wait:
            return wait
        async with self._redis.pipeline(transaction=True) as pipe:
            for k, _, end in _windows(key, limits, now):
                pipe.incr(k)
                pipe.expireat(k, int(end) + 1)
            await pipe.execute()
        return 0.0


class SqlRateLimiter:
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def peek(self, key: str, limits: Sequence[tuple[int, int]], *, now: float | None = None) -> float:
        now = time.time() if now is None else now
        windows = _windows(key, limits, now)
        async with self._sessions() as s:
            rows = dict((await s.execute(select(RateCounter.key, RateCounter.count)
                                         .where(RateCounter.key.in_([k for k, _, _ in windows])))).all())
        waits = [end - now for k, limit, end in windows if rows.get(k, 0) >= limit]
        return max(waits, default=0.0)

    async def hit(self, key: str, limits: Sequence[tuple[int, int]], *, now: float | None = None) -> float:
        now = time.time() if now is None else now
        wait = await self.peek(key, limits, now=now)
        if wait:
            return wait
        async with self._sessions() as s, s.begin():
            insert = pg_insert if s.bind.dialect.name == "postgresql" else sqlite_insert
            for k, _, end in _windows(key, limits, now):
                stmt = insert(RateCounter).values(key=k, window_end=datetime.fromtimestamp(end, UTC), count=1)
                await s.execute(stmt.on_conflict_do_update(index_elements=[RateCounter.key],
                                                           set_={"count": RateCounter.count + 1}))
            await s.execute(delete(RateCounter).where(RateCounter.window_end < datetime.fromtimestamp(now, UTC)))
        return 0.0
