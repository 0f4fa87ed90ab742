"""The outbox worker: sends what the services queued (status notices first, then broadcasts)
through the channel senders at each channel's rate (shared through Redis when configured, so any
number of workers together stay under it), retries transient failures with backoff, skips
broadcast rows whose contact stopped subscribing, and runs the scheduled broadcasts and the
deadline escalation. `python -m bot worker` runs one; `serve` runs one inside when
WORKER_IN_PROCESS is on."""
from __future__ import annotations

import asyncio
import logging
import random
import time
from datetime import datetime, timedelta

from limits import RateLimitItemPerSecond
from limits.aio.storage import MemoryStorage, RedisStorage
from limits.aio.strategies import MovingWindowRateLimiter

from conversations.model import Reply
from conversations.notices import render_notice
from handlers.dispatch import SendFailed
from handlers.metrics import OUTBOX
from services.santunan import WIB
from storage.models import OutboxMessage, utcnow

__all__ = ["Worker"]

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 6
IN_FLIGHT = 10


class Worker:
    def __init__(self, runtime, *, interval: float = 1.0, escalate_every: float = 600.0) -> None:
        self._rt, self._interval, self._escalate_every = runtime, interval, escalate_every
        settings = runtime.settings
        storage = (RedisStorage(f"async+{settings.redis_url}", implementation="redispy") if settings.redis_url
                   else MemoryStorage())
        self._limiter = MovingWindowRateLimiter(storage)
        self._rates = {"telegram": RateLimitItemPerSecond(max(1, int(settings.telegram_send_rate))),
                       "whatsapp": RateLimitItemPerSecond(max(1, int(settings.whatsapp_send_rate)))}
        self._slots = asyncio.Semaphore(IN_FLIGHT)

    def quiet(self, now: datetime) -> bool:
        """Inside BROADCAST_QUIET_HOURS (local time in Asia/Jakarta): broadcasts wait, notices go."""
        hours = self._rt.settings.broadcast_quiet_hours
        if not hours:
            return False
        start, end = (int(h) for h in hours.split("-"))
        hour = now.astimezone(WIB).hour
        return (start <= hour < end) if start < end else (hour >= start or hour < end)

    def _sender(self, channel: str):
        return {"telegram": self._rt.telegram, "whatsapp": self._rt.whatsapp}.get(channel)

    async def _pace(self, channel: str) -> None:
        """Wait until the channel's shared rate allows one more message."""
        item = self._rates[channel]
        while not await self._limiter.hit(item, "outbox", channel):
            stats = await self._limiter.get_window_stats(item, "outbox", channel)
            await asyncio.sleep(min(max(stats.reset_time - time.time(), 0.005), 1.0))

    async def send_due(self) -> int:
        """Claim a batch of due messages and send them; returns how many were claimed."""
        outbox, now = self._rt.outbox, utcnow()
        rows = await outbox.claim(now=now, limit=100, max_priority=0 if self.quiet(now) else None)
        broadcast = [r.contact_id for r in rows if r.kind == "broadcast" and r.contact_id is not None]
        still = await self._rt.broadcasts.still_subscribed(broadcast) if broadcast else {}
        await asyncio.gather(*(self._one(row, still) for row in rows))
        return len(rows)

    async def _one(self, row: OutboxMessage, still_subscribed: dict[int, datetime | None]) -> None:
        """Send one message and record it at once, so that a worker killed mid-batch re-sends at most
        the few messages that were in flight when it died."""
        provider_id = await self._attempt(row, still_subscribed)
        if provider_id:
            await self._rt.outbox.sent(messages=[(row.id, provider_id)], now=utcnow())
            OUTBOX.labels(row.channel, row.kind, "sent").inc()

    async def _attempt(self, row: OutboxMessage, still_subscribed: dict[int, datetime | None]) -> str | None:
        """The provider's id when the message went; None when it was skipped, held or failed."""
        outbox = self._rt.outbox
        if row.kind == "broadcast" and row.contact_id not in still_subscribed:  # said berhenti since
            await outbox.skipped(message_id=row.id, reason="unsubscribed")
            return None
        sender = self._sender(row.channel)
        if sender is None:  # the web chat cannot be reached later: the status is there on the next visit
            await outbox.held(message_id=row.id, reason=f"no push on the {row.channel} channel")
            return None
        async with self._slots:
            await self._pace(row.channel)
            try:
                if row.channel == "whatsapp":  # we start this conversation: the 24-hour window applies
                    sid = await sender.send_started(address=row.address, contact_id=row.contact_id,
                                                    last_inbound_at=still_subscribed.get(row.contact_id),
                                                    text=render_notice(row.body), now=utcnow())
                    if sid is None:
                        await outbox.skipped(message_id=row.id, reason="outside window")
                    return sid
                ids = await sender.send(row.address, [Reply(render_notice(row.body))], contact_id=row.contact_id)
            except SendFailed as exc:
                await self._failed(row, exc)
                return None
        return ids[-1] if ids else "sent"

    async def _failed(self, row: OutboxMessage, exc: SendFailed) -> None:
        attempts = row.attempts + 1
        permanent = "permanent" in str(exc) or "blocked" in str(exc)
        if permanent and row.contact_id is not None:  # stop trying this person on every later message too
            await self._rt.contacts.block(contact_id=row.contact_id)
        if attempts >= MAX_ATTEMPTS or permanent:
            await self._rt.outbox.failed(message_id=row.id, attempts=attempts, error=str(exc))
            OUTBOX.labels(row.channel, row.kind, "failed").inc()
            return
        OUTBOX.labels(row.channel, row.kind, "retry").inc()
        delay = 2 * 4 ** (attempts - 1) * random.uniform(0.8, 1.2)  # ~2 s, 8 s, 32 s, 2 min, 8.5 min, jittered
        await self._rt.outbox.retry(message_id=row.id, attempts=attempts, at=utcnow() + timedelta(seconds=delay),
                                    error=str(exc))

    async def run(self) -> None:
        """Until cancelled: start scheduled broadcasts, send what is due (straight on while there is
        more), mark finished broadcasts, and escalate overdue reports now and then."""
        last_escalation = 0.0
        loop = asyncio.get_running_loop()
        while True:
            busy = 0
            try:
                await self._rt.broadcasts.start_due()
                await self._rt.broadcasts.check_canaries()
                busy = await self.send_due()
                await self._rt.broadcasts.finish_sent()
                if loop.time() - last_escalation >= self._escalate_every:
                    await self._rt.santunan.escalate_overdue()
                    last_escalation = loop.time()
            except Exception:
                log.exception("worker round failed; trying again")
            if not busy:
                await asyncio.sleep(self._interval)
