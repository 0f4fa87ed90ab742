"""The outbox: messages to send that are not direct replies, claimed in batches with a lease so that
any number of workers can share them; a killed worker's rows are taken again once the lease ends."""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import and_, bindparam, case, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage.models import Announcement, OutboxMessage

__all__ = ["Outbox"]


class Outbox:
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def claim(self, *, now: datetime, limit: int = 50, lease: timedelta = timedelta(minutes=2),
                    max_priority: int | None = None) -> list[OutboxMessage]:
        """Due rows, highest priority (lowest number) first, leased to the caller. PostgreSQL skips
        rows another worker holds (FOR UPDATE SKIP LOCKED); on SQLite one UPDATE picks and leases. `max_priority`
        leaves the lower-priority rows (broadcasts) waiting, e.g. in quiet hours."""
        due = and_(OutboxMessage.status == "pending", OutboxMessage.next_attempt_at <= now,
                   or_(OutboxMessage.lease_until.is_(None), OutboxMessage.lease_until < now))
        if max_priority is not None:
            due = and_(due, OutboxMessage.priority <= max_priority)
        live = select(Announcement.id).where(Announcement.id == OutboxMessage.announcement_id,
                                             Announcement.state == "sending").exists()
        due = and_(due, or_(OutboxMessage.announcement_id.is_(None), live))  # paused or cancelled: wait
        async with self._sessions() as s, s.begin():
            # One statement that picks and leases, so that two workers never take the same row: on
            # PostgreSQL the pick skips rows another worker is leasing; on SQLite the UPDATE holds the
            # database's write lock while it picks.
            pick = (select(OutboxMessage.id).where(due).order_by(OutboxMessage.priority, OutboxMessage.id)
                    .limit(limit).correlate(None))
            if s.bind.dialect.name == "postgresql":
                pick = pick.with_for_update(skip_locked=True)
            stmt = (update(OutboxMessage).where(OutboxMessage.id.in_(pick.scalar_subquery()))
                    .values(lease_until=now + lease).returning(OutboxMessage)
                    .execution_options(synchronize_session=False))
            rows = list(await s.scalars(stmt))
            return sorted(rows, key=lambda r: (r.priority, r.id))

    async def sent(self, *, messages: list[tuple[int, str]], now: datetime, opened_conversation: bool = False) -> None:
        """Mark a batch sent, each with the provider's message id; one transaction.
        `opened_conversation`: they went as the WhatsApp template (they count against the daily tier)."""
        stmt = (update(OutboxMessage.__table__).where(OutboxMessage.__table__.c.id == bindparam("b_id"))
                .values(status="sent", sent_at=now, lease_until=None, provider_id=bindparam("b_provider"),
                        opened_conversation=opened_conversation))
        async with self._sessions() as s, s.begin():
            await s.execute(stmt, [{"b_id": i, "b_provider": p} for i, p in messages])

    async def release(self, *, message_ids: list[int]) -> None:
        """Give claimed rows back untouched (a worker stopping before it sent them)."""
        if message_ids:
            async with self._sessions() as s, s.begin():
                await s.execute(update(OutboxMessage).where(OutboxMessage.id.in_(message_ids))
                                .values(lease_until=None))

    async def conversations_opened(self, *, channel: str, since: datetime) -> int:
        """Distinct recipients sent a template (a business-initiated conversation) since `since`."""
        async with self._sessions() as s:
            return int(await s.scalar(
                select(func.count(func.distinct(OutboxMessage.address)))
                .where(OutboxMessage.channel == channel, OutboxMessage.opened_conversation.is_(True),
                       OutboxMessage.sent_at >= since)) or 0)

    async def depth(self, *, now: datetime) -> list[tuple[str, str, int, int, datetime | None]]:
        """Pending rows by channel and kind: (channel, kind, pending, due now, the oldest due time).
        One GROUP BY over the pending rows, for the metrics scrape."""
        due = OutboxMessage.next_attempt_at <= now
        group = (OutboxMessage.channel, OutboxMessage.kind)
        stmt = (select(*group, func.count(), func.count(case((due, 1))),
                       func.min(case((due, OutboxMessage.next_attempt_at))))
                .where(OutboxMessage.status == "pending").group_by(*group).order_by(*group))
        async with self._sessions() as s:
            return [(c, k, int(n), int(d), oldest) for c, k, n, d, oldest in (await s.execute(stmt)).all()]

    async def retry(self, *, message_id: int, attempts: int, at: datetime, error: str) -> None:
        await self._set(message_id, attempts=attempts, next_attempt_at=at, last_error=error[:200], lease_until=None)

    async def failed(self, *, message_id: int, attempts: int, error: str) -> None:
        await self._set(message_id, status="failed", attempts=attempts, last_error=error[:200], lease_until=None)

    async def skipped(self, *, message_id: int, reason: str) -> None:
        await self._set(message_id, status="skipped", last_error=reason[:200], lease_until=None)

    async def held(self, *, message_id: int, reason: str) -> None:
        await self._set(message_id, status="held", last_error=reason[:200], lease_until=None)

    async def _set(self, message_id: int, **values: object) -> None:
        async with self._sessions() as s, s.begin():
            await s.execute(update(OutboxMessage).where(OutboxMessage.id == message_id).values(**values))
