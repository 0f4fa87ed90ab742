"""Fixed-window rate counters on every backend (memory: one process's web-chat flood limits)."""
from __future__ import annotations

import pytest
from redis.asyncio import Redis

from storage.db import make_engine, make_sessionmaker
from storage.ratelimit import MemoryRateLimiter, RedisRateLimiter, SqlRateLimiter

LIMITS = ((2, 3600), (3, 86400))
T0 = 1_700_000_000.0 - (1_700_000_000.0 % 86400) + 3600 * 10  # 10:00 UTC on some day


@pytest.fixture(params=["sqlite", "postgresql", "redis", "memory"])
async def limiter(request):
    if request.param == "memory":
        yield MemoryRateLimiter()
        return
    if request.param == "redis":
        redis = Redis.from_url(request.getfixturevalue("redis_url"))
        yield RedisRateLimiter(redis)
        await redis.aclose()
        return
    engine = make_engine(request.getfixturevalue("sqlite_url" if request.param == "sqlite" else "pg_url"))
    yield SqlRateLimiter(make_sessionmaker(engine))
    await engine.dispose()


async def test_windows_refuse_and_reopen(limiter):
    assert await limiter.hit("c:1", LIMITS, now=T0) == 0
    assert await limiter.hit("c:1", LIMITS, now=T0 + 10) == 0
    assert await limiter.peek("c:1", LIMITS, now=T0 + 20) == pytest.approx(3600 - 20)
    assert await limiter.hit("c:1", LIMITS, now=T0 + 20) == pytest.approx(3600 - 20)  # the hour is full
    assert await limiter.hit("c:2", LIMITS, now=T0 + 20) == 0  # another contact is not affected
    # next hour: the hourly window reopens, but the day already has three events
    assert await limiter.hit("c:1", LIMITS, now=T0 + 3600) == pytest.approx(86400 - 3600 * 11)
    assert await limiter.peek("c:1", LIMITS, now=T0 + 86400) == 0  # next day


async def test_several_counters_at_once_and_the_longest_wait(limiter):
    per_minute = [(2, 60)]
    counters = [("web:ip:1", per_minute), ("web:user:a", [(5, 60)])]
    assert await limiter.hit_each(counters, now=T0) == 0
    assert await limiter.hit_each(counters, now=T0 + 1) == 0
    assert await limiter.hit_each(counters, now=T0 + 2) == pytest.approx(58)  # the address is over
    assert await limiter.hit_each([("web:ip:2", per_minute), ("web:user:a", [(5, 60)])], now=T0 + 3) == 0
    assert await limiter.hit_each(counters, now=T0 + 60) == 0  # the next minute


async def test_once_is_once_until_it_expires(limiter):
    assert await limiter.once("alert:7", 60) is True
    assert await limiter.once("alert:7", 60) is False
    assert await limiter.once("alert:8", 60) is True
