"""Announcements repository: drafts, approval, and the fan-out that writes one outbox row per
subscriber in a single INSERT ... SELECT (120,000 rows without a round trip each)."""
from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import and_, func, insert, literal, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage.models import Announcement, Contact, OutboxMessage, SentMessage

__all__ = ["Announcements"]

BROADCAST_PRIORITY = 10  # after status notices (0)


class Announcements:
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def create(self, **values: Any) -> Announcement:
        async with self._sessions() as s, s.begin():
            row = Announcement(**values)
            s.add(row)
            await s.flush()
            return row

    async def get(self, announcement_id: int) -> Announcement | None:
        async with self._sessions() as s:
            return await s.get(Announcement, announcement_id)

    async def update(self, announcement_id: int, *, when_state: tuple[str, ...] | None = None,
                     when: dict[str, Any] | None = None, **values: Any) -> bool:
        """Set `values` if the row is in one of `when_state` and its columns still hold `when`."""
        async with self._sessions() as s, s.begin():
            stmt = update(Announcement).where(Announcement.id == announcement_id)
            if when_state:
                stmt = stmt.where(Announcement.state.in_(when_state))
            for column, value in (when or {}).items():
                stmt = stmt.where(getattr(Announcement, column).is_(None) if value is None
                                  else getattr(Announcement, column) == value)
            return (await s.execute(stmt.values(**values))).rowcount == 1

    @staticmethod
    def _audience(kecamatan: list[str] | None) -> Any:
        # the web chat is a channel like the others (its messages wait for the page); the console is not
        subscribed = and_(Contact.subscribed.is_(True), Contact.blocked.is_(False), Contact.channel != "console")
        if not kecamatan:
            return subscribed
        return and_(subscribed, or_(Contact.subscription_kecamatan.is_(None),
                                    Contact.subscription_kecamatan.in_(kecamatan)))

    async def count_audience(self, kecamatan: list[str] | None) -> dict[str, int]:
        async with self._sessions() as s:
            rows = await s.execute(select(Contact.channel, func.count()).where(self._audience(kecamatan))
                                   .group_by(Contact.channel))
            return {channel: int(n) for channel, n in rows}

    async def audience_breakdown(self, kecamatan: list[str] | None) -> list[tuple[str, str | None, int]]:
        """(channel, the kecamatan subscribed to or None for all of OKI, subscribers) in the target."""
        async with self._sessions() as s:
            rows = await s.execute(select(Contact.channel, Contact.subscription_kecamatan, func.count())
                                   .where(self._audience(kecamatan))
                                   .group_by(Contact.channel, Contact.subscription_kecamatan))
            return [(channel, code, int(n)) for channel, code, n in rows]

    async def awaiting(self, *, not_by: int) -> list[Announcement]:
        """Drafts not yet approved whose author is not `not_by` (what that approver may approve), oldest first."""
        async with self._sessions() as s:
            return list(await s.scalars(select(Announcement).where(
                Announcement.state == "draft", Announcement.approved_by.is_(None), Announcement.author_id != not_by)
                .order_by(Announcement.id)))

    async def failed_rows(self, announcement_id: int) -> list[Any]:
        """Every failed or skipped broadcast row: channel, address, status, error, the recipient's
        subscribed kecamatan (None: all of OKI) and the time it was last tried."""
        async with self._sessions() as s:
            return list((await s.execute(
                select(OutboxMessage.channel, OutboxMessage.address, OutboxMessage.status, OutboxMessage.last_error,
                       Contact.subscription_kecamatan.label("kecamatan"),
                       func.coalesce(OutboxMessage.sent_at, OutboxMessage.next_attempt_at).label("at"))
                .outerjoin(Contact, Contact.id == OutboxMessage.contact_id)
                .where(OutboxMessage.announcement_id == announcement_id, OutboxMessage.kind == "broadcast",
                       OutboxMessage.status.in_(("failed", "skipped", "held")))
                .order_by(OutboxMessage.id))).all())

    async def fan_out(self, announcement: Announcement, *, body: str, now: datetime,
                      canary: Callable[[int], int] | None = None, hold_until: datetime | None = None,
                      channel_post: str | None = None) -> int:
        """One pending outbox row per subscriber in the target, and the state to sending; atomic.
        With `canary` (recipients -> canary size), all but a random canary wait until `hold_until`."""
        kecamatan = json.loads(announcement.kecamatan) if announcement.kecamatan else None
        source = select(literal("broadcast"), literal(BROADCAST_PRIORITY), literal(announcement.id), Contact.id,
                        Contact.channel, Contact.channel_user_id, literal(body), literal("pending"), literal(0),
                        literal(now), literal(now)).where(self._audience(kecamatan))
        columns = ["kind", "priority", "announcement_id", "contact_id", "channel", "address", "body", "status",
                   "attempts", "next_attempt_at", "created_at"]
        async with self._sessions() as s, s.begin():
            count = (await s.execute(insert(OutboxMessage).from_select(columns, source))).rowcount
            size = canary(count) if canary and hold_until else 0
            if size and size < count:
                first = (select(OutboxMessage.id).where(OutboxMessage.announcement_id == announcement.id)
                         .order_by(func.random()).limit(size))
                await s.execute(update(OutboxMessage).where(OutboxMessage.announcement_id == announcement.id,
                                                            OutboxMessage.id.not_in(first))
                                .values(next_attempt_at=hold_until))
            if channel_post:  # one message to the public Telegram channel reaches all its members
                s.add(OutboxMessage(kind="channel_post", priority=BROADCAST_PRIORITY, announcement_id=announcement.id,
                                    channel="telegram", address=channel_post, body=body, status="pending",
                                    attempts=0, next_attempt_at=now, created_at=now))
            await s.execute(update(Announcement).where(Announcement.id == announcement.id).values(
                state="sending", recipients=count, sent_at=now, canary_size=size if size < count else 0,
                canary_until=hold_until if size and size < count else None))
            return count

    async def stats(self, announcement_id: int) -> dict[str, Any]:
        """Counts of the announcement's outbox rows, with the reasons of the failed, skipped and
        waiting ones ({reason: rows}), and delivery as the WhatsApp status callbacks told it."""
        mine = and_(OutboxMessage.announcement_id == announcement_id, OutboxMessage.kind == "broadcast")
        async with self._sessions() as s:
            grouped = (await s.execute(
                select(OutboxMessage.status, OutboxMessage.last_error, func.count()).where(mine)
                .group_by(OutboxMessage.status, OutboxMessage.last_error))).all()
            channel_post = await s.scalar(select(OutboxMessage.status).where(
                OutboxMessage.announcement_id == announcement_id, OutboxMessage.kind == "channel_post"))
            receipts = dict((await s.execute(
                select(SentMessage.status, func.count()).select_from(OutboxMessage)
                .join(SentMessage, SentMessage.provider_id == OutboxMessage.provider_id)
                .where(mine, SentMessage.status.in_(("delivered", "read"))).group_by(SentMessage.status))).all())
        by_status: dict[str, int] = {}
        reasons: dict[str, dict[str, int]] = {"failed": {}, "skipped": {}, "pending": {}}
        for status, error, count in grouped:
            by_status[status] = by_status.get(status, 0) + count
            bucket = reasons["skipped" if status == "held" else status] if status in (*reasons, "held") else None
            if bucket is not None and error:
                bucket[error] = bucket.get(error, 0) + count
        return {"recipients": sum(by_status.values()) - by_status.get("cancelled", 0),
                "queued": by_status.get("pending", 0),
                "sent": by_status.get("sent", 0), "delivered": receipts.get("delivered", 0) + receipts.get("read", 0),
                "read": receipts.get("read", 0), "failed": by_status.get("failed", 0),
                "skipped": by_status.get("skipped", 0) + by_status.get("held", 0), "channel_post": channel_post,
                "failed_by_reason": reasons["failed"], "skipped_by_reason": reasons["skipped"],
                "waiting_by_reason": reasons["pending"]}

    async def failures(self, announcement_id: int, *, limit: int = 100) -> list[dict[str, Any]]:
        """The failed rows, newest first: channel, the recipient's address masked to its last three
        characters, the provider's error and the attempts made."""
        async with self._sessions() as s:
            rows = (await s.execute(
                select(OutboxMessage.channel, OutboxMessage.address, OutboxMessage.last_error, OutboxMessage.attempts)
                .where(OutboxMessage.announcement_id == announcement_id, OutboxMessage.kind == "broadcast",
                       OutboxMessage.status == "failed")
                .order_by(OutboxMessage.id.desc()).limit(limit))).all()
        return [{"channel": r.channel, "recipient": "•••" + r.address[-3:], "error": r.last_error,
                 "attempts": r.attempts} for r in rows]

    async def page(self, *, limit: int, offset: int) -> list[Announcement]:
        """Announcements in any state, newest first."""
        async with self._sessions() as s:
            return list(await s.scalars(select(Announcement).order_by(Announcement.id.desc())
                                        .offset(offset).limit(limit)))

    async def count(self) -> int:
        async with self._sessions() as s:
            return int(await s.scalar(select(func.count()).select_from(Announcement)) or 0)

    async def outcomes(self, announcement_ids: list[int]) -> dict[int, dict[str, int]]:
        """{announcement id: {outbox status: rows}} of the broadcast rows of these announcements."""
        out: dict[int, dict[str, int]] = {i: {} for i in announcement_ids}
        if not announcement_ids:
            return out
        async with self._sessions() as s:
            rows = await s.execute(
                select(OutboxMessage.announcement_id, OutboxMessage.status, func.count())
                .where(OutboxMessage.announcement_id.in_(announcement_ids), OutboxMessage.kind == "broadcast")
                .group_by(OutboxMessage.announcement_id, OutboxMessage.status))
            for announcement_id, status, n in rows:
                out[announcement_id][status] = int(n)
        return out

    async def cancel_pending(self, announcement_id: int) -> int:
        async with self._sessions() as s, s.begin():
            res = await s.execute(update(OutboxMessage).where(OutboxMessage.announcement_id == announcement_id,
                                                              OutboxMessage.status == "pending")
                                  .values(status="cancelled"))
            return res.rowcount

    async def latest(self, *, limit: int) -> list[Announcement]:
        """Announcements that went out, newest first (the archive, the feed, "pengumuman")."""
        async with self._sessions() as s:
            return list(await s.scalars(select(Announcement).where(Announcement.state.in_(("sending", "sent")))
                                        .order_by(Announcement.sent_at.desc(), Announcement.id.desc()).limit(limit)))

    async def canaries_due(self, now: datetime) -> list[Announcement]:
        async with self._sessions() as s:
            return list(await s.scalars(select(Announcement).where(
                Announcement.state == "sending", Announcement.canary_size > 0, Announcement.canary_checked.is_(False),
                Announcement.canary_until <= now)))

    async def canary_outcome(self, announcement: Announcement) -> tuple[int, int]:
        """(rows handled, of which failed or whose contact stopped subscribing since it was sent)."""
        handled = and_(OutboxMessage.announcement_id == announcement.id, OutboxMessage.kind == "broadcast",
                       OutboxMessage.status != "pending", OutboxMessage.status != "cancelled")
        async with self._sessions() as s:
            done = int(await s.scalar(select(func.count()).select_from(OutboxMessage).where(handled)) or 0)
            bad = int(await s.scalar(
                select(func.count()).select_from(OutboxMessage).join(Contact, Contact.id == OutboxMessage.contact_id)
                .where(handled, or_(OutboxMessage.status == "failed",
                                    and_(OutboxMessage.status == "sent", Contact.subscribed.is_(False))))) or 0)
        return done, bad

    async def due(self, now: datetime) -> list[Announcement]:
        async with self._sessions() as s:
            return list(await s.scalars(select(Announcement).where(Announcement.state == "scheduled",
                                                                   Announcement.send_at <= now)))

    async def finish_sent(self) -> int:
        """Announcements whose every row has left the outbox become `sent`."""
        pending = select(OutboxMessage.id).where(OutboxMessage.announcement_id == Announcement.id,
                                                 OutboxMessage.status == "pending").exists()
        async with self._sessions() as s, s.begin():
            res = await s.execute(update(Announcement).where(Announcement.state == "sending", ~pending)
                                  .values(state="sent"))
            return res.rowcount

    async def still_subscribed(self, contact_ids: list[int]) -> dict[int, datetime | None]:
        """Of these contacts, those still subscribed, with their last inbound time (WhatsApp's window)."""
        async with self._sessions() as s:
            rows = await s.execute(select(Contact.id, Contact.last_inbound_at).where(
                Contact.id.in_(contact_ids), Contact.subscribed.is_(True), Contact.blocked.is_(False)))
            return dict(rows.all())
