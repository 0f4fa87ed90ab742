"""Aggregate queries behind the staff dashboard: reports counted by status and by kecamatan
(optionally within one kecamatan or desa), overdue reports, audit entries of one action counted
per time window, subscribers by channel and the newest announcements in any state. Read-only;
what the numbers mean and who may see them is decided in services/dashboard.py."""
from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import and_, case, func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage.models import Announcement, AuditEntry, Contact, Report

__all__ = ["DashboardQueries"]


def _area(kecamatan: str | None, desa: str | None) -> list[Any]:
    where: list[Any] = []
    if kecamatan is not None:
        where.append(Report.kecamatan_code == kecamatan)
    if desa is not None:
        where.append(Report.desa_code == desa)
    return where


class DashboardQueries:
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def reports_by_status(self, *, kecamatan: str | None, desa: str | None) -> dict[str, int]:
        """{status: number of reports}, within the area when one is given."""
        return await self._grouped(Report.status, kecamatan=kecamatan, desa=desa)

    async def reports_by_kecamatan(self, *, kecamatan: str | None, desa: str | None) -> dict[str, int]:
        """{kecamatan code: number of reports}, within the area when one is given."""
        return await self._grouped(Report.kecamatan_code, kecamatan=kecamatan, desa=desa)

    async def _grouped(self, column: Any, *, kecamatan: str | None, desa: str | None) -> dict[str, int]:
        async with self._sessions() as s:
            rows = await s.execute(select(column, func.count()).where(*_area(kecamatan, desa)).group_by(column))
            return {key: int(count) for key, count in rows.all()}

    async def overdue_reports(self, *, kecamatan: str | None, desa: str | None, now: datetime) -> int:
        """Reports whose current stage's deadline passed before `now`."""
        async with self._sessions() as s:
            return int(await s.scalar(select(func.count()).select_from(Report)
                                      .where(Report.stage_due < now, *_area(kecamatan, desa))) or 0)

    async def audit_counts(self, *, action: str, bounds: Sequence[datetime]) -> list[int]:
        """How many audit entries of `action` fall in each window [bounds[i], bounds[i + 1]), in one
        scan of the `at` index. `bounds` are UTC times in ascending order; the answer has one number
        fewer than `bounds`."""
        if len(bounds) < 2:
            return []
        windows = [func.sum(case((and_(AuditEntry.at >= start, AuditEntry.at < end), 1), else_=0))
                   for start, end in zip(bounds, bounds[1:], strict=False)]
        async with self._sessions() as s:
            row = (await s.execute(select(*windows).where(AuditEntry.action == action, AuditEntry.at >= bounds[0],
                                                          AuditEntry.at < bounds[-1]))).one()
            return [int(n or 0) for n in row]

    async def subscribers_by_channel(self) -> dict[str, int]:
        """{channel: number of contacts subscribed to announcements}."""
        async with self._sessions() as s:
            rows = await s.execute(select(Contact.channel, func.count()).where(Contact.subscribed.is_(True))
                                   .group_by(Contact.channel))
            return {channel: int(count) for channel, count in rows.all()}

    async def newest_announcements(self, *, limit: int) -> list[Announcement]:
        """Announcements in any state (draft, scheduled, sending, sent, paused, cancelled), newest first."""
        async with self._sessions() as s:
            return list(await s.scalars(select(Announcement)
                                        .order_by(Announcement.created_at.desc(), Announcement.id.desc())
                                        .limit(limit)))
