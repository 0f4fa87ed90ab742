"""Audit log repository: append an entry, read the newest. The table is append-only (database
triggers refuse UPDATE and DELETE), so there is nothing else to do with it."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage.db import OneStatement
from storage.models import AuditEntry

__all__ = ["AuditFilter", "AuditLog", "AuditRow"]

_APPEND = insert(AuditEntry)  # prebuilt: every lookup and filing appends one (see OneStatement)


@dataclass(frozen=True, slots=True)
class AuditRow:
    id: int
    at: datetime
    actor: str
    action: str
    target: str | None
    detail: str | None  # JSON text


@dataclass(frozen=True, slots=True)
class AuditFilter:
    """The audit page's filters: an exact actor and target, an action or its prefix ("report."),
    and a time range [since, until)."""

    actor: str | None = None
    action: str | None = None
    target: str | None = None
    since: datetime | None = None
    until: datetime | None = None


def _row(e: AuditEntry) -> AuditRow:
    at = e.at.replace(tzinfo=UTC) if e.at.tzinfo is None else e.at  # SQLite hands back naive UTC
    return AuditRow(id=e.id, at=at, actor=e.actor, action=e.action, target=e.target, detail=e.detail)


class AuditLog:
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions
        self._one = OneStatement(sessions)

    async def append(self, *, at: datetime, actor: str, action: str, target: str | None, detail: str | None) -> None:
        await self._one.rowcount(_APPEND, {"at": at, "actor": actor, "action": action, "target": target,
                                           "detail": detail})

    async def newest(self, *, limit: int) -> list[AuditRow]:
        async with self._sessions() as s:
            rows = await s.scalars(select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit))
            return [_row(e) for e in rows]

    async def find(self, f: AuditFilter, *, limit: int, offset: int = 0) -> list[AuditRow]:
        """The entries matching `f`, newest first."""
        where = [column == value for column, value in ((AuditEntry.actor, f.actor), (AuditEntry.target, f.target))
                 if value]
        if f.action:
            where.append(AuditEntry.action.startswith(f.action, autoescape=True) if f.action.endswith(".")
                         else AuditEntry.action == f.action)
        if f.since:
            where.append(AuditEntry.at >= f.since)
        if f.until:
            where.append(AuditEntry.at < f.until)
        async with self._sessions() as s:
            rows = await s.scalars(select(AuditEntry).where(*where).order_by(AuditEntry.id.desc())
                                   .offset(offset).limit(limit))
            return [_row(e) for e in rows]
