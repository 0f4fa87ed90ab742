"""Prometheus metrics for operators (`GET /metrics`): chat turns, webhook rejections, the outbox,
rate-limit refusals. Label values are fixed words from the code (channels, flow names from the
engine, outcomes, reasons), never anything a person typed or anything about a person.

Several processes (uvicorn --workers, outbox workers on the same machine): set the environment
variable PROMETHEUS_MULTIPROC_DIR to an empty directory shared by them *before* they start (it is
read when prometheus_client is imported, so not from `.env`); every process writes its figures
there and `/metrics` adds them up. Empty the directory at each deploy, before any process starts
(docs/operations.md). The outbox depth is not a process figure: `scrape` reads it from the database
with one GROUP BY query at scrape time."""
from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Iterable, Sequence
from datetime import datetime

from prometheus_client import REGISTRY, CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector

from storage.models import utcnow

__all__ = ["GC_PAUSE", "LOOP_LAG", "OUTBOX", "RATE_LIMITED", "TURN_ERRORS", "TURN_SECONDS", "TURNS",
           "TURNS_IN_PROGRESS", "WEBHOOK_REJECTIONS", "CountedLimiter", "registry", "scrape"]

log = logging.getLogger(__name__)
DEPTH_TIMEOUT = 2.0  # seconds the outbox depth query may take before a scrape goes on without it

TURNS = Counter("layanan_turns_total", "Inbound messages handled, by channel, flow and outcome "
                "(ok, undelivered, failed, duplicate)", ["channel", "flow", "outcome"])
TURN_SECONDS = Histogram("layanan_turn_seconds", "Time to handle one inbound message, replies sent included",
                         ["channel", "flow"], buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10))
TURN_ERRORS = Counter("layanan_turn_errors_total", "Turns that did not complete, by channel and error "
                      "(exception, busy, undelivered)", ["channel", "error"])
TURNS_IN_PROGRESS = Gauge("layanan_turns_in_progress", "Turns being handled right now, all processes together",
                          ["channel"], multiprocess_mode="livesum")
WEBHOOK_REJECTIONS = Counter("layanan_webhook_rejections_total", "Webhook requests refused or ignored, by channel "
                             "and reason (bad_secret, bad_signature, unparseable)", ["channel", "reason"])
OUTBOX = Counter("layanan_outbox_total", "Outbox messages handled by the workers, by channel, kind and result "
                 "(sent, retry, failed, throttled, deferred, skipped, held)", ["channel", "kind", "result"])
LOOP_LAG = Histogram("layanan_event_loop_lag_seconds", "How late a web process's event loop ran a 50 ms timer: "
                     "a callback that held the loop (waiting on the database does not count)",
                     buckets=(0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5))
GC_PAUSE = Histogram("layanan_gc_pause_seconds", "Garbage collections in the web processes, by generation: "
                     "how long each held the process", ["generation"],
                     buckets=(0.001, 0.0025, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25))
RATE_LIMITED = Counter("layanan_rate_limited_total", "Requests refused by a rate limit or a lockout, by limiter "
                       "(coverage_lookup, staff_link_code, staff_login)", ["limiter"])


class CountedLimiter:
    """A storage.ratelimit.RateLimiter that counts its refusals in layanan_rate_limited_total. `hits`:
    whether a refused `hit` is a refusal (coverage lookups) or only records a failure that the next
    `peek` will refuse (link codes)."""

    def __init__(self, inner, *, name: str, hits: bool = True) -> None:
        self._inner, self._counter, self._hits = inner, RATE_LIMITED.labels(name), hits

    async def peek(self, key: str, limits: Sequence[tuple[int, int]], *, now: float | None = None) -> float:
        wait = await self._inner.peek(key, limits, now=now)
        if wait:
            self._counter.inc()
        return wait

    async def hit(self, key: str, limits: Sequence[tuple[int, int]], *, now: float | None = None) -> float:
        return await self.hit_each([(key, limits)], now=now)

    async def hit_each(self, counters: Sequence[tuple[str, Sequence[tuple[int, int]]]], *,
                       now: float | None = None) -> float:
        wait = await self._inner.hit_each(counters, now=now)
        if wait and self._hits:
            self._counter.inc()
        return wait

    def __getattr__(self, name: str):
        return getattr(self._inner, name)


def registry() -> CollectorRegistry:
    """This process's metrics, or every process's when PROMETHEUS_MULTIPROC_DIR is set."""
    if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        return REGISTRY
    combined = CollectorRegistry()
    MultiProcessCollector(combined)
    return combined


class _Depth:
    """The outbox's pending rows by channel and kind, read once per scrape (a collector only for it)."""

    def __init__(self, rows: Sequence[tuple[str, str, int, int, datetime | None]] | None, now: datetime) -> None:
        self._rows, self._now = rows, now

    def collect(self) -> Iterable[Metric]:
        ok = GaugeMetricFamily("layanan_outbox_depth_ok", "1 when this scrape could read the outbox depth, else 0")
        ok.add_metric([], 0 if self._rows is None else 1)
        yield ok
        if self._rows is None:
            return
        pending = GaugeMetricFamily("layanan_outbox_pending", "Outbox rows not yet sent (due, scheduled or waiting "
                                    "for a retry), by channel and kind", labels=["channel", "kind"])
        due = GaugeMetricFamily("layanan_outbox_due", "Pending outbox rows whose time has come, by channel and kind",
                                labels=["channel", "kind"])
        late = GaugeMetricFamily("layanan_outbox_oldest_due_seconds", "How long the oldest due row has waited, "
                                 "by channel and kind (0 when none is due)", labels=["channel", "kind"])
        for channel, kind, n_pending, n_due, oldest in self._rows:
            pending.add_metric([channel, kind], n_pending)
            due.add_metric([channel, kind], n_due)
            late.add_metric([channel, kind], max((self._now - oldest).total_seconds(), 0.0) if oldest else 0.0)
        yield from (pending, due, late)


async def scrape(outbox) -> bytes:
    """The text exposition for `GET /metrics`: the process metrics (summed over processes in
    multiprocess mode) and the outbox depth, read now from the database (storage.outbox.Outbox)."""
    now = utcnow()
    try:
        rows = await asyncio.wait_for(outbox.depth(now=now), DEPTH_TIMEOUT)
    except Exception as exc:  # the database is down or slow: /readyz says so; the counters still go out
        log.warning("metrics: outbox depth not read (%s)", type(exc).__name__)
        rows = None
    extra = CollectorRegistry(auto_describe=False)
    extra.register(_Depth(rows, now))
    return generate_latest(registry()) + generate_latest(extra)
