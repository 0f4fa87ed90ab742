"""The outbox worker: sends what the services queued (status notices now; broadcasts later) through
the channel senders, retries transient failures with backoff, and runs the deadline escalation.
`python -m bot worker` runs one; `serve` runs one inside when WORKER_IN_PROCESS is on."""
from __future__ import annotations

import asyncio
import logging
import random
from datetime import timedelta

from conversations.model import Reply
from conversations.notices import render_notice
from handlers.dispatch import SendFailed
from storage.models import utcnow

__all__ = ["Worker"]

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 6


class Worker:
    def __init__(self, runtime, *, interval: float = 2.0, escalate_every: float = 600.0) -> None:
        self._rt, self._interval, self._escalate_every = runtime, interval, escalate_every

    def _sender(self, channel: str):
        return {"telegram": self._rt.telegram, "whatsapp": self._rt.whatsapp}.get(channel)

    async def send_due(self) -> int:
        """Send every due message once; returns how many were handled."""
        outbox, now = self._rt.outbox, utcnow()
        rows = await outbox.claim(now=now)
        for row in rows:
            sender = self._sender(row.channel)
            if sender is None:  # the web chat cannot be reached later: the status is there on the next visit
                await outbox.held(message_id=row.id, reason=f"no push on the {row.channel} channel")
                continue
            try:
                await sender.send(row.address, [Reply(render_notice(row.body))], contact_id=row.contact_id)
            except SendFailed as exc:
                attempts = row.attempts + 1
                if attempts >= MAX_ATTEMPTS or "permanent" in str(exc) or "blocked" in str(exc):
                    await outbox.failed(message_id=row.id, attempts=attempts, error=str(exc))
                else:  # exponential backoff with jitter: ~30 s, 1, 2, 4, 8 min
                    delay = 30 * 2 ** (attempts - 1) * random.uniform(0.8, 1.2)
                    await outbox.retry(message_id=row.id, attempts=attempts, at=now + timedelta(seconds=delay),
                                       error=str(exc))
                continue
            await outbox.sent(message_id=row.id, now=utcnow())
        return len(rows)

    async def run(self) -> None:
        """Until cancelled: send what is due every `interval` seconds, escalate overdue reports now and then."""
        last_escalation = 0.0
        loop = asyncio.get_running_loop()
        while True:
            try:
                await self.send_due()
                if loop.time() - last_escalation >= self._escalate_every:
                    await self._rt.santunan.escalate_overdue()
                    last_escalation = loop.time()
            except Exception:
                log.exception("worker round failed; trying again")
            await asyncio.sleep(self._interval)
