"""What every admin page shares: the templates, `render`, and `AdminRoute`, the route class of the
admin routers, which turns the session and CSRF exceptions into pages and puts the security
headers, the renewed session and the CSRF cookie on every answer.

    router = APIRouter(prefix="/admin", route_class=AdminRoute)"""
from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from fastapi import Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.routing import APIRoute
from fastapi.templating import Jinja2Templates
from starlette.exceptions import HTTPException

from bot.admin.csrf import CsrfRejected, apply_csrf_cookie, csrf_field
from bot.admin.labels import CHANNEL_NAMES, DELIVERY_NAMES, ROLE_NAMES, STATE_NAMES, STATUS_NAMES, TASK_NAMES
from bot.admin.session import SESSION_COOKIE, Forbidden, LoginRequired, current_session, end_session, start_session
from services.santunan import WIB

__all__ = ["AdminRoute", "LOGIN_URL", "NAV", "STATIC_DIR", "SECURITY_HEADERS", "render", "templates"]

_HERE = Path(__file__).parent
STATIC_DIR = _HERE / "static"
LOGIN_URL = "/admin/login"
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
                               "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}
# (path, label, roles that see it; empty: everyone signed in)
NAV = (
    ("/admin", "Dasbor", ()),
    ("/admin/bantuan", "Kotak Masuk", ()),
    ("/admin/laporan", "Laporan Santunan", ("admin", "dinsos", "camat", "kades")),
    ("/admin/pembayaran", "Pembayaran", ("admin", "dinsos")),
    ("/admin/registri", "Registri", ("admin", "dinsos", "camat", "kades")),
    ("/admin/pengumuman", "Pengumuman", ("admin", "humas")),
    ("/admin/tanya-jawab", "Tanya Jawab", ()),
    ("/admin/staf", "Akun Staf", ("admin",)),
    ("/admin/audit", "Audit", ("admin",)),
    ("/admin/akun/tautkan", "Tautkan Chat", ()),
    ("/admin/panduan", "Panduan", ()),
)
_STATUS_TEXT = {404: "Halaman ini tidak ada.", 405: "Cara membuka halaman ini tidak didukung."}
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "Mei", "Jun", "Jul", "Agu", "Sep", "Okt", "Nov", "Des")


def _when(at: datetime | None) -> str:
    """'17 Agu 2025 14.05' in WIB, or '–'."""
    if at is None:
        return "–"
    local = at.astimezone(WIB)
    return f"{local.day} {_MONTHS[local.month - 1]} {local.year} {local:%H.%M}"


def _area_name(request: Request, kecamatan_code: str | None, desa_code: str | None) -> str:
    """'Seluruh OKI', 'Kec. Kayu Agung' or 'Desa Sukadana, Kec. Kayu Agung'."""
    wilayah = request.app.state.runtime.wilayah

    def name(code: str) -> str:
        place = wilayah.get(code)
        return place.name if place else code

    if desa_code:
        village = wilayah.get(desa_code)
        kind = "Kel." if village is not None and village.level == "kelurahan" else "Desa"
        parent = kecamatan_code or (village.parent_code if village else "")
        return f"{kind} {name(desa_code)}, Kec. {name(parent)}" if parent else f"{kind} {name(desa_code)}"
    if kecamatan_code:
        return f"Kec. {name(kecamatan_code)}"
    return "Seluruh OKI"


templates = Jinja2Templates(directory=_HERE / "templates")
templates.env.trim_blocks = templates.env.lstrip_blocks = True
templates.env.globals.update(csrf_field=csrf_field, area_name=_area_name, when=_when, ROLE_NAMES=ROLE_NAMES,
                             STATUS_NAMES=STATUS_NAMES, STATE_NAMES=STATE_NAMES, CHANNEL_NAMES=CHANNEL_NAMES,
                             TASK_NAMES=TASK_NAMES, DELIVERY_NAMES=DELIVERY_NAMES)


def _nav(request: Request) -> list[tuple[str, str, bool]]:
    session = getattr(request.state, "admin_session", None)
    if session is None:
        return []
    role, here = session.staff.role, request.url.path
    return [(path, label, here == path or (path != "/admin" and here.startswith(path + "/")))
            for path, label, roles in NAV if not roles or role in roles]


def render(request: Request, name: str, context: dict[str, Any] | None = None, *,
           status_code: int = 200) -> HTMLResponse:
    """A page from bot/admin/templates, with the signed-in staff member and the navigation."""
    session = getattr(request.state, "admin_session", None)
    full = {"session": session, "staff": session.staff if session else None, "nav": _nav(request),
            # the inbox's counter in the menu, when the page counted it (else inbox.js asks for it)
            "inbox_waiting": getattr(request.state, "inbox_waiting", None),
            # the announcements waiting for this approver, likewise (else inbox.js asks /admin/pengumuman/menunggu.json)
            "approval_waiting": getattr(request.state, "approval_waiting", None), **(context or {})}
    return templates.TemplateResponse(request, name, full, status_code=status_code)


def _message(request: Request, *, title: str, text: str, status_code: int) -> HTMLResponse:
    return render(request, "message.html", {"title": title, "text": text}, status_code=status_code)


def _to_login(request: Request) -> Response:
    response = RedirectResponse(LOGIN_URL, status_code=303)
    if SESSION_COOKIE in request.cookies:  # expired or no longer valid: drop it
        end_session(request, response)
    return response


async def _answer(request: Request, handler: Callable[[Request], Awaitable[Response]]) -> Response:
    try:
        return await handler(request)
    except LoginRequired:
        return _to_login(request)
    except Forbidden as exc:
        return _message(request, title="Akses ditolak", text=exc.message, status_code=403)
    except CsrfRejected:
        return _message(request, title="Formulir kedaluwarsa",
                        text="Formulir ini sudah tidak berlaku, jadi tidak ada yang diubah. "
                             "Muat ulang halaman, lalu coba sekali lagi.", status_code=403)
    except RequestValidationError:
        return _message(request, title="Permintaan tidak valid",
                        text="Alamat atau isian formulir tidak dapat dibaca.", status_code=400)
    except HTTPException as exc:
        text = _STATUS_TEXT.get(exc.status_code, "Terjadi kesalahan.")
        return _message(request, title="Tidak dapat dibuka", text=text, status_code=exc.status_code)


def _finish(request: Request, response: Response) -> None:
    """Renew a live session, send a new CSRF nonce, add the security headers."""
    session = getattr(request.state, "admin_session", None)
    if session is not None and not getattr(request.state, "session_set", False):
        start_session(request, response, session.staff, started=session.started, session_id=session.session_id)
    apply_csrf_cookie(request, response)
    for header, value in SECURITY_HEADERS.items():
        response.headers.setdefault(header, value)


_FORMS = ("application/x-www-form-urlencoded", "multipart/form-data")


async def _holds_nul(request: Request) -> bool:
    """A NUL character anywhere in the path, the query or a form field. PostgreSQL can neither store
    nor compare such text, so the page refuses the request whole (the staff API does the same with
    a pattern on each field; tests/fuzz/test_openapi.py)."""
    if "\x00" in request.url.path or any("\x00" in value for value in request.query_params.values()):
        return True
    if request.method == "POST" and request.headers.get("content-type", "").startswith(_FORMS):
        form = await request.form()  # kept by the request: the handler reads the same form
        return any(isinstance(value, str) and "\x00" in value for _, value in form.multi_items())
    return False


async def _signed_out_post(request: Request) -> bool:
    """A POST to anything but the login form without a valid session: answered with the login
    redirect before its body (maybe a 50 MB upload) is read. The cookie's signature and token are
    checked as every page's dependency checks them."""
    if request.method != "POST" or request.url.path == LOGIN_URL:
        return False
    try:
        await current_session(request)
    except LoginRequired:
        return True
    return False


class AdminRoute(APIRoute):
    """An APIRoute whose handler answers like a web page (redirect to the login, 403 page) and
    finishes every response with `_finish`. A signed-out POST is sent to the login unread."""

    def get_route_handler(self) -> Callable[[Request], Awaitable[Response]]:
        handler = super().get_route_handler()

        async def admin_handler(request: Request) -> Response:
            if await _signed_out_post(request):
                response = _to_login(request)
            elif await _holds_nul(request):
                response = _message(request, title="Permintaan tidak valid",
                                    text="Alamat atau isian formulir tidak dapat dibaca.", status_code=400)
            else:
                response = await _answer(request, handler)
            _finish(request, response)
            return response

        return admin_handler
