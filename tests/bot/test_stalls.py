"""bot/stalls.py: a callback that holds a web process's event loop shows on /metrics as loop lag, and
a garbage collection as a pause of its generation; an ordinary wait (a sleep, as a query is) does not."""
from __future__ import annotations

import asyncio
import gc
import time

from prometheus_client import REGISTRY

from bot.stalls import INTERVAL, StallWatch


def _over(seconds: str) -> float:
    """How many lag samples were above `seconds` (a bucket's bound) so far."""
    count = REGISTRY.get_sample_value("layanan_event_loop_lag_seconds_count") or 0.0
    return count - (REGISTRY.get_sample_value("layanan_event_loop_lag_seconds_bucket", {"le": seconds}) or 0.0)


def _pauses(generation: str) -> float:
    return REGISTRY.get_sample_value("layanan_gc_pause_seconds_count", {"generation": generation}) or 0.0


async def test_a_held_loop_shows_as_lag_and_a_wait_does_not():
    watch = StallWatch()
    watch.start()
    try:
        await asyncio.sleep(INTERVAL * 3)
        before = _over("0.5")
        await asyncio.sleep(INTERVAL * 6)  # waiting, as on PostgreSQL: the loop is free
        assert _over("0.5") == before
        time.sleep(0.7)  # noqa: ASYNC251 - on purpose: a callback that holds the loop
        await asyncio.sleep(INTERVAL * 2)
        assert _over("0.5") >= before + 1
    finally:
        await watch.stop()


async def test_a_full_collection_is_counted_as_a_pause():
    watch = StallWatch()
    watch.start()
    try:
        before = _pauses("2")
        gc.collect()
        await asyncio.sleep(INTERVAL * 3)
        assert _pauses("2") >= before + 1
    finally:
        await watch.stop()
    stopped = _pauses("2")
    gc.collect()  # after stop: no longer counted
    await asyncio.sleep(INTERVAL * 2)
    assert _pauses("2") == stopped
