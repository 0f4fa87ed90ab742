"""Messages we sent on channels that report delivery (WhatsApp), and their status callbacks."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import bindparam, insert, update
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


class Deliveries:
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions
        self._one = OneStatement(sessions)

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
        return await self._one.rowcount(_ADVANCE, {"sid": provider_id, "rank": rank, "new_status": status,
                                                   "code": error_code, "at": utcnow()}) == 1

    async def get(self, provider_id: str) -> SentMessage | None:
        from sqlalchemy import select

        async with self._sessions() as s:
            return (await s.scalars(select(SentMessage).where(SentMessage.provider_id == provider_id))).first()
