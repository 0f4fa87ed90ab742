"""Tugas saya: the reports waiting for a move this staff account can make now (a kades verifies for
the desa, a camat for the kecamatan, Dinas Sosial approves and pays), overdue first, each with its
deadline and the days left on the regency's (WIB) calendar."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from services.santunan import NEXT, WIB, Santunan
from services.staff import StaffInfo
from storage.models import Report
from storage.reports import ReportFilter

__all__ = ["WAITING_FOR", "Task", "days_left", "my_tasks"]

WAITING_FOR = {"kades": ("diajukan",), "camat": ("diverifikasi_desa",),
               "dinsos": ("diverifikasi_kecamatan", "disetujui"), "admin": ("diverifikasi_kecamatan", "disetujui")}


@dataclass(frozen=True, slots=True)
class Task:
    report: Report
    move: str  # the status this account would move it to
    due: datetime | None
    days_left: int | None  # negative: overdue by that many days

    @property
    def overdue(self) -> bool:
        return self.days_left is not None and self.days_left < 0


def days_left(due: datetime | None, now: datetime) -> int | None:
    """Calendar days (WIB) from today to the deadline's day; negative once past it."""
    if due is None:
        return None
    if due < now:
        return min(-1, (due.astimezone(WIB).date() - now.astimezone(WIB).date()).days)
    return (due.astimezone(WIB).date() - now.astimezone(WIB).date()).days


async def my_tasks(santunan: Santunan, staff: StaffInfo, *, limit: int = 50) -> list[Task]:
    """What waits for `staff` now, most urgent first (the list's order: the stage deadline)."""
    statuses = WAITING_FOR.get(staff.role, ())
    if not statuses:
        return []
    rows, _ = await santunan.search(staff, ReportFilter(statuses=statuses), page=1, size=limit)
    now = santunan.now()
    return [Task(report=r, move=NEXT[r.status], due=r.stage_due, days_left=days_left(r.stage_due, now))
            for r in rows if NEXT[r.status] in santunan.allowed_moves(r, staff)]
