"""Staff accounts (admin only): the list, a new account, and on each account's page: disable or
enable, a new password, another area, sign out everywhere (each of these ends the account's
earlier sessions). Every change is a CSRF-checked form and goes through
StaffService, which validates and audits it; problems are explained in Bahasa Indonesia."""
from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from bot.admin.csrf import posted_by
from bot.admin.session import AdminSession, require_roles
from bot.admin.web import AdminRoute, render
from bot.api.deps import RowId
from services.staff import (
    ALL_AREA_ROLES,
    MAX_PASSWORD_LENGTH,
    MIN_PASSWORD_LENGTH,
    PROFILE_MAX,
    ROLES,
    StaffAccount,
    StaffError,
    StaffService,
)

__all__ = ["router"]

router = APIRouter(prefix="/admin/staf", route_class=AdminRoute, include_in_schema=False)
Admin = Annotated[AdminSession, Depends(require_roles("admin"))]
AdminForm = Annotated[AdminSession, Depends(posted_by("admin"))]
FormText = Annotated[str, Form()]

_DONE = {"dibuat": "Akun staf sudah dibuat.", "aktif": "Akun sudah diaktifkan kembali.",
         "nonaktif": "Akun sudah dinonaktifkan; sesinya langsung berakhir.",
         "sandi": "Kata sandi baru sudah disimpan dan semua sesi lama akun ini berakhir. Sampaikan langsung "
                  "kepada pemilik akun, jangan lewat pesan.",
         "wilayah": "Wilayah akun sudah diubah. Pemilik akun perlu masuk lagi.",
         "keluar": "Semua sesi akun ini sudah diakhiri. Pemilik akun perlu masuk lagi di setiap perangkat.",
         "chat": "Chat akun ini sudah diputuskan.",
         "profil": "Nama dan jabatan sudah disimpan; riwayat menampilkannya mulai sekarang."}
_PROBLEMS = {
    "username": "Nama pengguna harus 3–64 karakter: huruf kecil a–z, angka, titik, garis bawah atau tanda hubung, "
                "dengan sedikitnya satu huruf.",
    "role": "Pilih peran dari daftar.",
    "password": f"Kata sandi harus sedikitnya {MIN_PASSWORD_LENGTH} karakter (paling banyak {MAX_PASSWORD_LENGTH}).",
    "password_is_username": "Kata sandi tidak boleh sama dengan nama pengguna.",
    "password_weak": "Kata sandi ini terlalu mudah ditebak (kata umum, pola seperti 1234 atau aaaa, atau nama "
                     "pengguna dengan angka). Pakai gabungan beberapa kata yang tidak berhubungan, atau tambahkan "
                     "angka dan simbol.",
    "taken": "Nama pengguna ini sudah dipakai. Pilih nama lain.",
    "not_found": "Akun staf ini tidak ada.",
    "profile": f"Nama dan jabatan masing-masing paling banyak {PROFILE_MAX} karakter, tanpa karakter khusus.",
}
_AREA_PROBLEMS = {"camat": "Peran camat memerlukan satu kecamatan: pilih dari daftar.",
                  "kades": "Peran kepala desa memerlukan satu desa atau kelurahan: pilih dari daftar."}


def _service(request: Request) -> StaffService:
    return request.app.state.runtime.staff


def _problem(exc: StaffError, role: str) -> str:
    """The reason a change was refused, in the words of the admin pages."""
    if exc.code == "area":
        return _AREA_PROBLEMS.get(role, "Peran ini mencakup seluruh OKI; tidak perlu memilih wilayah.")
    return _PROBLEMS.get(exc.code, "Perubahan ini tidak dapat disimpan. Periksa isian, lalu coba lagi.")


def _area_for(role: str, kecamatan: str, desa: str) -> tuple[str | None, str | None]:
    """The area fields that apply to a role (a kades's desa carries its kecamatan); the others are
    ignored, so a field left filled in after changing the role does no harm."""
    if role in ALL_AREA_ROLES:
        return None, None
    if role == "camat":
        return kecamatan.strip() or None, None
    return None, desa.strip() or None


def _places(request: Request) -> dict[str, Any]:
    """The kecamatan, and the desa/kelurahan grouped by kecamatan, for the area choices."""
    wilayah = request.app.state.runtime.wilayah
    kecamatan = sorted(wilayah.kecamatan, key=lambda p: p.name)
    villages = {k.code: sorted((v for v in wilayah.villages if v.parent_code == k.code), key=lambda p: p.name)
                for k in kecamatan}
    return {"kecamatan_list": kecamatan, "villages": villages, "roles": ROLES,
            "min_password": MIN_PASSWORD_LENGTH, "profile_max": PROFILE_MAX}


async def _account(request: Request, staff_id: int) -> StaffAccount | None:
    return next((a for a in await _service(request).accounts() if a.id == staff_id), None)


def _done(path: str, what: str) -> RedirectResponse:
    return RedirectResponse(f"{path}?ok={what}", status_code=303)


# --- the list and a new account ---
@router.get("")
async def accounts(request: Request, session: Admin, ok: str = "") -> HTMLResponse:
    """Every staff account with its role, area and state."""
    return render(request, "staff_list.html", {"accounts": await _service(request).accounts(),
                                               "done": _DONE.get(ok)})


def _new_form(request: Request, *, error: str | None = None, values: dict[str, str] | None = None,
              status_code: int = 200) -> HTMLResponse:
    return render(request, "staff_new.html", {**_places(request), "error": error, "values": values or {}},
                  status_code=status_code)


@router.get("/baru")
async def new_account_form(request: Request, session: Admin) -> HTMLResponse:
    return _new_form(request)


@router.post("/baru")
async def new_account(request: Request, session: AdminForm, username: FormText = "", role: FormText = "",
                      password: FormText = "", kecamatan: FormText = "", desa: FormText = "",
                      nama: FormText = "", jabatan: FormText = "") -> Response:
    """Create an account; on a problem show the form again, filled in (but the password)."""
    area_kecamatan, area_desa = _area_for(role, kecamatan, desa)
    try:
        made = await _service(request).create(username=username, role=role, password=password,
                                              kecamatan=area_kecamatan, desa=area_desa, actor=session.staff.actor,
                                              display_name=nama, position=jabatan)
    except StaffError as exc:
        values = {"username": username, "role": role, "kecamatan": kecamatan, "desa": desa, "nama": nama,
                  "jabatan": jabatan}
        return _new_form(request, error=_problem(exc, role), values=values, status_code=400)
    return _done(f"/admin/staf/{made.id}", "dibuat")


# --- one account ---
async def _detail(request: Request, staff_id: int, *, error: str | None = None, done: str | None = None,
                  status_code: int = 200) -> HTMLResponse:
    account = await _account(request, staff_id)
    if account is None:
        return render(request, "message.html", {"title": "Akun tidak ditemukan", "text": _PROBLEMS["not_found"]},
                      status_code=404)
    chat = await request.app.state.runtime.staff_links.chat_of(staff_id=staff_id)
    return render(request, "staff_detail.html", {**_places(request), "account": account, "error": error,
                                                 "done": done, "chat": chat}, status_code=status_code)


@router.get("/{staff_id}")
async def account_page(request: Request, staff_id: RowId, session: Admin, ok: str = "") -> HTMLResponse:
    return await _detail(request, staff_id, done=_DONE.get(ok))


@router.post("/{staff_id}/status")
async def set_status(request: Request, staff_id: RowId, session: AdminForm, aktif: FormText = "") -> Response:
    """Disable or enable an account (not one's own: that would lock the admin out)."""
    active = aktif == "ya"
    if staff_id == session.staff.id and not active:
        return await _detail(request, staff_id, status_code=400,
                             error="Anda tidak dapat menonaktifkan akun Anda sendiri.")
    try:
        await _service(request).set_active(staff_id=staff_id, active=active, actor=session.staff.actor)
    except StaffError as exc:
        return await _detail(request, staff_id, error=_problem(exc, ""), status_code=404)
    return _done(f"/admin/staf/{staff_id}", "aktif" if active else "nonaktif")


@router.post("/{staff_id}/sandi")
async def reset_password(request: Request, staff_id: RowId, session: AdminForm, password: FormText = "",
                         password2: FormText = "") -> Response:
    """Give an account a new password (typed twice); its earlier sessions end."""
    if password != password2:
        return await _detail(request, staff_id, status_code=400,
                             error="Kedua kata sandi tidak sama. Ketik ulang keduanya.")
    try:
        await _service(request).reset_password(staff_id=staff_id, password=password, actor=session.staff.actor)
    except StaffError as exc:
        return await _detail(request, staff_id, error=_problem(exc, ""), status_code=400)
    return _done(f"/admin/staf/{staff_id}", "sandi")


@router.post("/{staff_id}/wilayah")
async def set_area(request: Request, staff_id: RowId, session: AdminForm, kecamatan: FormText = "",
                   desa: FormText = "") -> Response:
    """Move a camat to another kecamatan or a kades to another desa."""
    account = await _account(request, staff_id)
    role = account.role if account else ""
    area_kecamatan, area_desa = _area_for(role, kecamatan, desa)
    try:
        await _service(request).set_area(staff_id=staff_id, kecamatan=area_kecamatan, desa=area_desa,
                                         actor=session.staff.actor)
    except StaffError as exc:
        return await _detail(request, staff_id, error=_problem(exc, role), status_code=400)
    return _done(f"/admin/staf/{staff_id}", "wilayah")


@router.post("/{staff_id}/profil")
async def set_profile(request: Request, staff_id: RowId, session: AdminForm, nama: FormText = "",
                      jabatan: FormText = "") -> Response:
    """The name and position (jabatan) histories show instead of the username; empty clears them."""
    try:
        await _service(request).set_profile(staff_id=staff_id, display_name=nama, position=jabatan,
                                            actor=session.staff.actor)
    except StaffError as exc:
        return await _detail(request, staff_id, error=_problem(exc, ""),
                             status_code=404 if exc.code == "not_found" else 400)
    return _done(f"/admin/staf/{staff_id}", "profil")


@router.post("/{staff_id}/keluar")
async def sign_out_everywhere(request: Request, staff_id: RowId, session: AdminForm) -> Response:
    """End every session and token of an account (a lost phone, a shared computer); audited."""
    try:
        await _service(request).sign_out_everywhere(staff_id=staff_id, actor=session.staff.actor)
    except StaffError as exc:
        return await _detail(request, staff_id, error=_problem(exc, ""), status_code=404)
    return _done(f"/admin/staf/{staff_id}", "keluar")


@router.post("/{staff_id}/chat")
async def unlink_chat(request: Request, staff_id: RowId, session: AdminForm) -> Response:
    """Let go of an account's linked chat (a lost phone, a staff member who left)."""
    await request.app.state.runtime.staff_links.unlink(staff_id=staff_id, actor=session.staff.actor)
    return _done(f"/admin/staf/{staff_id}", "chat")
