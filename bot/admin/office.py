"""The office's work on one report, beside the queue (bot/admin/reports.py): a document seen on
paper uploaded by staff, the verifier's checklist state of each required document, the guardrail
fields of a move (desil, transfer, override reason, the confirmation) read from its form, and
"Tugas saya", the reports waiting for a move this account can make now, overdue first."""
from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from bot.admin.csrf import posted_by
from bot.admin.session import AdminSession, require_roles
from bot.admin.web import AdminRoute, render
from bot.staff_documents import PROBLEMS, attach
from services.guardrails import CHECK_STATES, DOCUMENTS, MissingField, MoveDetails
from services.tasks import my_tasks

__all__ = ["CHECK_NAMES", "CONFIRMED", "MISSING_TEXT", "details_from_form", "missing_key", "reporter_reach",
           "router", "upload_problem"]

_ROLES = ("admin", "dinsos", "camat", "kades")
router = APIRouter(prefix="/admin/laporan", route_class=AdminRoute, include_in_schema=False)
Reviewer = Annotated[AdminSession, Depends(require_roles(*_ROLES))]
ReviewerForm = Annotated[AdminSession, Depends(posted_by(*_ROLES))]
CHECK_NAMES = {"ada": "Ada", "tidak_terbaca": "Tidak terbaca", "diperiksa_langsung": "Diperiksa langsung di kantor",
               "belum_ada": "Belum ada"}
MISSING_TEXT = {
    "override_reason": "Dokumen belum lengkap (atau desil di atas batas aturan). Tuliskan alasan pengecualian di "
                       "«Alasan pengecualian», misalnya «KK dan KTP diperiksa langsung di kantor desa».",
    "desil": "Isi desil DTSEN (1–10) sebelum menyetujui.",
    "transfer": "Isi tanggal transfer dan nomor SP2D atau referensi bank sebelum menandai sudah dicairkan.",
    "transfer_date": "Tanggal transfer tidak boleh di masa depan.",
    "confirm": "Centang konfirmasi sebelum {action}: keputusan ini menyangkut uang negara.",
}
CONFIRMED = ("disetujui", "dicairkan")  # moves of public money: a ticked confirmation, also without JavaScript


def details_from_form(to: str, form: Any) -> MoveDetails | str:
    """The guardrail fields of a move's form, or the MISSING_TEXT key of what is wrong."""
    text = {k: str(form.get(k, "")).strip() for k in ("desil", "tanggal_transfer", "referensi_transfer", "alasan")}
    if to in CONFIRMED and form.get("yakin") != "ya":
        return "confirm"
    desil = int(text["desil"]) if text["desil"].isdigit() and len(text["desil"]) < 3 else None
    if to == "disetujui" and (desil is None or not 1 <= desil <= 10):
        return "desil"
    try:
        transfer = date.fromisoformat(text["tanggal_transfer"]) if text["tanggal_transfer"] else None
    except ValueError:
        return "transfer"
    return MoveDetails(desil=desil, transfer_date=transfer, transfer_reference=text["referensi_transfer"][:60] or None,
                       override_reason=text["alasan"][:1000] or None)


async def reporter_reach(rt: Any, report: Any) -> dict[str, Any]:
    """How the reporter hears of this report: their channel and each notice's delivery state, and
    tap-to-call and wa.me links to the heir (for when no notice can reach them)."""
    contact, notices = await rt.santunan.notices(report)
    channel = contact.channel if contact is not None and not contact.blocked else None
    phone = (report.heir_phone or "").lstrip("+")
    return {"channel": channel, "notices": notices, "reachable": channel is not None,
            "tel": f"tel:+{phone}" if phone else None, "wa": f"https://wa.me/{phone}" if phone else None}


def missing_key(exc: MissingField) -> str:
    return "transfer" if exc.field.startswith("transfer") and exc.field != "transfer_date" else exc.field


async def _visible(request: Request, session: AdminSession, reference: str) -> Any:
    report = await request.app.state.runtime.santunan.get(reference.strip().upper())
    if report is None or not session.staff.can_see(kecamatan_code=report.kecamatan_code, desa_code=report.desa_code):
        return None
    return report


def _not_found(request: Request) -> HTMLResponse:
    return render(request, "message.html", {"title": "Laporan tidak ditemukan",
                                            "text": "Tidak ada laporan dengan nomor itu."}, status_code=404)


@router.get("/tugas")
async def tasks_page(request: Request, session: Reviewer) -> HTMLResponse:
    """Tugas saya: what waits for this account's move, overdue first, with days left in WIB."""
    rt = request.app.state.runtime
    tasks = await my_tasks(rt.santunan, session.staff, limit=200)
    await rt.audit.record(actor=session.staff.actor, action="report.list", detail={"rows": len(tasks), "tugas": True})
    return render(request, "tasks.html", {"tasks": tasks})


@router.post("/{reference}/unggah")
async def upload(request: Request, reference: str, session: ReviewerForm, jenis: Annotated[str, Form()] = "",
                 berkas: Annotated[UploadFile | None, File()] = None) -> Response:
    """A document the staff member saw on paper, photographed or scanned (bot/staff_documents.py)."""
    rt = request.app.state.runtime
    report = await _visible(request, session, reference)
    if report is None:
        return _not_found(request)
    data = await berkas.read(rt.settings.attachment_max_bytes + 1) if berkas is not None else b""
    problem = await attach(rt, session.staff, report, kind=jenis, data=data)
    if problem is not None:
        return RedirectResponse(f"/admin/laporan/{report.reference}?gagal={problem}#dokumen", status_code=303)
    return RedirectResponse(f"/admin/laporan/{report.reference}?ok=dokumen#dokumen", status_code=303)


def upload_problem(request: Request, key: str) -> str | None:
    mb = request.app.state.runtime.settings.attachment_max_bytes // (1024 * 1024)
    return PROBLEMS[key].format(mb=mb) if key in PROBLEMS else None


@router.post("/{reference}/periksa")
async def check(request: Request, reference: str, session: ReviewerForm, jenis: Annotated[str, Form()] = "",
                keadaan: Annotated[str, Form()] = "") -> Response:
    """The verifier's word on one required document: ada, tidak terbaca, diperiksa langsung, belum ada."""
    rt = request.app.state.runtime
    report = await _visible(request, session, reference)
    if report is None:
        return _not_found(request)
    if jenis not in DOCUMENTS or keadaan not in CHECK_STATES:
        return RedirectResponse(f"/admin/laporan/{report.reference}?gagal=kind#dokumen", status_code=303)
    await rt.santunan.guard.set_check(report=report, kind=jenis, state=keadaan, actor=session.staff.actor)
    await rt.audit.record(actor=session.staff.actor, action="report.check", target=f"report:{report.reference}",
                          detail={"kind": jenis, "state": keadaan})
    return RedirectResponse(f"/admin/laporan/{report.reference}?ok=periksa#dokumen", status_code=303)
