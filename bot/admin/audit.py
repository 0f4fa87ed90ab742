"""The audit page for admins (/admin/audit): who did what, when, to which record, filtered by actor
(a username), action, report reference and WIB dates, with the same rows as CSV. Viewing and
exporting the log is itself audited."""
from __future__ import annotations

import json
from datetime import date, datetime, time, timedelta
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from bot.admin.session import AdminSession, require_roles
from bot.admin.web import AdminRoute, render
from services.audit import AuditFilter
from services.references import normalise_reference
from services.santunan import WIB
from services.sheets import csv_text

__all__ = ["router"]

router = APIRouter(prefix="/admin/audit", route_class=AdminRoute, include_in_schema=False)
Admin = Annotated[AdminSession, Depends(require_roles("admin"))]
PAGE_SIZE = 100
ACTIONS = {"": "Semua tindakan", "auth.": "Masuk dan keluar", "report.": "Laporan santunan (semua)",
           "report.transition": "Laporan dipindah tahap", "report.view": "Laporan dibuka",
           "report.export": "Laporan diekspor", "report.document_add": "Dokumen diunggah staf",
           "report.check": "Daftar periksa dokumen", "registry.": "Registri", "staff.": "Akun staf",
           "announcement.": "Pengumuman", "helpdesk.": "Kotak masuk", "audit.": "Halaman audit"}
HEADER = ["waktu_wib", "pelaku", "tindakan", "sasaran", "rincian"]


def _day(text: str) -> date | None:
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None


def _start(day: date | None) -> datetime | None:
    return datetime.combine(day, time(), tzinfo=WIB) if day else None


async def _filter(request: Request) -> tuple[AuditFilter, dict[str, str], list[str], dict[str, str]]:
    """The filter, the values kept for the form and links, what could not be used, and usernames by actor."""
    q, errors = request.query_params, []
    raw = {k: q.get(k, "").strip() for k in ("pelaku", "tindakan", "laporan", "sejak", "sampai")}
    names = {f"staff:{a.id}": a.username for a in await request.app.state.runtime.staff.accounts()}
    actor = next((key for key, name in names.items() if name == raw["pelaku"]), None) if raw["pelaku"] else None
    if raw["pelaku"] and actor is None:
        errors.append(f"Tidak ada akun staf «{raw['pelaku']}».")
    action = raw["tindakan"] if raw["tindakan"] in ACTIONS else ""
    reference = normalise_reference(raw["laporan"]) if raw["laporan"] else None
    if raw["laporan"] and reference is None:
        errors.append("Nomor laporan tidak dapat dibaca (contoh: SK-7KQ4-M2H).")
    since, until = _day(raw["sejak"]), _day(raw["sampai"])
    if (raw["sejak"] and since is None) or (raw["sampai"] and until is None):
        errors.append("Tanggal tidak dapat dibaca; gunakan pemilih tanggal.")
    f = AuditFilter(actor=actor or ("staff:-" if raw["pelaku"] else None), action=action or None,
                    target=f"report:{reference}" if reference else None, since=_start(since),
                    until=_start(until + timedelta(days=1)) if until else None)
    return f, {k: v for k, v in raw.items() if v}, errors, names


def _rows(records: list[Any], names: dict[str, str]) -> list[list[str]]:
    def who(actor: str) -> str:
        return names.get(actor, {"system": "Sistem", "cli": "Baris perintah"}.get(
            actor, "Warga (chat)" if actor.startswith("contact:") else actor))

    return [[f"{r.at.astimezone(WIB):%Y-%m-%d %H.%M}", who(r.actor), r.action, r.target or "",
             json.dumps(r.detail, ensure_ascii=False, sort_keys=True) if r.detail else ""] for r in records]


@router.get("")
async def audit_page(request: Request, session: Admin, halaman: str = "1") -> HTMLResponse:
    rt = request.app.state.runtime
    f, kept, errors, names = await _filter(request)
    labels = await rt.staff.labels()  # the actor as "Nama (Jabatan)", else the username
    page = max(1, min(int(halaman), 10_000)) if halaman.isdigit() else 1
    records = await rt.audit.find(f, limit=PAGE_SIZE + 1, offset=(page - 1) * PAGE_SIZE)
    await rt.audit.record(actor=session.staff.actor, action="audit.view", detail={"page": page})
    link = {n: f"/admin/audit?{urlencode({**kept, 'halaman': n})}" for n in (page - 1, page + 1)}
    return render(request, "audit.html", {
        "rows": _rows(records[:PAGE_SIZE], labels), "filters": kept, "errors": errors, "actions": ACTIONS,
        "usernames": sorted((name, labels.get(actor, name)) for actor, name in names.items()),
        "query": urlencode(kept),
        "prev": link[page - 1] if page > 1 else None, "next": link[page + 1] if len(records) > PAGE_SIZE else None})


@router.get("/ekspor.csv")
async def audit_export(request: Request, session: Admin) -> Response:
    rt = request.app.state.runtime
    f, _, _, _ = await _filter(request)
    labels = await rt.staff.labels()
    records = await rt.audit.find(f, limit=100_000)
    await rt.audit.record(actor=session.staff.actor, action="audit.export", detail={"rows": len(records)})
    return Response(csv_text([HEADER, *_rows(records, labels)]).encode("utf-8-sig"), media_type="text/csv",
                    headers={"Content-Disposition": 'attachment; filename="audit.csv"'})
