"""What a Kepala Dinas decides on, for the viewer's area: rupiah paid and committed, reports per
month (WIB), median days spent in each stage, and overdue reports by stage and by area (zero rows
left out)."""
from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime
from statistics import median
from typing import Any

from services.santunan import WIB
from storage.db import make_sessionmaker
from storage.office_queries import OfficeQueries

__all__ = ["STAGES", "OfficeFigures", "office_figures"]

STAGES = ("diajukan", "diverifikasi_desa", "diverifikasi_kecamatan", "disetujui")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "Mei", "Jun", "Jul", "Agu", "Sep", "Okt", "Nov", "Des")


@dataclass(frozen=True, slots=True)
class OfficeFigures:
    paid_count: int
    paid_rupiah: int
    committed_count: int
    committed_rupiah: int
    per_month: list[tuple[str, int]]  # the last six months, oldest first
    stage_days: list[tuple[str, float | None, int]]  # stage, median days, moves counted
    overdue: list[tuple[str, str, str, int]]  # stage, area code, area name, count; most first


def _aware(at: datetime) -> datetime:
    return at.replace(tzinfo=UTC) if at.tzinfo is None else at


def _months(created: list[datetime], now: datetime) -> list[tuple[str, int]]:
    local = now.astimezone(WIB)
    months = [local.year * 12 + local.month - 1 - back for back in range(5, -1, -1)]
    keys = [(m // 12, m % 12) for m in months]
    counts = Counter((c.astimezone(WIB).year, c.astimezone(WIB).month - 1) for c in created)
    return [(f"{_MONTHS[m]} {y}", counts.get((y, m), 0)) for y, m in keys]


def _stage_days(moves: list[tuple[int, str, datetime]]) -> list[tuple[str, float | None, int]]:
    spent: dict[str, list[float]] = defaultdict(list)
    for (rid, status, at), (next_rid, _, next_at) in zip(moves, moves[1:], strict=False):
        if rid == next_rid and status in STAGES:
            spent[status].append((_aware(next_at) - _aware(at)).total_seconds() / 86400)
    return [(s, round(median(spent[s]), 1) if spent[s] else None, len(spent[s])) for s in STAGES]


async def office_figures(rt: Any, staff: Any) -> OfficeFigures | None:
    """None for roles that see no reports (humas)."""
    if staff.role not in ("admin", "dinsos", "camat", "kades"):
        return None
    kec, desa = staff.area_filter()
    queries = OfficeQueries(make_sessionmaker(rt.db))
    rows = await queries.reports(kecamatan=kec, desa=desa)
    now, amount = rt.santunan.now(), rt.santunan.rules.amount
    by_status = Counter(r[1] for r in rows)
    overdue: Counter[tuple[str, str]] = Counter()
    for _id, status, kecamatan, village, _created, due in rows:
        if due is not None and _aware(due) < now:
            overdue[(status, village if kec else kecamatan)] += 1
    name = rt.wilayah.get
    return OfficeFigures(
        paid_count=by_status["dicairkan"], paid_rupiah=by_status["dicairkan"] * amount,
        committed_count=by_status["disetujui"], committed_rupiah=by_status["disetujui"] * amount,
        per_month=_months([_aware(r[4]) for r in rows], now),
        stage_days=_stage_days(await queries.moves(kecamatan=kec, desa=desa)),
        overdue=[(s, code, name(code).name if name(code) else code, n) for (s, code), n in overdue.most_common()])
