"""Read-only queries behind the Kepala Dinas dashboard (services/office_figures.py): each report of
an area with its stage and deadline, and the times of its history's moves."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage.models import Report, ReportEvent

__all__ = ["OfficeQueries", "ReportRow"]

ReportRow = tuple[int, str, str, str, datetime, datetime | None]  # id, status, kecamatan, desa, created, due


class OfficeQueries:
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def reports(self, *, kecamatan: str | None, desa: str | None) -> list[ReportRow]:
        where = [c == v for c, v in ((Report.kecamatan_code, kecamatan), (Report.desa_code, desa)) if v]
        async with self._sessions() as s:
            rows = await s.execute(select(Report.id, Report.status, Report.kecamatan_code, Report.desa_code,
                                          Report.created_at, Report.stage_due).where(*where))
            return [tuple(r) for r in rows]

    async def moves(self, *, kecamatan: str | None, desa: str | None) -> list[tuple[int, str, datetime]]:
        """(report id, status entered, when), in order, for the area's reports."""
        where = [c == v for c, v in ((Report.kecamatan_code, kecamatan), (Report.desa_code, desa)) if v]
        async with self._sessions() as s:
            rows = await s.execute(select(ReportEvent.report_id, ReportEvent.to_status, ReportEvent.at)
                                   .join(Report, Report.id == ReportEvent.report_id).where(*where)
                                   .order_by(ReportEvent.report_id, ReportEvent.at, ReportEvent.id))
            return [tuple(r) for r in rows]
