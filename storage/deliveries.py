"""Messages we sent on channels that report delivery (WhatsApp), and their status callbacks.

Twilio calls back three times for every message (sent, delivered, read), so on PostgreSQL the
callbacks that arrive within a few milliseconds of each other are applied in one statement (group
commit): each callback's request still waits until its own update is committed."""
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


@dataclass
class _Callback:
    provider_id: str
    rank: int
    status: str
    error_code: str | None
    done: asyncio.Future[bool] = field(repr=False)


class Deliveries:
    def __init__(self, sessions: async_sessionmaker[AsyncSession], *, batch_window: float = BATCH_WINDOW) -> None:
        self._sessions = sessions
        self._one = OneStatement(sessions)
        self._window = batch_window
        self._waiting: list[_Callback] = []
        self._applier: asyncio.Task[None] | None = None

    async def record(self, *, channel: str, contact_id: int | None, provider_id: str | None, status: str,
                     reason: str | None = None, at: datetime | None = None) -> None:
        at = at or utcnow()
        await self._one.rowcount(_RECORD, {
            "channel": channel, "contact_id": contact_id, "provider_id": provider_id, "status": status,
            "status_rank": RANK.get(status, 0), "reason": reason, "created_at": at, "updated_at": at})

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
