"""The staff dashboard's figures, kept to what the staff member may see.

Reports (by status, by kecamatan, overdue) are counted within the staff member's area: all of OKI
for admin and dinsos, one kecamatan for a camat, one desa for a kades; humas, who works on
announcements and may not read reports, gets no report figures. Coverage lookups per day (counted
from the audit log, where every lookup is recorded), subscribers by channel and the newest
broadcasts are regency-wide numbers with no personal data in them."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from services.announcements import Broadcasts
from services.santunan import STATUSES, WIB
from services.staff import StaffInfo
from services.wilayah import Wilayah
from storage.dashboard import DashboardQueries
from storage.models import utcnow

__all__ = ["BroadcastSummary", "Dashboard", "Overview", "REPORT_ROLES", "ReportFigures"]

REPORT_ROLES = frozenset({"admin", "dinsos", "camat", "kades"})  # as the reports API allows
LOOKUP_ACTION = "coverage.lookup"  # written by services/coverage.py for every lookup answered


@dataclass(frozen=True, slots=True)
class ReportFigures:
    by_status: tuple[tuple[str, int], ...]  # every status, in workflow order, zeros included
    by_kecamatan: tuple[tuple[str, int], ...]  # (kecamatan name, count), most reports first
    overdue: int

    @property
    def total(self) -> int:
        return sum(count for _, count in self.by_status)


@dataclass(frozen=True, slots=True)
class BroadcastSummary:
    id: int
    title: str
    state: str
    created_at: datetime
    sent_at: datetime | None
    recipients: int
    sent: int
    failed: int
    paused_reason: str | None = None  # why the system paused it (the canary), for its author to see


@dataclass(frozen=True, slots=True)
class Overview:
    reports: ReportFigures | None  # None for a role that may not see reports
    lookups_per_day: tuple[tuple[date, int], ...]  # oldest day first, local (WIB) days
    subscribers_by_channel: tuple[tuple[str, int], ...]
    broadcasts: tuple[BroadcastSummary, ...]


class Dashboard:
    def __init__(self, *, queries: DashboardQueries, broadcasts: Broadcasts, wilayah: Wilayah,
                 clock: Callable[[], datetime] = utcnow, days: int = 14, latest: int = 5) -> None:
        self._queries, self._broadcasts, self._wilayah = queries, broadcasts, wilayah
        self._clock, self._days, self._latest = clock, days, latest

    async def overview(self, staff: StaffInfo) -> Overview:
        """Everything the dashboard shows to this staff member."""
        now = self._clock()
        reports = await self._reports(staff, now) if staff.role in REPORT_ROLES else None
        subscribers = await self._queries.subscribers_by_channel()
        return Overview(reports=reports, lookups_per_day=await self._lookups(now),
                        subscribers_by_channel=tuple(sorted(subscribers.items())),
                        broadcasts=await self._newest_broadcasts())

    async def _reports(self, staff: StaffInfo, now: datetime) -> ReportFigures:
        kecamatan, desa = staff.area_filter()
        by_status = await self._queries.reports_by_status(kecamatan=kecamatan, desa=desa)
        by_kecamatan = await self._queries.reports_by_kecamatan(kecamatan=kecamatan, desa=desa)
        overdue = await self._queries.overdue_reports(kecamatan=kecamatan, desa=desa, now=now)
        return ReportFigures(by_status=tuple((s, by_status.get(s, 0)) for s in STATUSES),
                             by_kecamatan=self._per_kecamatan(by_kecamatan, only=kecamatan), overdue=overdue)

    def _per_kecamatan(self, counts: dict[str, int], *, only: str | None) -> tuple[tuple[str, int], ...]:
        """Every kecamatan of the area with its count (zeros too), named, most reports first."""
        codes = [only] if only else [p.code for p in self._wilayah.kecamatan]
        codes += [code for code in counts if code not in codes]  # a code the list does not know, kept visible
        named = [(self._name(code), counts.get(code, 0)) for code in codes]
        return tuple(sorted(named, key=lambda item: (-item[1], item[0])))

    def _name(self, code: str) -> str:
        place = self._wilayah.get(code)
        return place.name if place else code

    async def _lookups(self, now: datetime) -> tuple[tuple[date, int], ...]:
        """Coverage lookups answered on each of the last `days` local days, today included."""
        today = now.astimezone(WIB).date()
        days = [today - timedelta(days=n) for n in range(self._days - 1, -1, -1)]
        bounds = [datetime.combine(d, time(), WIB).astimezone(UTC) for d in (*days, today + timedelta(1))]
        counts = await self._queries.audit_counts(action=LOOKUP_ACTION, bounds=bounds)
        return tuple(zip(days, counts, strict=True))

    async def _newest_broadcasts(self) -> tuple[BroadcastSummary, ...]:
        rows = await self._queries.newest_announcements(limit=self._latest)
        out = []
        for row in rows:
            stats = await self._broadcasts.stats(row.id)
            out.append(BroadcastSummary(id=row.id, title=row.title, state=row.state, created_at=row.created_at,
                                        sent_at=row.sent_at, recipients=row.recipients or stats["recipients"],
                                        sent=stats["sent"], failed=stats["failed"],
                                        paused_reason=row.paused_reason if row.state == "paused" else None))
        return tuple(out)
