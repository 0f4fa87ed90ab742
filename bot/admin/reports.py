"""The santunan queue for staff (admin, dinsos, camat, kades): the list with filters, one report with
its documents, history and the moves allowed, and the export (filing on a citizen's behalf is in
bot/admin/report_filing.py).

Everything goes through the same Santunan service calls, rules and audit entries as the staff API
(bot/api/reports.py): a camat sees one kecamatan and a kades one desa; a report outside the area
is "not found", as one that does not exist; a move the workflow does not allow (or that someone
else made first) is explained."""
from __future__ import annotations

from datetime import date
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from bot.admin import office
from bot.admin.csrf import posted_by
from bot.admin.labels import CHANNEL_NAMES, STATUS_NAMES
from bot.admin.session import AdminSession, Forbidden, require_roles
from bot.admin.web import AdminRoute, render
from bot.api.reports import export_response
from bot.documents import document_response
from bot.staff_documents import KINDS
from services.guardrails import MissingField, MoveDetails
from services.office_search import SEARCH_HINT
from services.santunan import STATUSES, WIB, NotAllowed, WrongMove
from services.staff import StaffInfo
from storage.reports import ReportFilter, StaleStatus

__all__ = ["Reviewer", "ReviewerForm", "choices", "router"]

_ROLES = ("admin", "dinsos", "camat", "kades")
router = APIRouter(prefix="/admin/laporan", route_class=AdminRoute, include_in_schema=False)
Reviewer = Annotated[AdminSession, Depends(require_roles(*_ROLES))]
ReviewerForm = Annotated[AdminSession, Depends(posted_by(*_ROLES))]
FormText = Annotated[str, Form()]

PAGE_SIZE = 25
NOTE_MAX = 1000  # as TransitionIn.note in the staff API
NOTE_REQUIRED = ("perlu_perbaikan", "ditolak")
ACTIONS = {"diverifikasi_desa": "Verifikasi (desa)", "diverifikasi_kecamatan": "Verifikasi (kecamatan)",
           "disetujui": "Setujui", "dicairkan": "Tandai sudah dicairkan", "perlu_perbaikan": "Minta perbaikan",
           "ditolak": "Tolak laporan"}
DOCUMENT_NAMES = {"sktm": "SKTM", "akta_kematian": "Akta/surat keterangan kematian", "kk": "Kartu Keluarga",
                  "ktp_almarhum": "KTP almarhum", "ktp_ahli_waris": "KTP ahli waris", "lain": "Dokumen lain"}
_YES, _NO = ("1", "ya", "true", "on"), ("0", "tidak", "false")


def _rt(request: Request) -> Any:
    return request.app.state.runtime


# --- filters (the list and the export) ---
def _parse_date(text: str, label: str, errors: list[str]) -> date | None:
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        errors.append(f"Tanggal «{label}» tidak dapat dibaca; gunakan pemilih tanggal (tahun-bulan-hari).")
        return None


def _area(request: Request, staff: StaffInfo, kecamatan: str, desa: str,
          errors: list[str]) -> tuple[str | None, str | None]:
    """Kecamatan and desa codes from the filter (codes or names); Forbidden outside the area."""
    wilayah = _rt(request).wilayah
    kec = wilayah.match_kecamatan(kecamatan).place if kecamatan else None
    village = wilayah.get(desa) if desa else None
    if village is None and desa and kec is not None:
        village = wilayah.match_desa(kec.code, desa).place
    if (kecamatan and kec is None) or (desa and (village is None or village.level == "kecamatan")):
        errors.append("Kecamatan atau desa yang dipilih tidak dikenal, jadi tidak dipakai sebagai saringan.")
        return None, None
    if kec is not None and village is not None and village.parent_code != kec.code:
        errors.append(f"Desa {village.name} tidak berada di Kecamatan {kec.name}; pilih salah satu saja.")
        return kec.code, None
    kec_code, desa_code = (kec.code if kec else None), (village.code if village else None)
    if (kec_code or desa_code) and not staff.can_see(kecamatan_code=kec_code, desa_code=desa_code) \
            and not staff.sees_all:
        raise Forbidden("Wilayah yang dipilih di luar wilayah Anda.")
    return kec_code, desa_code


def _filters(request: Request, staff: StaffInfo) -> tuple[ReportFilter, dict[str, str], list[str]]:
    """The filter from the query string (the API's names), the values kept for the links and the
    form, and what could not be used."""
    q, errors = request.query_params, []
    raw = {name: q.get(name, "").strip() for name in ("status", "kecamatan", "desa", "since", "until", "jkm",
                                                      "overdue", "q")}
    status = raw["status"] if raw["status"] in STATUSES else None
    if raw["status"] and status is None:
        errors.append("Status yang dipilih tidak dikenal, jadi tidak dipakai sebagai saringan.")
    kec, desa = _area(request, staff, raw["kecamatan"], raw["desa"], errors)
    since, until = _parse_date(raw["since"], "sejak", errors), _parse_date(raw["until"], "sampai", errors)
    jkm = True if raw["jkm"].lower() in _YES else False if raw["jkm"].lower() in _NO else None
    overdue = raw["overdue"].lower() in _YES
    kept = {"status": status or "", "kecamatan": kec or "", "desa": desa or "",
            "since": since.isoformat() if since else "", "until": until.isoformat() if until else "",
            "jkm": "" if jkm is None else ("ya" if jkm else "tidak"), "overdue": "1" if overdue else "",
            "q": raw["q"][:80]}
    rt = _rt(request)
    f = ReportFilter(kecamatan=kec, desa=desa, status=status, since=since, until=until, jkm=jkm,
                     overdue_at=rt.santunan.now() if overdue else None,
                     text=rt.santunan.text_query(raw["q"], rt.wilayah))
    return f, {k: v for k, v in kept.items() if v}, errors


def choices(request: Request, staff: StaffInfo) -> dict[str, Any]:
    """The kecamatan (for staff who see all of OKI) and the desa within the staff member's area,
    grouped by kecamatan, for the selects."""
    wilayah = _rt(request).wilayah
    kecamatan = sorted(wilayah.kecamatan, key=lambda p: p.name)
    villages = sorted(wilayah.villages, key=lambda p: p.name)
    groups = [(k, [v for v in villages if v.parent_code == k.code
                   and staff.can_see(kecamatan_code=k.code, desa_code=v.code)]) for k in kecamatan]
    return {"kecamatan_list": kecamatan if staff.sees_all else [], "desa_groups": [g for g in groups if g[1]],
            "statuses": STATUSES}


# --- the queue ---
def _day(d: date) -> str:
    return d.strftime("%d-%m-%Y")


def _place_name(request: Request) -> Any:
    """A function giving a kecamatan's or desa's name from its code."""
    wilayah = _rt(request).wilayah

    def name(code: str) -> str:
        place = wilayah.get(code)
        return place.name if place else code

    return name


@router.get("")
async def queue(request: Request, session: Reviewer, page: str = "1") -> HTMLResponse:
    """The reports in the staff member's area, most urgent first, PAGE_SIZE to a page."""
    rt, staff = _rt(request), session.staff
    f, kept, errors = _filters(request, staff)
    number = max(1, min(int(page), 100_000)) if page.isdigit() else 1
    rows, total = await rt.santunan.search(staff, f, page=number, size=PAGE_SIZE)
    await rt.audit.record(actor=staff.actor, action="report.list", detail={"rows": len(rows), "page": number})
    now = rt.santunan.now()
    pages = max(1, -(-total // PAGE_SIZE))
    link = {n: f"/admin/laporan?{urlencode({**kept, 'page': n})}" for n in (number - 1, number + 1)}
    return render(request, "report_list.html", {
        **choices(request, staff), "rows": [(r, rt.santunan.overdue(r, now=now)) for r in rows], "total": total,
        "page": number, "pages": pages, "prev": link[number - 1] if number > 1 else None,
        "next": link[number + 1] if number < pages else None, "filters": kept, "errors": errors,
        "query": urlencode(kept), "place": _place_name(request), "day": _day, "search_hint": SEARCH_HINT})


@router.get("/ekspor.{fmt}")
async def export(request: Request, session: Reviewer, fmt: str) -> Response:
    """The list with the current filters as CSV or XLSX: the staff API's columns and audit entry."""
    if fmt not in ("csv", "xlsx"):
        return render(request, "message.html", {"title": "Tidak dapat dibuka", "text": "Halaman ini tidak ada."},
                      status_code=404)
    rt, staff = _rt(request), session.staff
    f, _, errors = _filters(request, staff)
    if errors:
        return render(request, "message.html", {"title": "Saringan tidak valid", "text": " ".join(errors)},
                      status_code=400)
    rows, _ = await rt.santunan.search(staff, f, page=1, size=100_000)
    return await export_response(rt, staff, rows, fmt)


# --- one report ---
async def _visible(request: Request, staff: StaffInfo, reference: str) -> Any:
    """The report, if it exists and is in the staff member's area, else None: a report of another
    area is "not found" as one that does not exist, so a reference's existence is not told (as the API)."""
    report = await _rt(request).santunan.get(reference.strip().upper())
    if report is not None and not staff.can_see(kecamatan_code=report.kecamatan_code, desa_code=report.desa_code):
        return None
    return report


def _not_found(request: Request) -> HTMLResponse:
    return render(request, "message.html", {"title": "Laporan tidak ditemukan",
                                            "text": "Tidak ada laporan dengan nomor itu."}, status_code=404)


async def _who(request: Request) -> Any:
    """A function naming the actor of a history entry: the staff member's name and position (else
    the username), the reporter, the system."""
    names = await _rt(request).staff.labels()

    def who(actor: str) -> str:
        if actor.startswith("contact:"):
            return "Pelapor (lewat chat)"
        return "Sistem" if actor == "system" else names.get(actor, actor)

    return who


_DONE = {"dibuat": "Laporan {reference} sudah dicatat.", "dokumen": "Dokumen sudah dilampirkan pada laporan ini.",
         "periksa": "Daftar periksa dokumen sudah diperbarui."}


def _done(report: Any, what: str, channel: str | None) -> str | None:
    """What the staff member just did; for a move, only what is true of the notice: it is queued
    on the reporter's channel (its delivery shows under «Pemberitahuan ke pelapor»), or nobody can be told."""
    if what in _DONE:
        return _DONE[what].format(reference=report.reference)
    if what not in STATUS_NAMES:
        return None
    told = (f" Pemberitahuan untuk pelapor masuk antrean {CHANNEL_NAMES.get(channel, channel)}; lihat keadaannya "
            "di «Pemberitahuan ke pelapor»." if channel else
            " Pelapor tidak dapat dikabari otomatis: hubungi ahli waris lewat telepon atau WhatsApp.")
    return f"Status laporan sekarang «{STATUS_NAMES[what]}».{told}"


async def _detail(request: Request, staff: StaffInfo, report: Any, *, done: str | None = None,
                  error: str | None = None, status_code: int = 200) -> HTMLResponse:
    rt = _rt(request)
    documents = await rt.santunan.documents(report)
    await rt.audit.record(actor=staff.actor, action="report.view", target=f"report:{report.reference}")
    moves = rt.santunan.allowed_moves(report, staff)
    checklist = await rt.santunan.guard.checklist(report)
    return render(request, "report_detail.html", {
        "report": report, "overdue": rt.santunan.overdue(report), "history": await rt.santunan.history(report),
        "documents": [(d, d.key.rsplit("/", 1)[1]) for d in documents], "checklist": checklist,
        "check_names": office.CHECK_NAMES, "kinds": KINDS, "confirmed": office.CONFIRMED,
        "desil_max": rt.santunan.rules.desil_max,
        "today": rt.santunan.now().astimezone(WIB).date().isoformat(), **await office.reporter_reach(rt, report),
        "missing": [k for k, state in checklist.items() if state == "belum_ada"],
        "unreadable": [k for k, state in checklist.items() if state == "tidak_terbaca"],
        "document_names": DOCUMENT_NAMES,
        "moves": [(to, ACTIONS.get(to) if to != report.returns_to or report.status != "perlu_perbaikan"
                   else f"Kembalikan ke «{STATUS_NAMES.get(to, to)}»") for to in moves],
        "note_required": NOTE_REQUIRED, "note_max": NOTE_MAX, "who": await _who(request), "done": done,
        "error": error}, status_code=status_code)


@router.get("/{reference}")
async def report_page(request: Request, reference: str, session: Reviewer, ok: str = "",
                      gagal: str = "") -> HTMLResponse:
    report = await _visible(request, session.staff, reference)
    if report is None:
        return _not_found(request)
    channel = (await office.reporter_reach(_rt(request), report))["channel"]
    return await _detail(request, session.staff, report, done=_done(report, ok, channel),
                         error=office.upload_problem(request, gagal) if gagal else None)


@router.post("/{reference}/pindah")
async def move(request: Request, reference: str, session: ReviewerForm, ke: FormText = "",
               catatan: FormText = "", pesan: FormText = "") -> Response:
    """Apply one move via the service (history, reporter's notice and audit in one go): `pesan` is
    sent to the family, `catatan` stays internal."""
    staff = session.staff
    report = await _visible(request, staff, reference)
    if report is None:
        return _not_found(request)
    note, message = catatan.strip() or None, pesan.strip() or None
    if any(text is not None and len(text) > NOTE_MAX for text in (note, message)):
        return await _detail(request, staff, report, status_code=400,
                             error=f"Pesan atau catatan terlalu panjang: paling banyak {NOTE_MAX} karakter.")
    details = office.details_from_form(ke, await request.form())
    if isinstance(details, str) and ke not in _rt(request).santunan.allowed_moves(report, staff):
        details = MoveDetails()  # the service says why this move cannot be made at all
    try:
        if isinstance(details, str):
            raise MissingField(details, "")
        await _rt(request).santunan.transition(reference=report.reference, to=ke, note=note, staff=staff,
                                               message_to_family=message, details=details)
    except MissingField as exc:  # nothing changed: the form again, with what is missing
        problem = office.MISSING_TEXT[office.missing_key(exc)].format(action=ACTIONS.get(ke, ke).lower())
        return await _detail(request, staff, report, status_code=400, error=problem)
    except NotAllowed:
        raise Forbidden("Peran atau wilayah Anda tidak boleh memindahkan laporan ini ke tahap itu.") from None
    except (WrongMove, StaleStatus, LookupError):
        current = await _visible(request, staff, reference) or report
        return await _detail(request, staff, current, status_code=409, error=(
            f"Laporan ini sekarang berstatus «{STATUS_NAMES.get(current.status, current.status)}», jadi tidak dapat "
            f"dipindah ke «{STATUS_NAMES.get(ke, ke)}». Mungkin sudah diproses orang lain; lihat riwayat di bawah."))
    except ValueError:
        return await _detail(request, staff, report, status_code=400, error=(
            f"Tuliskan alasannya untuk «{STATUS_NAMES.get(ke, ke)}»: apa yang kurang atau mengapa ditolak, di "
            "«Pesan untuk keluarga» (dikirim) atau «Catatan internal» (tidak dikirim)."))
    return RedirectResponse(f"/admin/laporan/{report.reference}?ok={ke}", status_code=303)


@router.get("/{reference}/dokumen/{name}")
async def document(request: Request, reference: str, name: str, session: Reviewer) -> Response:
    """A document of a report in the staff member's area, as the staff API's document route."""
    rt = _rt(request)
    report = await _visible(request, session.staff, reference)
    found = next((d for d in await rt.santunan.documents(report) if d.key.rsplit("/", 1)[1] == name),
                 None) if report is not None else None
    if found is None:
        return render(request, "message.html", {"title": "Dokumen tidak ditemukan",
                                                "text": "Dokumen ini tidak ada pada laporan itu."}, status_code=404)
    await rt.audit.record(actor=session.staff.actor, action="report.document_view",
                          target=f"report:{report.reference}", detail={"kind": found.kind})
    # images stay inline for the report page's <img> and its link; a PDF is a download
    return document_response(rt.attachments.path(found.key), media_type=found.content_type,
                             filename=f"{report.reference}-{found.kind}.{name.rsplit('.', 1)[-1]}",
                             inline=found.content_type.startswith("image/"))
