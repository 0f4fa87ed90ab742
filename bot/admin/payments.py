"""Daftar pembayaran (/admin/pembayaran): the approved reports of the staff member's area waiting for
transfer, an XLSX or CSV of them for the accountant (services/payments.py), and, for Dinas Sosial,
one form marking the ticked ones paid with their transfer date and SP2D or bank reference."""
from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from bot.admin.csrf import posted_by
from bot.admin.session import AdminSession, require_roles
from bot.admin.web import AdminRoute, render
from services.guardrails import MissingField, MoveDetails
from services.payments import HEADER, mark_paid, payment_rows
from services.santunan import WIB
from services.sheets import csv_text, xlsx_bytes

__all__ = ["router"]

router = APIRouter(prefix="/admin/pembayaran", route_class=AdminRoute, include_in_schema=False)
Viewer = Annotated[AdminSession, Depends(require_roles("admin", "dinsos", "camat", "kades"))]
Payer = Annotated[AdminSession, Depends(posted_by("admin", "dinsos"))]
_XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


async def _rows(request: Request, session: AdminSession, status: str) -> list[list[Any]]:
    rt = request.app.state.runtime
    names = await rt.staff.labels()  # the approver as "Nama (Jabatan)"

    def place(code: str) -> str:
        found = rt.wilayah.get(code)
        return found.name if found else code

    return await payment_rows(rt.santunan, session.staff, status=status, place=place,
                              who=lambda actor: names.get(actor, actor))


def _status(value: str) -> str:
    return "dicairkan" if value == "dicairkan" else "disetujui"


@router.get("")
async def payment_list(request: Request, session: Viewer, status: str = "disetujui", ok: str = "",
                       gagal: str = "") -> HTMLResponse:
    rt = request.app.state.runtime
    rows = await _rows(request, session, _status(status))
    await rt.audit.record(actor=session.staff.actor, action="payment.list", detail={"rows": len(rows)})
    return render(request, "payments.html", {
        "rows": rows, "status": _status(status), "header": HEADER, "ok": ok, "gagal": gagal,
        "total": sum(r[9] for r in rows), "may_pay": session.staff.role in ("admin", "dinsos"),
        "today": rt.santunan.now().astimezone(WIB).date().isoformat()})


@router.get("/ekspor.{fmt}")
async def payment_export(request: Request, session: Viewer, fmt: str, status: str = "disetujui") -> Response:
    if fmt not in ("csv", "xlsx"):
        return render(request, "message.html", {"title": "Tidak dapat dibuka", "text": "Halaman ini tidak ada."},
                      status_code=404)
    rows = await _rows(request, session, _status(status))
    await request.app.state.runtime.audit.record(actor=session.staff.actor, action="payment.export",
                                                 detail={"format": fmt, "rows": len(rows)})
    table = [HEADER, *rows]
    data, media = (csv_text(table).encode("utf-8-sig"), "text/csv") if fmt == "csv" else (xlsx_bytes(table), _XLSX)
    return Response(data, media_type=media,
                    headers={"Content-Disposition": f'attachment; filename="daftar-pembayaran.{fmt}"'})


@router.post("/cairkan")
async def pay(request: Request, session: Payer) -> Response:
    """Mark the ticked reports paid with one transfer date and reference."""
    form = await request.form()
    references = [str(v) for v in form.getlist("laporan")][:500]
    try:
        transfer = date.fromisoformat(str(form.get("tanggal_transfer", "")))
    except ValueError:
        transfer = None
    if not references or form.get("yakin") != "ya":
        return RedirectResponse(f"/admin/pembayaran?gagal={'pilih' if not references else 'yakin'}", status_code=303)
    details = MoveDetails(transfer_date=transfer, transfer_reference=str(form.get("referensi_transfer", ""))[:60])
    try:
        done, failed = await mark_paid(request.app.state.runtime.santunan, session.staff, references, details)
    except MissingField:
        return RedirectResponse("/admin/pembayaran?gagal=transfer", status_code=303)
    return RedirectResponse(f"/admin/pembayaran?ok={len(done)}&gagal={'sebagian' if failed else ''}", status_code=303)
