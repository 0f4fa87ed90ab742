"""What holds a web process: how late its event loop runs a 50 ms timer (the loop's lag: a callback
that kept it busy, such as a long computation or a full garbage collection) and how long each garbage
collection takes, as the histograms `layanan_event_loop_lag_seconds` and `layanan_gc_pause_seconds`
on /metrics (handlers/metrics.py). A turn waiting on PostgreSQL or Redis shows in neither: the loop
runs other turns meanwhile. The figures tell a stall from queueing for the cores (bench/load prints
both per rate).

The garbage collector's callback only notes the pause: prometheus-client takes a lock to record a
value, and a collection can start while that lock is held, so the timer task records them."""
from __future__ import annotations

import asyncio
import contextlib
import gc
import time
from typing import Any

from handlers.metrics import GC_PAUSE, LOOP_LAG

__all__ = ["StallWatch"]

INTERVAL = 0.05  # seconds between the loop's timers (20 wake-ups a second)


class StallWatch:
    def __init__(self) -> None:
        self._task: asyncio.Task[None] | None = None
        self._started = 0.0
        self._pauses: list[tuple[int, float]] = []  # (generation, seconds) since the last timer

    def start(self) -> None:
        gc.callbacks.append(self._collected)
        self._task = asyncio.get_running_loop().create_task(self._watch(), name="stall-watch")

    async def stop(self) -> None:
        with contextlib.suppress(ValueError):
            gc.callbacks.remove(self._collected)
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _watch(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            at = loop.time()
            await asyncio.sleep(INTERVAL)
            LOOP_LAG.observe(max(0.0, loop.time() - at - INTERVAL))
            pauses, self._pauses = self._pauses, []
            for generation, seconds in pauses:
                GC_PAUSE.labels(str(generation)).observe(seconds)

    def _collected(self, phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            self._started = time.perf_counter()
        else:
            self._pauses.append((info["generation"], time.perf_counter() - self._started))
