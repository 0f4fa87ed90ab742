"""Prometheus metrics for operators (`GET /metrics`): chat turns and outbox deliveries. Labels are
channels and outcomes only, never anything about a person."""
from __future__ import annotations

from prometheus_client import Counter, Histogram

__all__ = ["OUTBOX", "TURN_SECONDS", "TURNS"]

TURNS = Counter("layanan_turns_total", "Inbound messages handled, by channel and outcome",
                ["channel", "outcome"])
TURN_SECONDS = Histogram("layanan_turn_seconds", "Time to handle one inbound message, replies sent included",
                         ["channel"], buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10))
OUTBOX = Counter("layanan_outbox_total", "Outbox messages handled by the workers, by channel, kind and result",
                 ["channel", "kind", "result"])
