"""Fixed-window rate counters: in Redis when configured, in the SQL database otherwise; and for the
web chat's per-minute flood limits of a single process without Redis (`make run`), in memory."""
from __future__ import annotations

import random
import time
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Protocol

from redis.asyncio import Redis
from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage.db import OneStatement
from storage.models import RateCounter

__all__ = ["MemoryRateLimiter", "RateLimiter", "RedisRateLimiter", "SqlRateLimiter"]


class RateLimiter(Protocol):
    async def hit(self, key: str, limits: Sequence[tuple[int, int]], *, now: float | None = None) -> float:
        """Count one event under `key` against each (max events, window seconds). Returns 0 when it
        is allowed, else the seconds until the fullest window ends. Refused events count too, so
        hammering never shortens the wait; the count is one atomic increment per window."""

    async def hit_each(self, counters: Sequence[tuple[str, Sequence[tuple[int, int]]]], *,
                       now: float | None = None) -> float:
        """`hit` for several keys at once (one round trip): the longest of their waits."""

    async def peek(self, key: str, limits: Sequence[tuple[int, int]], *, now: float | None = None) -> float:
        """Like `hit` but counts nothing: the seconds to wait, or 0 when an event would be allowed."""

    async def once(self, key: str, ttl: int) -> bool:
        """True the first time `key` is seen within `ttl` seconds, False after (atomic: of two
        callers at the same moment, one gets True)."""


def _windows(key: str, limits: Sequence[tuple[int, int]], now: float) -> list[tuple[str, int, float]]:
    return [(f"rl:{key}:{window}:{int(now // window)}", limit, (now // window + 1) * window)
            for limit, window in limits]


def _all_windows(counters: Sequence[tuple[str, Sequence[tuple[int, int]]]], now: float) -> list[tuple[str, int, float]]:
    windows = [w for key, limits in counters for w in _windows(key, limits, now)]
    if len({k for k, _, _ in windows}) != len(windows):
        raise ValueError("a counter's window was given twice")
    return windows


def _full(windows: list[tuple[str, int, float]], counts: Sequence[int | None], now: float) -> float:
    """Seconds until the fullest window that is already at its limit ends (`peek`); 0 if none."""
    waits = [end - now for (_, limit, end), n in zip(windows, counts, strict=True) if int(n or 0) >= limit]
    return max(waits, default=0.0)


def _over(windows: list[tuple[str, int, float]], counts: Sequence[int | None], now: float) -> float:
    """Seconds until the fullest window that this event pushed past its limit ends; 0 if none."""
    waits = [end - now for (_, limit, end), n in zip(windows, counts, strict=True) if int(n or 0) > limit]
    return max(waits, default=0.0)


class RedisRateLimiter:
    def __init__(self, redis: Redis) -> None:
        self._redis = redis

    async def peek(self, key: str, limits: Sequence[tuple[int, int]], *, now: float | None = None) -> float:
        now = time.time() if now is None else now
        windows = _windows(key, limits, now)
        return _full(windows, await self._redis.mget([k for k, _, _ in windows]), now)

    async def hit(self, key: str, limits: Sequence[tuple[int, int]], *, now: float | None = None) -> float:
        return await self.hit_each([(key, limits)], now=now)

    async def hit_each(self, counters: Sequence[tuple[str, Sequence[tuple[int, int]]]], *,
                       now: float | None = None) -> float:
        now = time.time() if now is None else now
        windows = _all_windows(counters, now)
        async with self._redis.pipeline(transaction=True) as pipe:
            for k, _, end in windows:
                pipe.incr(k)
                pipe.expire(k, int(end - now) + 1)  # relative: the window's end as seen from `now`
            counts = (await pipe.execute())[::2]
        return _over(windows, counts, now)


    async def once(self, key: str, ttl: int) -> bool:
        return bool(await self._redis.set(f"once:{key}", b"1", nx=True, ex=ttl))


class MemoryRateLimiter:
    """The same windows in this process's memory: exact for one process, and a restart forgets at
    most a window's counts. Only for short flood limits of a server that runs as one process (a
    second process would count apart, so `build_runtime` uses it only when told there is one)."""

    def __init__(self) -> None:
        self._counts: dict[str, tuple[int, float]] = {}  # window's key -> (count, the window's end)
        self._next_sweep = 0.0

    def _count(self, key: str) -> int:
        return self._counts.get(key, (0, 0.0))[0]

    async def peek(self, key: str, limits: Sequence[tuple[int, int]], *, now: float | None = None) -> float:
        now = time.time() if now is None else now
        windows = _windows(key, limits, now)
        return _full(windows, [self._count(k) for k, _, _ in windows], now)

    async def hit(self, key: str, limits: Sequence[tuple[int, int]], *, now: float | None = None) -> float:
        return await self.hit_each([(key, limits)], now=now)

    async def hit_each(self, counters: Sequence[tuple[str, Sequence[tuple[int, int]]]], *,
                       now: float | None = None) -> float:
        now = time.time() if now is None else now
        windows = _all_windows(counters, now)
        for k, _, end in windows:
            self._counts[k] = (self._count(k) + 1, end)
        if now >= self._next_sweep:  # ended windows go, at most once a second
            self._counts = {k: v for k, v in self._counts.items() if v[1] > now}
            self._next_sweep = now + 1.0
        return _over(windows, [self._count(k) for k, _, _ in windows], now)

    async def once(self, key: str, ttl: int) -> bool:
        now = time.time()
        if (seen := self._counts.get(f"once:{key}")) is not None and seen[1] > now:
            return False
        self._counts[f"once:{key}"] = (1, now + ttl)
        return True


class SqlRateLimiter:
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions
        self._one = OneStatement(sessions)
        self._insert = pg_insert if self._one.postgres else sqlite_insert

    async def peek(self, key: str, limits: Sequence[tuple[int, int]], *, now: float | None = None) -> float:
        now = time.time() if now is None else now
        windows = _windows(key, limits, now)
        async with self._sessions() as s:
            rows = dict((await s.execute(select(RateCounter.key, RateCounter.count)
                                         .where(RateCounter.key.in_([k for k, _, _ in windows])))).all())
        return _full(windows, [rows.get(k) for k, _, _ in windows], now)

    async def hit(self, key: str, limits: Sequence[tuple[int, int]], *, now: float | None = None) -> float:
        return await self.hit_each([(key, limits)], now=now)

    async def hit_each(self, counters: Sequence[tuple[str, Sequence[tuple[int, int]]]], *,
                       now: float | None = None) -> float:
        """Every window of every key counted by one upsert statement (every web-chat message pays for it)."""
        now = time.time() if now is None else now
        windows = _all_windows(counters, now)
        stmt = self._insert(RateCounter).values([
            {"key": k, "window_end": datetime.fromtimestamp(end, UTC), "count": 1} for k, _, end in windows])
        stmt = stmt.on_conflict_do_update(index_elements=[RateCounter.key], set_={"count": RateCounter.count + 1})
        counts = dict(await self._one.rows(stmt.returning(RateCounter.key, RateCounter.count), {}))
        if random.random() < 0.02:  # keep the table to live windows
            await self._one.rowcount(delete(RateCounter).where(
                RateCounter.window_end < datetime.fromtimestamp(now, UTC)))
        return _over(windows, [counts[k] for k, _, _ in windows], now)

    async def once(self, key: str, ttl: int) -> bool:
        now = datetime.now(UTC)
        async with self._sessions() as s, s.begin():
            insert = pg_insert if s.bind.dialect.name == "postgresql" else sqlite_insert
            await s.execute(delete(RateCounter).where(RateCounter.key == f"once:{key}", RateCounter.window_end < now))
            stmt = insert(RateCounter).values(key=f"once:{key}", window_end=now + timedelta(seconds=ttl), count=1)
            return (await s.scalar(stmt.on_conflict_do_nothing().returning(RateCounter.key))) is not None
