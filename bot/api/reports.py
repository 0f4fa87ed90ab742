"""Staff API for santunan reports (CONTRACT.md): file on a citizen's behalf, list, read, move along
the workflow, documents for entitled staff only, export. Area-scoped throughout; audited."""
from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, HTTPException, Path, Query, Request, UploadFile, status
from fastapi.responses import FileResponse, Response
from pydantic import BaseModel, Field

from bot.api.deps import NO_NUL, SignedInFirst, require_roles
from bot.api.problems import CONFLICT, NOT_FOUND, SIGNED_IN
from bot.documents import document_response
from bot.staff_documents import PROBLEMS, attach
from conversations.parsing import parse_kk, parse_phone
from services.guardrails import MissingField, MoveDetails
from services.nik import check_nik
from services.santunan import STATUSES, Draft, Duplicate, LateReport, NotAllowed, WrongMove
from services.sheets import csv_text, xlsx_bytes
from services.staff import StaffInfo
from storage.files import ALLOWED_TYPES
from storage.reports import ReportFilter

__all__ = ["router"]

router = APIRouter(prefix="/reports", tags=["reports"], responses=SIGNED_IN, route_class=SignedInFirst)
Reviewer = Annotated[StaffInfo, Depends(require_roles("admin", "dinsos", "camat", "kades"))]
_XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
Reference = Annotated[str, Path(pattern=NO_NUL)]


class ReportIn(BaseModel):
    deceased_nik: str = Field(max_length=40)
    deceased_name: str = Field(min_length=2, max_length=120, pattern=NO_NUL)
    date_of_death: date
    kecamatan: str = Field(max_length=60)
    desa: str = Field(max_length=60)
    kk_number: str = Field(max_length=40)
    reporter_name: str = Field(min_length=2, max_length=120, pattern=NO_NUL)
    reporter_relationship: str = Field(min_length=2, max_length=60, pattern=NO_NUL)
    heir_name: str = Field(min_length=2, max_length=120, pattern=NO_NUL)
    heir_phone: str | None = Field(default=None, max_length=30)
    bank_name: str | None = Field(default=None, max_length=60, pattern=NO_NUL)
    bank_account: str | None = Field(default=None, max_length=30, pattern=NO_NUL)
    bank_holder: str | None = Field(default=None, max_length=120, pattern=NO_NUL)


class TransitionIn(BaseModel):
    to: str = Field(max_length=32)
    # internal: kept in the history for staff, never sent to the family
    note: str | None = Field(default=None, max_length=1000, pattern=NO_NUL)
    # the only text sent to the family with the notice (for perlu_perbaikan: what they must supply)
    message_to_family: str | None = Field(default=None, max_length=1000, pattern=NO_NUL)
    # the guardrails (services/guardrails.py): the DTSEN desil for disetujui, the transfer for
    # dicairkan, and why a guardrail is overridden
    desil: int | None = Field(default=None, ge=1, le=10)
    transfer_date: date | None = None
    transfer_reference: str | None = Field(default=None, max_length=60, pattern=NO_NUL)
    override_reason: str | None = Field(default=None, max_length=1000, pattern=NO_NUL)


def _rt(request: Request) -> Any:
    return request.app.state.runtime


def _unprocessable(detail: str) -> HTTPException:
    return HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, detail=detail)


def _draft(request: Request, body: ReportIn) -> Draft:
    wilayah = _rt(request).wilayah
    nik = check_nik(body.deceased_nik)
    if nik.nik is None:
        raise _unprocessable(f"deceased_nik: tidak sah ({nik.error})")
    kec = wilayah.match_kecamatan(body.kecamatan).place
    if kec is None:
        raise _unprocessable("kecamatan: tidak dikenal di OKI")
    desa = wilayah.match_desa(kec.code, body.desa).place
    if desa is None:
        raise _unprocessable(f"desa: tidak ada di Kecamatan {kec.name}")
    kk = parse_kk(body.kk_number)
    phone = parse_phone(body.heir_phone) if body.heir_phone else None
    if kk.value is None or (phone is not None and phone.value is None):
        raise _unprocessable("kk_number harus 16 angka" if kk.value is None else "heir_phone bukan nomor HP Indonesia")
    return Draft(deceased_nik=nik.nik, deceased_name=body.deceased_name.strip(), date_of_death=body.date_of_death,
                 kecamatan_code=kec.code, desa_code=desa.code, kk_number=kk.value, reporter_name=body.reporter_name,
                 reporter_relationship=body.reporter_relationship, heir_name=body.heir_name,
                 heir_phone=phone.value if phone else None, bank_name=body.bank_name,
                 bank_account=body.bank_account, bank_holder=body.bank_holder)


def _code(place: Any) -> str | None:
    return place.code if place is not None else None


def _summary(request: Request, report: Any) -> dict[str, Any]:
    rt = _rt(request)
    return {"reference": report.reference, "status": report.status, "kecamatan": report.kecamatan_code,
            "kecamatan_nama": rt.wilayah.get(report.kecamatan_code).name, "desa": report.desa_code,
            "desa_nama": rt.wilayah.get(report.desa_code).name, "deceased_name": report.deceased_name,
            "deceased_nik": report.deceased_nik_masked, "date_of_death": report.date_of_death.isoformat(),
            "created_at": report.created_at, "stage_due": report.stage_due,
            "overdue": rt.santunan.overdue(report), "late": report.late, "jkm_covered": report.jkm_covered,
            "jkm_told": report.jkm_told, "desil": report.desil,
            "transfer_date": report.transfer_date.isoformat() if report.transfer_date else None,
            "transfer_reference": report.transfer_reference}


@router.post("", status_code=status.HTTP_201_CREATED, responses=CONFLICT)
async def file_report(request: Request, staff: Reviewer, body: ReportIn) -> dict[str, Any]:
    draft = _draft(request, body)
    if not staff.can_see(kecamatan_code=draft.kecamatan_code, desa_code=draft.desa_code):
        raise HTTPException(status.HTTP_403_FORBIDDEN, detail="Desa ini di luar wilayah Anda")
    try:
        report = await _rt(request).santunan.file(draft, filed_by=staff.actor)
    except Duplicate as dup:  # which report, and where it stands, only for staff who may see it
        found = dup.report
        visible = staff.can_see(kecamatan_code=found.kecamatan_code, desa_code=found.desa_code)
        raise HTTPException(status.HTTP_409_CONFLICT, detail={
            "message": "NIK ini sudah dilaporkan", **({"reference": found.reference, "status": found.status}
                                                       if visible else {})}) from None
    except LateReport as late:
        raise _unprocessable(f"dilaporkan {late.days} hari setelah kematian; batasnya {late.window} hari") from None
    except ValueError as exc:
        raise _unprocessable(str(exc)) from None
    return _summary(request, report)


@router.get("")
async def list_reports(request: Request, staff: Reviewer, status_: Annotated[str | None, Query(alias="status")] = None,
                       kecamatan: str | None = None, desa: str | None = None, since: date | None = None,
                       until: date | None = None, jkm: bool | None = None, overdue: bool = False,
                       q: Annotated[str | None, Query(max_length=80, pattern=NO_NUL)] = None,
                       page: Annotated[int, Query(ge=1, le=100000)] = 1,
                       size: Annotated[int, Query(ge=1, le=200)] = 50) -> dict[str, Any]:
    rt = _rt(request)
    if status_ is not None and status_ not in STATUSES:
        raise _unprocessable(f"status: salah satu dari {', '.join(STATUSES)}")
    kec = _code(rt.wilayah.match_kecamatan(kecamatan).place) if kecamatan else None
    des = _code(rt.wilayah.match_desa(kec, desa).place) if desa and kec else None
    if (kecamatan and not kec) or (desa and not des):
        raise _unprocessable("wilayah tidak dikenal")
    if (kec or des) and not staff.can_see(kecamatan_code=kec, desa_code=des) and not staff.sees_all:
        raise HTTPException(status.HTTP_403_FORBIDDEN, detail="Data ini di luar wilayah Anda")
    f = ReportFilter(kecamatan=kec, desa=des, status=status_, since=since, until=until, jkm=jkm,
                     overdue_at=rt.santunan.now() if overdue else None, text=rt.santunan.text_query(q, rt.wilayah))
    rows, total = await rt.santunan.search(staff, f, page=page, size=size)
    await rt.audit.record(actor=staff.actor, action="report.list", detail={"rows": len(rows), "page": page})
    return {"items": [_summary(request, r) for r in rows], "total": total, "page": page, "size": size}


async def _visible(request: Request, staff: StaffInfo, reference: str) -> Any:
    report = await _rt(request).santunan.get(reference.upper())
    if report is None or not staff.can_see(kecamatan_code=report.kecamatan_code, desa_code=report.desa_code):
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail="laporan tidak ditemukan")
    return report


@router.get("/export.{fmt}", response_class=Response, responses={
    200: {"content": {"text/csv": {}, _XLSX: {}}, "description": "the reports, NIK masked"}, **NOT_FOUND})
async def export(request: Request, staff: Reviewer, fmt: str,
                 status_: Annotated[str | None, Query(alias="status", pattern=NO_NUL)] = None) -> Response:
    if fmt not in ("csv", "xlsx"):
        raise HTTPException(status.HTTP_404_NOT_FOUND)
    rt = _rt(request)
    rows, _ = await rt.santunan.search(staff, ReportFilter(status=status_), page=1, size=100_000)
    return await export_response(rt, staff, rows, fmt)


EXPORT_HEADER = ["reference", "status", "kecamatan", "desa", "almarhum", "nik", "tanggal_meninggal", "pelapor",
                 "hubungan", "ahli_waris", "hp_ahli_waris", "bank", "rekening", "atas_nama", "terlambat", "jkm",
                 "lewat_tenggat", "dibuat"]


async def export_response(rt: Any, staff: StaffInfo, rows: list, fmt: str) -> Response:
    """Reports as a CSV or XLSX download (NIK masked), audited; the staff API and the admin pages
    export through this one function."""
    table = [[r.reference, r.status, rt.wilayah.get(r.kecamatan_code).name, rt.wilayah.get(r.desa_code).name,
              r.deceased_name, r.deceased_nik_masked, r.date_of_death.isoformat(), r.reporter_name,
              r.reporter_relationship, r.heir_name, r.heir_phone or "", r.bank_name or "", r.bank_account or "",
              r.bank_holder or "", "ya" if r.late else "", "ya" if r.jkm_covered else "",
              "ya" if rt.santunan.overdue(r) else "", r.created_at.isoformat()] for r in rows]
    await rt.audit.record(actor=staff.actor, action="report.export", detail={"format": fmt, "rows": len(rows)})
    if fmt == "csv":  # never a formula: what citizens typed is text in either format (services/sheets.py)
        data, media = csv_text([EXPORT_HEADER, *table]).encode("utf-8-sig"), "text/csv"
    else:
        data, media = xlsx_bytes([EXPORT_HEADER, *table]), _XLSX
    return Response(data, media_type=media,
                    headers={"Content-Disposition": f'attachment; filename="laporan-santunan.{fmt}"'})


@router.get("/{reference}", responses=NOT_FOUND)
async def get_report(request: Request, staff: Reviewer, reference: Reference) -> dict[str, Any]:
    rt = _rt(request)
    report = await _visible(request, staff, reference)
    history = await rt.santunan.history(report)
    documents = await rt.santunan.documents(report)
    checklist = await rt.santunan.guard.checklist(report)
    await rt.audit.record(actor=staff.actor, action="report.view", target=f"report:{report.reference}")
    return {**_summary(request, report), "deceased_nik": report.deceased_nik_masked, "kk_number": report.kk_number,
            "reporter_name": report.reporter_name, "reporter_relationship": report.reporter_relationship,
            "filed_by": report.filed_by, "heir_name": report.heir_name, "heir_phone": report.heir_phone,
            "bank_name": report.bank_name, "bank_account": report.bank_account, "bank_holder": report.bank_holder,
            "needs": report.needs, "rejection_reason": report.rejection_reason, "returns_to": report.returns_to,
            "history": [{"status": e.to_status, "from": e.from_status, "at": e.at, "by": e.actor, "note": e.note,
                         "message_to_family": e.family_message, "override_reason": e.override_reason}
                        for e in history],
            "checklist": checklist,
            "documents": [{"kind": d.kind, "content_type": d.content_type, "size": d.size, "uploaded_at": d.uploaded_at,
                           "url": f"/api/v1/reports/{report.reference}/documents/{d.key.rsplit('/', 1)[1]}"}
                          for d in documents],
            "allowed_transitions": rt.santunan.allowed_moves(report, staff)}


@router.post("/{reference}/transitions", responses={**NOT_FOUND, **CONFLICT})
async def move(request: Request, staff: Reviewer, reference: Reference, body: TransitionIn) -> dict[str, Any]:
    details = MoveDetails(desil=body.desil, transfer_date=body.transfer_date,
                          transfer_reference=body.transfer_reference, override_reason=body.override_reason)
    try:
        report = await _rt(request).santunan.transition(reference=reference.upper(), to=body.to, note=body.note,
                                                        message_to_family=body.message_to_family, staff=staff,
                                                        details=details)
    except MissingField as exc:
        raise _unprocessable(f"{exc.field}: {exc.problem}") from None
    except LookupError:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail="laporan tidak ditemukan") from None
    except NotAllowed:
        raise HTTPException(status.HTTP_403_FORBIDDEN, detail="Peran atau wilayah Anda tidak boleh melakukan ini") \
            from None
    except WrongMove as exc:
        raise HTTPException(status.HTTP_409_CONFLICT, detail=f"alur tidak mengizinkan {exc}") from None
    except ValueError:
        raise _unprocessable("message_to_family atau note: alasan wajib diisi untuk ditolak atau perlu_perbaikan") \
            from None
    return {"reference": report.reference, "status": report.status}


@router.post("/{reference}/documents", status_code=status.HTTP_201_CREATED, responses=NOT_FOUND)
async def add_document(request: Request, staff: Reviewer, reference: Reference,
                       kind: Annotated[str, Form(max_length=32)] = "",
                       file: Annotated[UploadFile | None, File()] = None) -> dict[str, Any]:
    """A document staff saw on paper, attached to a report of their area (bot/staff_documents.py);
    another area's report is 404 before anything sent is looked at."""
    rt = _rt(request)
    report = await _visible(request, staff, reference)
    data = await file.read(rt.settings.attachment_max_bytes + 1) if file is not None else b""
    problem = await attach(rt, staff, report, kind=kind, data=data)
    if problem is not None:
        raise _unprocessable(("kind: " if problem == "kind" else "file: ") + PROBLEMS[problem].format(
            mb=rt.settings.attachment_max_bytes // (1024 * 1024)))
    return {"reference": report.reference, "kind": kind, "documents": len(await rt.santunan.documents(report))}


@router.get("/{reference}/documents/{name}", response_class=FileResponse, responses={
    200: {"content": {kind: {} for kind in ALLOWED_TYPES}, "description": "the document"}, **NOT_FOUND})
async def document(request: Request, staff: Reviewer, reference: Reference, name: str) -> FileResponse:
    rt = _rt(request)
    report = await _visible(request, staff, reference)
    found = next((d for d in await rt.santunan.documents(report) if d.key.rsplit("/", 1)[1] == name), None)
    if found is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND)
    await rt.audit.record(actor=staff.actor, action="report.document_view", target=f"report:{report.reference}",
                          detail={"kind": found.kind})
    return document_response(rt.attachments.path(found.key), media_type=found.content_type,
                             filename=f"{report.reference}-{found.kind}.{name.rsplit('.', 1)[-1]}")
