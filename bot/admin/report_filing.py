"""Filing a death report on a citizen's behalf (the staff page «Lapor atas nama warga»), for the
staff who may read reports: the same checks, Draft and Santunan.file call as the staff API's
POST /reports, with every problem shown on the form again, filled in.

The place is chosen kecamatan first, then desa (staff UX review friction 23): for staff who see
more than one kecamatan, a kecamatan select narrows the desa select to that kecamatan. admin.js
does it in the page; without script, «Tampilkan desa» posts the form back (nothing is filed) and
the page returns with only that kecamatan's desa, the other answers kept."""
from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from bot.admin.reports import Reviewer, ReviewerForm, choices
from bot.admin.web import AdminRoute, render
from bot.api.reports import ReportIn
from conversations.parsing import parse_kk, parse_phone
from services.nik import check_nik
from services.santunan import WIB, Draft, Duplicate, LateReport
from services.staff import StaffInfo

__all__ = ["router"]

router = APIRouter(prefix="/admin/laporan", route_class=AdminRoute, include_in_schema=False)


def _rt(request: Request) -> Any:
    return request.app.state.runtime


_REQUIRED = ("deceased_nik", "deceased_name", "date_of_death", "desa", "kk_number", "reporter_name",
             "reporter_relationship", "heir_name")
_OPTIONAL = ("heir_phone", "bank_name", "bank_account", "bank_holder")
_NIK_PROBLEMS = {"letters": "NIK hanya berisi angka.", "short": "NIK ini baru {digits} angka; NIK selalu 16 angka.",
                 "long": "NIK ini {digits} angka; NIK selalu 16 angka.",
                 "date": "Angka ke-7 sampai ke-12 NIK (tanggal lahir) tidak mungkin. Periksa lagi.",
                 "region": "Kode provinsi dan kabupaten di awal NIK tidak dikenal. Periksa lagi."}


def _field_problem(error: dict[str, Any]) -> str:
    kind, ctx = error["type"], error.get("ctx") or {}
    if kind == "string_too_short":
        return f"Isi sedikitnya {ctx.get('min_length', 2)} huruf."
    if kind == "string_too_long":
        return f"Terlalu panjang: paling banyak {ctx.get('max_length')} karakter."
    if kind.startswith("date"):
        return "Tanggal tidak dapat dibaca; gunakan pemilih tanggal."
    return "Isian ini tidak dapat dibaca."


def _check(request: Request, values: dict[str, str]) -> tuple[Draft | None, dict[str, str]]:
    """The Draft the API's POST /reports would file from these values, or every problem by field."""
    errors = {name: "Wajib diisi." for name in _REQUIRED if not values[name]}
    village = _rt(request).wilayah.get(values["desa"]) if values["desa"] else None
    if values["desa"] and (village is None or village.level == "kecamatan"):
        errors["desa"] = "Pilih desa atau kelurahan dari daftar."
    nik, kk = check_nik(values["deceased_nik"]), parse_kk(values["kk_number"])
    phone = parse_phone(values["heir_phone"]) if values["heir_phone"] else None
    if nik.nik is None and values["deceased_nik"]:
        errors["deceased_nik"] = _NIK_PROBLEMS.get(nik.error or "", "NIK tidak sah.").format(digits=nik.digits)
    if kk.value is None and values["kk_number"]:
        errors["kk_number"] = "Nomor KK harus 16 angka."
    if phone is not None and phone.value is None:
        errors["heir_phone"] = "Bukan nomor HP Indonesia (contoh: 0812-3456-7890)."
    try:  # the API's own model: lengths and the date
        body = ReportIn(**{k: v or None for k, v in values.items()} | {
            "kecamatan": village.parent_code if village else "", "desa": values["desa"]})
    except ValidationError as exc:
        for error in exc.errors():
            errors.setdefault(str(error["loc"][0]), _field_problem(error))
    if errors or village is None or nik.nik is None or kk.value is None:
        return None, errors
    return Draft(deceased_nik=nik.nik, deceased_name=body.deceased_name.strip(), date_of_death=body.date_of_death,
                 kecamatan_code=village.parent_code, desa_code=village.code, kk_number=kk.value,
                 reporter_name=body.reporter_name, reporter_relationship=body.reporter_relationship,
                 heir_name=body.heir_name, heir_phone=phone.value if phone else None, bank_name=body.bank_name,
                 bank_account=body.bank_account, bank_holder=body.bank_holder), {}


def _places(request: Request, staff: StaffInfo, values: dict[str, str]) -> dict[str, Any]:
    """The desa choices grouped by kecamatan, narrowed to the kecamatan chosen (or that of the desa
    chosen); the kecamatan choices when there is more than one group."""
    groups = choices(request, staff)["desa_groups"]
    village = _rt(request).wilayah.get(values["desa"]) if values.get("desa") else None
    chosen = values.get("kecamatan") or (village.parent_code if village else "")
    if chosen not in {k.code for k, _ in groups}:
        chosen = ""
    values["kecamatan"] = chosen
    return {"kecamatan_choices": [k for k, _ in groups] if len(groups) > 1 else [],
            "desa_groups": [(k, v) for k, v in groups if not chosen or k.code == chosen]}


def _new_form(request: Request, staff: StaffInfo, values: dict[str, str], *, errors: dict[str, str] | None = None,
              existing: Any = None, duplicate_elsewhere: bool = False, status_code: int = 200) -> HTMLResponse:
    today = _rt(request).santunan.now().astimezone(WIB).date().isoformat()
    return render(request, "report_new.html", {**_places(request, staff, values), "values": values,
                                               "errors": errors or {}, "existing": existing,
                                               "duplicate_elsewhere": duplicate_elsewhere, "today": today},
                  status_code=status_code)


def _outside_kecamatan(request: Request, values: dict[str, str]) -> str | None:
    """The problem when the desa chosen is not in the kecamatan chosen, else None."""
    village = _rt(request).wilayah.get(values["desa"]) if values["desa"] else None
    if not values["kecamatan"] or village is None or village.parent_code == values["kecamatan"]:
        return None
    kecamatan = _rt(request).wilayah.get(values["kecamatan"])
    return f"Desa ini tidak berada di Kec. {kecamatan.name if kecamatan else values['kecamatan']}; pilih lagi."


@router.get("/baru")
async def new_report_form(request: Request, session: Reviewer) -> HTMLResponse:
    staff = session.staff
    return _new_form(request, staff, {"desa": staff.desa_code or ""})


@router.post("/baru")
async def new_report(request: Request, session: ReviewerForm) -> Response:
    """File a report as the staff API's POST /reports does; any problem shows the form again, filled in."""
    staff, form = session.staff, await request.form()
    values = {name: str(form.get(name, "")).strip() for name in (*_REQUIRED, *_OPTIONAL, "kecamatan")}
    if form.get("pilih") == "kecamatan":  # «Tampilkan desa» without script: narrow the desa list, file nothing
        if _outside_kecamatan(request, values):
            values["desa"] = ""
        return _new_form(request, staff, values)
    if problem := _outside_kecamatan(request, values):
        return _new_form(request, staff, values, errors={"desa": problem}, status_code=400)
    draft, errors = _check(request, values)
    if draft is None:
        return _new_form(request, staff, values, errors=errors, status_code=400)
    if not staff.can_see(kecamatan_code=draft.kecamatan_code, desa_code=draft.desa_code):
        return _new_form(request, staff, values, errors={"desa": "Desa ini di luar wilayah Anda."}, status_code=403)
    try:
        report = await _rt(request).santunan.file(draft, filed_by=staff.actor)
    except Duplicate as dup:  # which report, only for staff who may see it
        if not staff.can_see(kecamatan_code=dup.report.kecamatan_code, desa_code=dup.report.desa_code):
            return _new_form(request, staff, values, duplicate_elsewhere=True, status_code=409)
        return _new_form(request, staff, values, existing=dup.report, status_code=409)
    except LateReport as late:
        problem = (f"Dilaporkan {late.days} hari setelah kematian, padahal batasnya {late.window} hari; "
                   "laporan terlambat tidak dapat diterima.")
        return _new_form(request, staff, values, errors={"date_of_death": problem}, status_code=400)
    except ValueError:
        return _new_form(request, staff, values, status_code=400,
                         errors={"date_of_death": "Tanggal meninggal tidak boleh di masa depan."})
    return RedirectResponse(f"/admin/laporan/{report.reference}?ok=dibuat", status_code=303)
