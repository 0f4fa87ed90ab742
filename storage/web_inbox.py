"""The web chat's inbox: what we sent a web-chat user outside a reply (status notices,
announcements), kept until the page reads it with GET /api/chat/messages.

Ids grow per contact in the order the messages were committed: `deliver` locks the contact's row
(PostgreSQL; SQLite has one writer anyway) before it inserts, so two workers writing to the same
person commit one after the other, and a page that read up to id N never finds a smaller id later."""
from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage.models import Contact, WebMessage, utcnow

__all__ = ["WEB", "WebInbox", "WebItem"]

WEB = "web"


@dataclass(frozen=True, slots=True)
class WebItem:
    id: int
    text: str
    choices: tuple[str, ...]


def _item(row: WebMessage) -> WebItem:
    return WebItem(id=row.id, text=row.text, choices=tuple(json.loads(row.choices)) if row.choices else ())


class WebInbox:
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def contact_id(self, *, user: str) -> int | None:
        """The contact of this web-chat id, or None; nothing is created."""
        async with self._sessions() as s:
            return await s.scalar(select(Contact.id).where(Contact.channel == WEB, Contact.channel_user_id == user))

    async def deliver(self, *, contact_id: int, text: str, choices: Sequence[str] = ()) -> int:
        """Keep one message for this contact; its id."""
        return (await self.deliver_many(contact_id=contact_id, messages=[(text, choices)]))[0]

    async def deliver_many(self, *, contact_id: int, messages: Sequence[tuple[str, Sequence[str]]]) -> list[int]:
        """Keep these messages for this contact, in order, in one transaction; their ids."""
        async with self._sessions() as s, s.begin():
            await s.execute(select(Contact.id).where(Contact.id == contact_id).with_for_update())
            rows = [WebMessage(contact_id=contact_id, text=text, choices=json.dumps(list(choices)) if choices else None,
                               created_at=utcnow()) for text, choices in messages]
            s.add_all(rows)
            await s.flush()
            return [row.id for row in rows]

    async def after(self, *, contact_id: int, cursor: int | None, limit: int = 50) -> list[WebItem]:
        """This contact's messages after the id `cursor` (all of them when None), oldest first."""
        stmt = select(WebMessage).where(WebMessage.contact_id == contact_id)
        if cursor is not None:
            stmt = stmt.where(WebMessage.id > cursor)
        async with self._sessions() as s:
            return [_item(row) for row in await s.scalars(stmt.order_by(WebMessage.id).limit(limit))]
