"""The outbox worker: sends what the services queued (status notices first, then broadcasts)
through the channel senders at each channel's rate (shared through Redis when configured, so any
number of workers together stay under it), retries transient failures with backoff, skips
broadcast rows whose contact stopped subscribing, slows a whole channel down when its provider
answers 429, keeps WhatsApp's business-initiated conversations within the sender's daily tier,
and runs the scheduled broadcasts and the deadline escalation. `python -m bot worker` runs one
(SIGTERM lets it finish what is in flight); `serve` runs one inside when WORKER_IN_PROCESS is on."""
from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from limits import RateLimitItemPerDay, RateLimitItemPerSecond
from limits.aio.storage import MemoryStorage, RedisStorage
from limits.aio.strategies import MovingWindowRateLimiter

from conversations.notices import render_notice, render_notice_reply, template_name, template_variables
from handlers.dispatch import SendFailed
from handlers.metrics import OUTBOX
from services.santunan import WIB
from storage.models import OutboxMessage, utcnow

__all__ = ["Worker"]

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 6
IN_FLIGHT = 10  # sends on the wire at once, per worker
CLAIM = 200  # rows claimed per round
MARK_BATCH = 20  # sent rows recorded together; a killed worker may re-send at most IN_FLIGHT + MARK_BATCH


@dataclass
class _Shared:
    """What the workers of one process share: the rate-limit storage (Redis, or memory), and until
    when each channel is held because its provider answered 429 (also put in Redis, for the others)."""

    storage: MemoryStorage | RedisStorage
    hold: dict[str, float] = field(default_factory=dict)  # channel -> unix time
    tier_seeded: bool = False  # Redis keeps the daily window across restarts; memory is filled from the outbox
    seeding: asyncio.Lock = field(default_factory=asyncio.Lock)


class Worker:
    def __init__(self, runtime, *, interval: float = 1.0, escalate_every: float = 600.0) -> None:
        self._rt, self._interval, self._escalate_every = runtime, interval, escalate_every
        settings = runtime.settings
        if runtime.send_limits is None:  # Redis: shared by every worker; memory: by those of this process
            runtime.send_limits = (_Shared(RedisStorage(f"async+{settings.redis_url}", implementation="redispy"),
                                           tier_seeded=True) if settings.redis_url else _Shared(MemoryStorage()))
        self._limiter = MovingWindowRateLimiter(runtime.send_limits.storage)
        self._rates = {"telegram": RateLimitItemPerSecond(max(1, int(settings.telegram_send_rate))),
                       "whatsapp": RateLimitItemPerSecond(max(1, int(settings.whatsapp_send_rate)))}
        cap = settings.whatsapp_daily_conversations
        self._tier = RateLimitItemPerDay(cap) if cap else None  # a rolling 24 hours, as Meta counts
        self._shared = runtime.send_limits
        self._lease = timedelta(seconds=settings.outbox_lease_seconds)
        self._redis = getattr(runtime.store, "redis", None) if settings.redis_url else None
        self._hold = runtime.send_limits.hold
        self._hold_read: dict[str, float] = {}
        self._slots = asyncio.Semaphore(IN_FLIGHT)
        self._permits: dict[str, int] = {}  # taken from the shared rate window, not yet used
        self._marks: list[tuple[int, str, bool]] = []  # sent, not yet recorded: (row id, provider id, opened)
        self._stop = asyncio.Event()

    def stop(self) -> None:
        """Finish what is in flight, give back the rest of the batch, and leave `run`."""
        self._stop.set()

    def quiet(self, now: datetime) -> bool:
        """Inside BROADCAST_QUIET_HOURS (local time in Asia/Jakarta): broadcasts wait, notices go."""
        hours = self._rt.settings.broadcast_quiet_hours
        if not hours:
            return False
        start, end = (int(h) for h in hours.split("-"))
        hour = now.astimezone(WIB).hour
        return (start <= hour < end) if start < end else (hour >= start or hour < end)

    def _sender(self, channel: str):
        return {"telegram": self._rt.telegram, "whatsapp": self._rt.whatsapp, "web": self._rt.web}.get(channel)

    # --- pacing: the shared per-second rate, and the provider's "slow down" ---

    async def _held(self, channel: str) -> float:
        """Seconds this channel must still wait because its provider said 429 (to this worker, or to
        another one: the hold is shared through Redis, read at most five times a second)."""
        now = time.time()
        if self._redis is not None and now - self._hold_read.get(channel, 0.0) >= 0.2:
            self._hold_read[channel] = now
            shared = await self._redis.get(f"outbox:hold:{channel}")
            if shared:
                self._hold[channel] = max(self._hold.get(channel, 0.0), float(shared))
        return self._hold.get(channel, 0.0) - now

    async def _pace(self, channel: str) -> None:
        """Wait until the channel is not held and its shared rate allows one more message. On a fast
        channel (hundreds a second) permits are taken from the shared window a few at a time (at most
        10), so that it does not pay one Redis round trip per message; a slow one takes them singly,
        which keeps its pace even (measured: batches at 30/s lost half the rate to waiting)."""
        item = self._rates.get(channel)
        while item is not None:  # the web chat has no provider, so no rate to keep
            wait = await self._held(channel)
            if wait <= 0:
                if self._permits.get(channel, 0) > 0:
                    self._permits[channel] -= 1
                    return
                many = max(1, min(10, item.amount // 100))
                if await self._limiter.hit(item, "outbox", channel, cost=many):
                    self._permits[channel] = many - 1
                    return
                if many > 1 and await self._limiter.hit(item, "outbox", channel):
                    return
                stats = await self._limiter.get_window_stats(item, "outbox", channel)
                wait = stats.reset_time - time.time()
            await asyncio.sleep(min(max(wait, 0.005), 1.0))

    async def _throttled(self, row: OutboxMessage, wait: float) -> None:
        """The provider said 429: hold the whole channel (every worker) for as long as it asked, and
        put the row back as it was, due when the hold ends. Nothing is lost, no attempt is used up."""
        wait = max(wait, 0.5) + 0.1
        until = time.time() + wait
        self._hold[row.channel] = max(self._hold.get(row.channel, 0.0), until)
        if self._redis is not None:
            await self._redis.set(f"outbox:hold:{row.channel}", until, px=int(wait * 1000))
        OUTBOX.labels(row.channel, row.kind, "throttled").inc()
        log.warning("outbox: %s asked us to slow down; holding the channel %.1f s", row.channel, wait)
        await self._rt.outbox.retry(message_id=row.id, attempts=row.attempts, error="rate limited by the provider",
                                    at=utcnow() + timedelta(seconds=wait))

    async def _tier_wait(self) -> float:
        """0 when one more business-initiated WhatsApp conversation fits in the daily tier (and counts
        it), else the seconds until the oldest one leaves the rolling 24 hours."""
        if self._tier is None:
            return 0.0
        async with self._shared.seeding:  # an in-process window starts empty: count the last 24 h from the outbox
            if not self._shared.tier_seeded:
                opened = await self._rt.outbox.conversations_opened(channel="whatsapp",
                                                                    since=utcnow() - timedelta(days=1))
                if opened:
                    await self._limiter.hit(self._tier, "outbox", "whatsapp-opened",
                                            cost=min(opened, self._tier.amount))
                self._shared.tier_seeded = True
        if await self._limiter.hit(self._tier, "outbox", "whatsapp-opened"):
            return 0.0
        stats = await self._limiter.get_window_stats(self._tier, "outbox", "whatsapp-opened")
        return max(stats.reset_time - time.time(), 60.0)

    # --- sending ---

    async def send_due(self) -> int:
        """Claim a batch of due messages and send them; returns how many were claimed."""
        outbox, now = self._rt.outbox, utcnow()
        rows = await outbox.claim(now=now, limit=CLAIM, lease=self._lease,
                                  max_priority=0 if self.quiet(now) else None)
        broadcast = [r.contact_id for r in rows if r.kind == "broadcast" and r.contact_id is not None]
        still = await self._rt.broadcasts.still_subscribed(broadcast) if broadcast else {}
        notified = [r.contact_id for r in rows if r.kind != "broadcast" and r.channel == "whatsapp" and r.contact_id]
        inbound = {**await self._rt.contacts.last_inbound(notified), **still}
        try:
            await asyncio.gather(*(self._one(row, still, inbound) for row in rows))
        finally:
            await self._record_sent()
        return len(rows)

    async def _one(self, row: OutboxMessage, still_subscribed: dict[int, datetime | None],
                   inbound: dict[int, datetime | None]) -> None:
        """Send one message and record it soon after (every MARK_BATCH sends, and at the end of the
        batch), so that a worker killed mid-batch re-sends at most the few messages that were on the
        wire or not yet recorded when it died."""
        provider_id, opened = await self._attempt(row, still_subscribed, inbound)
        if provider_id:
            self._marks.append((row.id, provider_id, opened))
            OUTBOX.labels(row.channel, row.kind, "sent").inc()
            if len(self._marks) >= MARK_BATCH:
                await self._record_sent()

    async def _record_sent(self) -> None:
        marks, self._marks = self._marks, []
        now = utcnow()
        for opened in (False, True):
            group = [(row_id, provider_id) for row_id, provider_id, o in marks if o is opened]
            if group:
                await self._rt.outbox.sent(messages=group, now=now, opened_conversation=opened)

    async def _attempt(self, row: OutboxMessage, still_subscribed: dict[int, datetime | None],
                       inbound: dict[int, datetime | None]) -> tuple[str | None, bool]:
        """The provider's id when the message went (None when it was skipped, held, deferred or
        failed), and whether it opened a business-initiated WhatsApp conversation."""
        outbox = self._rt.outbox
        if row.kind == "broadcast" and row.contact_id not in still_subscribed:  # said berhenti since
            await outbox.skipped(message_id=row.id, reason="unsubscribed")
            OUTBOX.labels(row.channel, row.kind, "skipped").inc()
            return None, False
        sender = self._sender(row.channel)
        if sender is None:  # a channel without push (the console): the status is there on the next visit
            await outbox.held(message_id=row.id, reason=f"no push on the {row.channel} channel")
            OUTBOX.labels(row.channel, row.kind, "held").inc()
            return None, False
        async with self._slots:
            if self._stop.is_set():  # stopping: leave it for the next worker, untouched
                await outbox.release(message_ids=[row.id])
                return None, False
            opens = False
            if row.channel == "whatsapp":
                last_inbound = inbound.get(row.contact_id)
                opens = sender.has_template and sender.outside_window(last_inbound, utcnow())
                if opens and (wait := await self._tier_wait()):
                    await outbox.retry(message_id=row.id, attempts=row.attempts, at=utcnow() + timedelta(seconds=wait),
                                       error="daily WhatsApp conversation limit reached; continues when it allows")
                    OUTBOX.labels(row.channel, row.kind, "deferred").inc()
                    return None, False
            await self._pace(row.channel)
            try:
                if row.channel == "whatsapp":  # we start this conversation: the 24-hour window applies
                    sid = await sender.send_started(
                        address=row.address, contact_id=row.contact_id, last_inbound_at=last_inbound,
                        text=render_notice(row.body), now=utcnow(),
                        variables=template_variables(row.body, base_url=self._rt.settings.public_base_url),
                        template_sid=self._template(row.body))
                    if sid is None:
                        await outbox.skipped(message_id=row.id, reason="outside window")
                        OUTBOX.labels(row.channel, row.kind, "skipped").inc()
                    return sid, opens
                ids = await sender.send(row.address, [render_notice_reply(row.body)], contact_id=row.contact_id,
                                        patient=False)
            except SendFailed as exc:
                if exc.retry_after is not None:
                    await self._throttled(row, exc.retry_after)
                else:
                    await self._failed(row, exc)
                return None, False
        return (ids[-1] if ids else "sent"), False

    def _template(self, body: str) -> str | None:
        """The approved WhatsApp template a notice goes as outside the window: the helpdesk's own for
        "a staff member answered you", else the announcement one (None)."""
        return self._rt.settings.helpdesk_template_sid if template_name(body) == "helpdesk" else None

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

    async def _helpdesk_rounds(self) -> None:
        settings, helpdesk = self._rt.settings, self._rt.helpdesk
        await helpdesk.close_idle(after=timedelta(hours=settings.helpdesk_idle_close_hours))
        await helpdesk.escalate(after=timedelta(minutes=settings.helpdesk_escalate_minutes))

    async def run(self) -> None:
        """Until stopped or cancelled: start scheduled broadcasts, send what is due (straight on while
        there is more), mark finished broadcasts, and escalate overdue reports now and then."""
        last_escalation = 0.0
        loop = asyncio.get_running_loop()
        next_purge = loop.time() + 300.0  # retention (services/retention.py): 5 minutes after start, then daily
        next_helpdesk = loop.time()  # idle helpdesk conversations closed, long waits escalated: every minute
        while not self._stop.is_set():
            busy = 0
            try:
                await self._rt.broadcasts.start_due()
                await self._rt.broadcasts.check_canaries()
                busy = await self.send_due()
                await self._rt.broadcasts.finish_sent()
                if loop.time() - last_escalation >= self._escalate_every:
                    await self._rt.santunan.escalate_overdue()
                    last_escalation = loop.time()
                if loop.time() >= next_helpdesk and self._rt.helpdesk is not None:
                    next_helpdesk = loop.time() + 60.0
                    await self._helpdesk_rounds()
                if loop.time() >= next_purge and self._rt.retention is not None:
                    next_purge = loop.time() + 86400.0
                    await self._rt.retention.purge(actor="system")
            except Exception:
                log.exception("worker round failed; trying again")
            if not busy:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._stop.wait(), self._interval)
