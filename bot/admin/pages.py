"""The admin pages every staff member uses: the login form, logging out, and the dashboard."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from bot.admin.charts import bar_chart, column_chart
from bot.admin.csrf import CsrfRejected, PostedSession, rotate_csrf, verify_csrf
from bot.admin.helpdesk import duration
from bot.admin.session import (
    CurrentSession,
    LoginRequired,
    current_session,
    end_session,
    start_session,
)
from bot.admin.web import LOGIN_URL, AdminRoute, render
from bot.staff_cli import FIRST_STAFF_COMMAND
from handlers.metrics import RATE_LIMITED
from services.dashboard import Dashboard, Overview
from services.helpdesk_figures import HelpdeskFigures
from services.office_figures import office_figures
from services.staff import LoginFailed, LoginThrottled
from services.tasks import my_tasks
from storage.dashboard import DashboardQueries
from storage.db import make_sessionmaker
from storage.helpdesk import Tickets

__all__ = ["router"]

router = APIRouter(prefix="/admin", route_class=AdminRoute, include_in_schema=False)
_DAYS = ("Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "Mei", "Jun", "Jul", "Agu", "Sep", "Okt", "Nov", "Des")


# --- login and logout ---
def _login_page(request: Request, *, error: str | None = None, notice: str | None = None, username: str = "",
                status_code: int = 200, first_start: bool = False) -> HTMLResponse:
    return render(request, "login.html", {"error": error, "notice": notice, "username": username,
                                          "first_start": first_start, "first_command": FIRST_STAFF_COMMAND},
                  status_code=status_code)


async def _signed_in(request: Request) -> bool:
    try:
        await current_session(request)
    except LoginRequired:
        return False
    return True


@router.get("/login")
async def login_form(request: Request, keluar: str = "") -> Response:
    """The login form; someone already signed in goes straight to the dashboard."""
    if await _signed_in(request):
        return RedirectResponse("/admin", status_code=303)
    first = not await request.app.state.runtime.staff.accounts()  # no account yet: say how to make one
    return _login_page(request, notice="Anda sudah keluar." if keluar else None, first_start=first)


@router.post("/login")
async def login(request: Request, username: Annotated[str, Form()] = "",
                password: Annotated[str, Form()] = "") -> Response:
    """Check the CSRF token, then the credentials; on success start a session and go to the dashboard."""
    try:
        await verify_csrf(request, None)
    except CsrfRejected:
        return _login_page(request, username=username, status_code=403,
                           error="Formulir masuk sudah tidak berlaku. Silakan coba masuk sekali lagi.")
    if not username.strip() or not password:
        return _login_page(request, username=username, status_code=400,
                           error="Isi nama pengguna dan kata sandi Anda.")
    try:
        staff = await request.app.state.runtime.staff.authenticate(
            username=username, password=password, client_ip=request.client.host if request.client else None)
    except LoginThrottled as exc:
        RATE_LIMITED.labels("staff_login").inc()
        minutes = -(-exc.retry_after_seconds // 60)
        page = _login_page(request, username=username, status_code=429,
                           error=f"Terlalu banyak percobaan masuk yang gagal dari sini, jadi untuk sementara "
                                 f"ditahan demi keamanan. Silakan coba lagi dalam {minutes} menit.")
        page.headers["Retry-After"] = str(exc.retry_after_seconds)
        return page
    except LoginFailed:
        return _login_page(request, username=username, status_code=400,
                           error="Nama pengguna atau kata sandi salah. Periksa kembali, lalu coba lagi.")
    response = RedirectResponse("/admin", status_code=303)
    start_session(request, response, staff)
    rotate_csrf(request)
    return response


@router.post("/logout")
async def logout(request: Request, session: PostedSession) -> Response:
    """End the session (its tokens are refused from now on, wherever they are kept) and go back
    to the login form."""
    runtime = request.app.state.runtime
    await runtime.staff.end_session(session_id=session.session_id, until=session.ends)
    await runtime.audit.record(actor=session.staff.actor, action="auth.logout", target=session.staff.actor)
    response = RedirectResponse(f"{LOGIN_URL}?keluar=1", status_code=303)
    end_session(request, response)
    rotate_csrf(request)
    return response


# --- the dashboard ---
def _dashboard(request: Request) -> Dashboard:
    rt = request.app.state.runtime
    return Dashboard(queries=DashboardQueries(make_sessionmaker(rt.db)), broadcasts=rt.broadcasts,
                     wilayah=rt.wilayah, clock=rt.santunan.now)


def _charts(overview: Overview) -> dict[str, object]:
    days = [(str(d.day), n) for d, n in overview.lookups_per_day]
    notes = [f"{_DAYS[d.weekday()]} {d.day} {_MONTHS[d.month - 1]}" for d, _ in overview.lookups_per_day]
    charts: dict[str, object] = {
        "lookup_chart": column_chart(days, notes=notes, title="Cek kepesertaan per hari, 14 hari terakhir")}
    if overview.reports is not None:
        charts["kecamatan_chart"] = bar_chart(overview.reports.by_kecamatan, title="Laporan santunan per kecamatan")
    return charts


@router.get("")
async def dashboard(request: Request, session: CurrentSession) -> HTMLResponse:
    """Reports by status and kecamatan (within the staff member's area), overdue reports, the
    helpdesk's figures (same area), coverage lookups per day, subscribers by channel and the newest
    broadcasts."""
    rt = request.app.state.runtime
    overview = await _dashboard(request).overview(session.staff)
    helpdesk = await HelpdeskFigures(tickets=Tickets(make_sessionmaker(rt.db)), wilayah=rt.wilayah,
                                     clock=rt.santunan.now).figures(session.staff)
    request.state.inbox_waiting = helpdesk.total.waiting  # the menu's counter
    tasks = await my_tasks(rt.santunan, session.staff, limit=200)
    return render(request, "dashboard.html", {"overview": overview, "helpdesk": helpdesk, "duration": duration,
                                              "tasks": tasks[:5], "task_count": len(tasks),
                                              "task_overdue": sum(t.overdue for t in tasks),
                                              "money": await office_figures(rt, session.staff),
                                              **_charts(overview)})
