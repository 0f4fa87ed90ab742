"""The helpdesk's figures for the staff dashboard and the inbox's counter, kept to the staff member's
area as the inbox itself (services/helpdesk.py `Helpdesk.search`): all of OKI for admin, dinsos and
humas, one kecamatan for a camat, one desa for a kades.

Open and waiting count the tickets open now; first-reply and resolution times (median, p90) and
satisfaction cover the tickets opened in the last `days` days. Times are wall-clock, office hours
not subtracted (a ticket opened on Friday evening and answered on Monday morning waited that long)."""
from __future__ import annotations

import statistics
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from services.staff import StaffInfo
from services.wilayah import Wilayah
from storage.helpdesk import TicketFilter, Tickets
from storage.models import utcnow

__all__ = ["Figures", "HelpdeskFigures", "Row", "scoped"]


def scoped(staff: StaffInfo, f: TicketFilter) -> TicketFilter:
    """`f` kept to the staff member's area, as `Helpdesk.search` keeps it."""
    if staff.sees_all:
        return f
    kec, desa = staff.area_filter()
    return TicketFilter(status=f.status, assignee_id=f.assignee_id, unassigned=f.unassigned, topic=f.topic,
                        kecamatan=f.kecamatan, desa=f.desa, area_kecamatan=kec, area_desa=desa, area_only=True)


@dataclass(frozen=True, slots=True)
class Row:
    """One line of figures: for everything, a kecamatan or a staff member."""

    name: str
    open: int
    waiting: int  # open, the citizen waiting for an answer
    unanswered: int  # open, no staff reply at all yet
    first_reply_median: timedelta | None
    first_reply_p90: timedelta | None
    resolution_median: timedelta | None
    rated: int
    satisfaction: float | None  # the average answer, 1-5


@dataclass(frozen=True, slots=True)
class Figures:
    days: int
    total: Row
    by_kecamatan: tuple[Row, ...]
    by_staff: tuple[Row, ...]


def _quantile(values: Sequence[float], q: float) -> float | None:
    if not values:
        return None
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[round(q * 100) - 1]


def _seconds(value: float | None) -> timedelta | None:
    return None if value is None else timedelta(seconds=round(value))


def _row(name: str, rows: Iterable[Any], since: datetime) -> Row:
    rows = list(rows)
    recent = [r for r in rows if r.opened_at >= since]
    first = sorted((r.first_reply_at - r.opened_at).total_seconds() for r in recent if r.first_reply_at)
    done = sorted((r.closed_at - r.opened_at).total_seconds() for r in recent if r.closed_at)
    scores = [r.satisfaction for r in recent if r.satisfaction]
    still = [r for r in rows if r.status == "open"]
    return Row(name=name, open=len(still), waiting=sum(1 for r in still if r.waiting_since is not None),
               unanswered=sum(1 for r in still if r.first_reply_at is None),
               first_reply_median=_seconds(_quantile(first, 0.5)), first_reply_p90=_seconds(_quantile(first, 0.9)),
               resolution_median=_seconds(_quantile(done, 0.5)), rated=len(scores),
               satisfaction=round(sum(scores) / len(scores), 1) if scores else None)


class HelpdeskFigures:
    def __init__(self, *, tickets: Tickets, wilayah: Wilayah, clock: Callable[[], datetime] = utcnow,
                 days: int = 30) -> None:
        self._tickets, self._wilayah, self._clock, self._days = tickets, wilayah, clock, days

    async def waiting(self, staff: StaffInfo) -> int:
        """Open tickets of the staff member's area whose citizen waits for an answer (one count)."""
        return await self._tickets.count(scoped(staff, TicketFilter(status="open")), waiting=True)

    async def figures(self, staff: StaffInfo) -> Figures:
        since = self._clock() - timedelta(days=self._days)
        rows = await self._tickets.figures(scoped(staff, TicketFilter()), since=since)
        kecamatan: dict[str, list[Any]] = {}
        people: dict[str, list[Any]] = {}
        for r in rows:
            kecamatan.setdefault(r.kecamatan_code or "", []).append(r)
            people.setdefault(r.username or "", []).append(r)
        by_kecamatan = sorted((_row(self._name(code), group, since) for code, group in kecamatan.items()),
                              key=lambda row: (-row.open, row.name))
        by_staff = sorted((_row(name or "(belum ditugaskan)", group, since) for name, group in people.items()),
                          key=lambda row: (not row.name.startswith("("), row.name))
        return Figures(days=self._days, total=_row("Jumlah", rows, since), by_kecamatan=tuple(by_kecamatan),
                       by_staff=tuple(by_staff))

    def _name(self, code: str) -> str:
        if not code:
            return "(tanpa wilayah)"
        place = self._wilayah.get(code)
        return place.name if place else code
