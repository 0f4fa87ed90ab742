"""The durable cache of WhatsApp content templates: content hash -> Content SID, shared by every
process through the database. A hash is claimed (a row without a SID) before the template is
created, so two processes that need the same template at once create it once: the other waits a
moment for the SID, or sends this one message as text."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage.models import WhatsAppContent, utcnow

__all__ = ["ContentTemplates"]

STALE_CLAIM = timedelta(minutes=2)  # a claim older than this was left by a process that died


class ContentTemplates:
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def sid(self, content_hash: str) -> str | None:
        async with self._sessions() as s:
            return await s.scalar(select(WhatsAppContent.sid).where(WhatsAppContent.content_hash == content_hash))

    async def claim(self, content_hash: str) -> bool:
        """True when this process is now the one to create the template (no row, or a stale claim)."""
        async with self._sessions() as s, s.begin():
            await s.execute(delete(WhatsAppContent).where(
                WhatsAppContent.content_hash == content_hash, WhatsAppContent.sid.is_(None),
                WhatsAppContent.claimed_at < utcnow() - STALE_CLAIM))
        try:
            async with self._sessions() as s, s.begin():
                s.add(WhatsAppContent(content_hash=content_hash, sid=None, claimed_at=utcnow()))
        except IntegrityError:
            return False
        return True

    async def created(self, content_hash: str, sid: str) -> None:
        async with self._sessions() as s, s.begin():
            await s.execute(update(WhatsAppContent).where(WhatsAppContent.content_hash == content_hash)
                            .values(sid=sid))

    async def release(self, content_hash: str) -> None:
        """Creating failed: let a later message try again."""
        async with self._sessions() as s, s.begin():
            await s.execute(delete(WhatsAppContent).where(WhatsAppContent.content_hash == content_hash,
                                                          WhatsAppContent.sid.is_(None)))
