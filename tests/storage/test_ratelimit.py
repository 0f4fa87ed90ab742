"""Fixed-window rate counters on every backend."""
from __future__ import annotations

import pytest
from redis.asyncio import Redis

from storage.db import make_engine, make_sessionmaker
from storage.ratelimit import RedisRateLimiter, SqlRateLimiter

LIMITS = ((2, 3600), (3, 86400))
T0 = 1_700_000_000.0 - (1_700_000_000.0 % 86400) + 3600 * 10  # 10:00 UTC on some day


@pytest.fixture(params=["sqlite", "postgresql", "redis"])
async def limiter(request):
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
