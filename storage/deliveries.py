"""Messages we sent on channels that report delivery (WhatsApp), and their status callbacks.

Twilio calls back three times for every message (sent, delivered, read), so on PostgreSQL the
callbacks that arrive within a few milliseconds of each other are applied in one statement (group
commit): each callback's request still waits until its own update is committed. The rows of the
messages we send are written the same way, without the wait: a row goes at once when no write is
in flight, and the rows that come while one is go together in the next, so a busy minute costs a
statement per batch, not per message, and a quiet one adds no delay to the turn."""
from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import bindparam, insert, text, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage.db import OneStatement
from storage.models import SentMessage, utcnow

__all__ = ["Deliveries", "RANK"]

# Twilio's statuses in the order a message moves through them. Callbacks can arrive out of order
# (read before delivered): a status never replaces one of a higher rank.
RANK = {"held": 0, "accepted": 0, "scheduled": 0, "queued": 0, "sending": 1, "sent": 2,
        "failed": 3, "undelivered": 3, "canceled": 3, "delivered": 4, "read": 5}


# Prebuilt: a row per WhatsApp message and three callbacks each make these the busiest statements
# (see storage.db.OneStatement).
_RECORD = insert(SentMessage).values(
    channel=bindparam("channel"), contact_id=bindparam("contact_id"), provider_id=bindparam("provider_id"),
    status=bindparam("status"), status_rank=bindparam("status_rank"), reason=bindparam("reason"),
    created_at=bindparam("created_at"), updated_at=bindparam("updated_at"))
_ADVANCE = (update(SentMessage)
            .where(SentMessage.provider_id == bindparam("sid"), SentMessage.status_rank < bindparam("rank"))
            .values(status=bindparam("new_status"), status_rank=bindparam("rank"), error_code=bindparam("code"),
                    updated_at=bindparam("at")))


# Every callback of a batch in one statement whatever the batch's size (one prepared statement).
_ADVANCE_MANY = text("""
UPDATE sent_messages AS s
SET status = v.status, status_rank = v.rank, error_code = v.code, updated_at = :at
FROM unnest(CAST(:sids AS text[]), CAST(:ranks AS int[]), CAST(:statuses AS text[]), CAST(:codes AS text[]))
     AS v(sid, rank, status, code)
WHERE s.provider_id = v.sid AND s.status_rank < v.rank
RETURNING s.provider_id
""").bindparams(bindparam("at", type_=SentMessage.__table__.c.updated_at.type))
BATCH_WINDOW = 0.01  # seconds a callback waits for others to share its statement

# The rows of sent messages that came together, in one statement. A provider id seen twice keeps
# its first row (Twilio never reuses one; a conflict must not fail the rows beside it).
_RECORD_MANY = text("""
INSERT INTO sent_messages (channel, contact_id, provider_id, status, status_rank, reason, created_at, updated_at)
SELECT v.channel, v.contact_id, v.provider_id, v.status, v.rank, v.reason, v.at, v.at
FROM unnest(CAST(:channels AS text[]), CAST(:contacts AS bigint[]), CAST(:sids AS text[]),
            CAST(:statuses AS text[]), CAST(:ranks AS int[]), CAST(:reasons AS text[]),
            CAST(:ats AS timestamptz[])) AS v(channel, contact_id, provider_id, status, rank, reason, at)
ON CONFLICT (provider_id) DO NOTHING
""")


@dataclass
class _Callback:
    provider_id: str
    rank: int
    status: str
    error_code: str | None
    done: asyncio.Future[bool] = field(repr=False)


@dataclass
class _Row:
    values: dict[str, object]
    done: asyncio.Future[None] = field(repr=False)


class Deliveries:
    def __init__(self, sessions: async_sessionmaker[AsyncSession], *, batch_window: float = BATCH_WINDOW) -> None:
        self._sessions = sessions
        self._one = OneStatement(sessions)
        self._window = batch_window
        self._waiting: list[_Callback] = []
        self._applier: asyncio.Task[None] | None = None
        self._rows: list[_Row] = []
        self._writer: asyncio.Task[None] | None = None
        self._written: asyncio.Future[None] | None = None  # set when the batch being written is committed

    async def record(self, *, channel: str, contact_id: int | None, provider_id: str | None, status: str,
                     reason: str | None = None, at: datetime | None = None) -> None:
        """Store a message we sent (or held); returns once its row is committed."""
        at = at or utcnow()
        values = {"channel": channel, "contact_id": contact_id, "provider_id": provider_id, "status": status,
                  "status_rank": RANK.get(status, 0), "reason": reason, "created_at": at, "updated_at": at}
        if not self._one.postgres:
            await self._one.rowcount(_RECORD, values)
            return
        row = _Row(values, asyncio.get_running_loop().create_future())
        self._rows.append(row)
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._write_rows())
        await row.done

    async def _write_rows(self) -> None:
        """Write what is waiting, batch after batch: the rows that came during a write go in the next."""
        while self._rows:
            batch, self._rows = self._rows, []
            values = [row.values for row in batch]
            self._written = written = asyncio.get_running_loop().create_future()
            try:
                await self._one.rowcount(_RECORD_MANY, {
                    "channels": [v["channel"] for v in values], "contacts": [v["contact_id"] for v in values],
                    "sids": [v["provider_id"] for v in values], "statuses": [v["status"] for v in values],
                    "ranks": [v["status_rank"] for v in values], "reasons": [v["reason"] for v in values],
                    "ats": [v["created_at"] for v in values]})
            except BaseException as exc:  # every message of the batch hears of it (a cancel too)
                for row in batch:
                    if row.done.done():
                        continue
                    if isinstance(exc, Exception):
                        row.done.set_exception(exc)
                    else:
                        row.done.cancel()
                if not isinstance(exc, Exception):  # shutting down: nobody is left waiting
                    for row in self._rows:
                        row.done.cancel()
                    self._rows = []
                    raise
                continue
            finally:
                written.set_result(None)
            for row in batch:
                if not row.done.done():
                    row.done.set_result(None)

    async def advance(self, *, provider_id: str, status: str, error_code: str | None = None) -> bool:
        """Apply a status callback. False when the message is not ours or the status is older."""
        rank = RANK.get(status)
        if rank is None:
            return False
        if not self._one.postgres:  # SQLite takes one writer at a time anyway
            return await self._one.rowcount(_ADVANCE, {"sid": provider_id, "rank": rank, "new_status": status,
                                                       "code": error_code, "at": utcnow()}) == 1
        callback = _Callback(provider_id, rank, status, error_code, asyncio.get_running_loop().create_future())
        self._waiting.append(callback)
        if self._applier is None or self._applier.done():
            self._applier = asyncio.create_task(self._apply_waiting())
        return await callback.done

    async def _apply_waiting(self) -> None:
        """Apply what is waiting, batch after batch, until nothing is. In a batch only the highest
        status of a message counts (statuses can arrive out of order): the others did not advance."""
        await asyncio.sleep(self._window)
        if self._written is not None and not self._written.done():  # a row being written goes first
            await asyncio.wait([self._written])
        while self._waiting:
            batch, self._waiting = self._waiting, []
            best: dict[str, _Callback] = {}
            for cb in batch:
                if cb.provider_id not in best or cb.rank > best[cb.provider_id].rank:
                    best[cb.provider_id] = cb
            chosen = list(best.values())
            try:
                rows = await self._one.rows(_ADVANCE_MANY, {
                    "sids": [c.provider_id for c in chosen], "ranks": [c.rank for c in chosen],
                    "statuses": [c.status for c in chosen], "codes": [c.error_code for c in chosen], "at": utcnow()})
            except Exception as exc:  # every request of the batch hears of it
                for cb in batch:
                    if not cb.done.done():
                        cb.done.set_exception(exc)
                continue
            advanced = {row[0] for row in rows}
            for cb in batch:
                if not cb.done.done():
                    cb.done.set_result(cb.provider_id in advanced and best[cb.provider_id] is cb)

    async def get(self, provider_id: str) -> SentMessage | None:
        from sqlalchemy import select

        async with self._sessions() as s:
            return (await s.scalars(select(SentMessage).where(SentMessage.provider_id == provider_id))).first()
