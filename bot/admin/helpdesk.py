"""The helpdesk inbox for staff (every role): the conversations waiting for a person, live.

The list (filters: mine, unassigned, kecamatan, topic, status; how long each citizen has waited and
how long WhatsApp's 24-hour window stays open, most urgent first), one conversation (the whole
transcript, what the bot said before the handover included, private notes marked, the attachments
the citizen sent, the citizen's reports and coverage record beside it, masked), and the forms:
reply (with canned replies; when the WhatsApp window has closed the page says so and asks first),
private note, assign or claim, close. admin and dinsos keep the canned replies.

Everything goes through services/helpdesk.py as the staff API does (bot/api/helpdesk.py): a camat
or kades sees the tickets of their area only, and one outside it is "not found". `/siaran` is the
live channel (bot/admin/live.py): the page's inbox.js refreshes the list or the transcript and the
menu's counter when it speaks."""
from __future__ import annotations

import json
import time
from datetime import timedelta
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from sse_starlette.sse import EventSourceResponse, ServerSentEvent

from bot.admin.csrf import posted_by
from bot.admin.live import InboxLive
from bot.admin.session import AdminSession, Forbidden, require_roles
from bot.admin.web import AdminRoute, render
from bot.documents import document_response
from services.helpdesk import TOPICS, TicketView
from services.helpdesk_figures import HelpdeskFigures
from services.staff import ROLES, StaffInfo
from storage.db import make_sessionmaker
from storage.helpdesk import TicketFilter, Tickets

__all__ = ["KEEPERS", "TOPIC_NAMES", "duration", "router", "tickets", "waiting_count"]

router = APIRouter(prefix="/admin/bantuan", route_class=AdminRoute, include_in_schema=False)
Staff = Annotated[AdminSession, Depends(require_roles(*ROLES))]
StaffForm = Annotated[AdminSession, Depends(posted_by(*ROLES))]
KEEPERS = ("admin", "dinsos")  # who keeps the canned replies (bot/admin/canned.py)
FormText = Annotated[str, Form()]

PAGE_SIZE = 30
TEXT_MAX, NOTE_MAX = 2000, 1000
TOPIC_NAMES = {"santunan": "Santunan kematian", "kepesertaan": "Kepesertaan BPJS TK", "pengumuman": "Pengumuman",
               "lainnya": "Lainnya"}
_STATUS = {"terbuka": "open", "ditutup": "closed", "semua": None}
_CASEWORK = ("admin", "dinsos", "camat", "kades")  # who may read reports and the coverage registry
_DONE = {"terkirim": "Balasan dikirim ke warga.",
         "templat": "Jendela WhatsApp sudah tertutup: warga diberi pemberitahuan, dan balasan Anda sampai "
                    "setelah warga membalasnya.",
         "tertunda": "Jendela WhatsApp sudah tertutup: balasan Anda tersimpan dan sampai begitu warga menulis lagi.",
         "catatan": "Catatan internal disimpan (tidak dikirim ke warga).", "ditugaskan": "Percakapan ditugaskan.",
         "ditutup": "Percakapan ditutup. Warga diberi tahu dan ditanya seberapa puas."}
EVENT_NAMES = {"opened": "Dibuka", "assigned": "Ditugaskan", "transferred": "Dialihkan", "note": "Catatan internal",
               "reopened": "Dibuka lagi", "closed": "Ditutup", "escalated": "Diteruskan ke Dinas Sosial",
               "rated": "Dinilai warga", "read": "Dibaca", "area_asked": "Wilayah ditanyakan ke warga",
               "area": "Wilayah disebut warga", "area_unknown": "Warga tidak menyebut wilayah"}
_DELIVERY = {"queued": "terkirim", "template": "templat", "pending": "tertunda"}


def _rt(request: Request) -> Any:
    return request.app.state.runtime


def tickets(request: Request) -> Tickets:
    return Tickets(make_sessionmaker(_rt(request).db))


def _figures(request: Request) -> HelpdeskFigures:
    return HelpdeskFigures(tickets=tickets(request), wilayah=_rt(request).wilayah, clock=_rt(request).helpdesk.clock)


def _live(request: Request) -> InboxLive:
    """This process's live channel, made on first use."""
    state = request.app.state
    if getattr(state, "inbox_live", None) is None:
        state.inbox_live = InboxLive(tickets(request).latest_change)
    return state.inbox_live


def _quiet(request: Request) -> None:
    """A request the page makes by itself (live refresh, counter): it does not renew the session,
    so an inbox left open still signs out after 30 minutes without anyone touching it."""
    request.state.session_set = True


async def waiting_count(request: Request, staff: StaffInfo) -> int:
    """The menu's counter: open tickets of the area whose citizen waits for an answer."""
    count = await _figures(request).waiting(staff)
    request.state.inbox_waiting = count
    return count


def duration(delta: timedelta | None) -> str:
    """'kurang dari 1 menit', '12 menit', '3 jam 5 menit', '2 hari 4 jam'."""
    if delta is None:
        return "–"
    minutes = int(delta.total_seconds() // 60)
    if minutes < 1:
        return "kurang dari 1 menit"
    if minutes < 60:
        return f"{minutes} menit"
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        return f"{hours} jam {minutes} menit" if minutes else f"{hours} jam"
    days, hours = divmod(hours, 24)
    return f"{days} hari {hours} jam" if hours else f"{days} hari"


# --- the list ---
def _filters(request: Request, staff: StaffInfo, milik: str, belum: str, kecamatan: str, topik: str,
             status: str) -> tuple[TicketFilter, dict[str, str], list[str]]:
    errors: list[str] = []
    kec = None
    if kecamatan:
        kec = _rt(request).wilayah.match_kecamatan(kecamatan).place
        if kec is None:
            errors.append("Kecamatan yang dipilih tidak dikenal, jadi tidak dipakai sebagai saringan.")
        elif not staff.sees_all and not staff.can_see(kecamatan_code=kec.code, desa_code=None):
            raise Forbidden("Wilayah yang dipilih di luar wilayah Anda.")
    if topik and topik not in TOPICS:
        errors.append("Topik yang dipilih tidak dikenal, jadi tidak dipakai sebagai saringan.")
        topik = ""
    status = status if status in _STATUS else "terbuka"
    mine, unassigned = milik == "1", belum == "1" and milik != "1"
    f = TicketFilter(status=_STATUS[status], assignee_id=staff.id if mine else None, unassigned=unassigned,
                     kecamatan=kec.code if kec else None, topic=topik or None)
    kept = {"milik": "1" if mine else "", "belum": "1" if unassigned else "", "kecamatan": kec.code if kec else "",
            "topik": topik, "status": status if status != "terbuka" else ""}
    return f, {k: v for k, v in kept.items() if v}, errors


async def _rows(request: Request, staff: StaffInfo, f: TicketFilter, page: int) -> dict[str, Any]:
    helpdesk = _rt(request).helpdesk
    tickets, total = await helpdesk.search(staff, f, page=page, size=PAGE_SIZE)
    now = helpdesk.clock()
    rows = []
    for s in await helpdesk.summaries(tickets):
        left = s["window_left_seconds"]
        rows.append({**s, "waited": duration(now - s["waiting_since"]) if s["waiting_since"] else None,
                     "window": None if left is None else duration(timedelta(seconds=left)) if left > 0 else "",
                     "long_wait": bool(s["waiting_since"]) and now - s["waiting_since"] > timedelta(hours=1)})
    return {"rows": rows, "total": total, "topic_names": TOPIC_NAMES, "me": staff.username}


@router.get("")
async def inbox(request: Request, session: Staff, milik: str = "", belum: str = "", kecamatan: str = "",
                topik: str = "", status: str = "", page: str = "1") -> HTMLResponse:
    staff = session.staff
    f, kept, errors = _filters(request, staff, milik, belum, kecamatan, topik, status)
    number = max(1, min(int(page), 100_000)) if page.isdigit() else 1
    data = await _rows(request, staff, f, number)
    pages = max(1, -(-data["total"] // PAGE_SIZE))
    link = {n: f"/admin/bantuan?{urlencode({**kept, 'page': n})}" for n in (number - 1, number + 1)}
    await waiting_count(request, staff)
    kecamatan_list = sorted(_rt(request).wilayah.kecamatan, key=lambda p: p.name) if staff.sees_all else []
    return render(request, "helpdesk_list.html", {
        **data, "filters": kept, "errors": errors, "query": urlencode({**kept, "page": number}), "page": number,
        "pages": pages, "prev": link[number - 1] if number > 1 else None,
        "next": link[number + 1] if number < pages else None, "topics": TOPICS, "kecamatan_list": kecamatan_list,
        "keeper": staff.role in KEEPERS})


@router.get("/daftar")
async def inbox_rows(request: Request, session: Staff, milik: str = "", belum: str = "", kecamatan: str = "",
                     topik: str = "", status: str = "", page: str = "1") -> HTMLResponse:
    """The list's rows alone, for the live refresh (inbox.js)."""
    _quiet(request)
    f, _, _ = _filters(request, session.staff, milik, belum, kecamatan, topik, status)
    number = max(1, min(int(page), 100_000)) if page.isdigit() else 1
    return render(request, "_helpdesk_rows.html", await _rows(request, session.staff, f, number))


@router.get("/jumlah")
async def counter(request: Request, session: Staff) -> JSONResponse:
    """The menu's counter, for pages that did not count it themselves."""
    _quiet(request)
    return JSONResponse({"menunggu": await waiting_count(request, session.staff)})


@router.get("/siaran")
async def stream(request: Request, session: Staff) -> Response:
    """Server-sent events: `siap` when connected, `berubah` whenever a ticket changed (any process),
    each with the viewer's waiting count. No message text, no personal data."""
    _quiet(request)
    live, staff, figures = _live(request), session.staff, _figures(request)
    area = ("semua",) if staff.sees_all else staff.area_filter()

    async def events():
        async with live.client():
            version = live.version
            waiting = await live.shared(area, lambda: figures.waiting(staff))
            yield ServerSentEvent(json.dumps({"menunggu": waiting}), event="siap", retry=3000)
            ends = time.monotonic() + live.stream_seconds
            while (left := ends - time.monotonic()) > 0:
                new = await live.wait(version, min(left, 30.0))
                if new is None:
                    continue
                version = new
                waiting = await live.shared(area, lambda: figures.waiting(staff))
                yield ServerSentEvent(json.dumps({"menunggu": waiting}), event="berubah", id=str(version))

    return EventSourceResponse(events(), ping=15, headers={"X-Accel-Buffering": "no"})


# --- one conversation ---
def _not_found(request: Request) -> HTMLResponse:
    return render(request, "message.html", {"title": "Percakapan tidak ditemukan",
                                            "text": "Tidak ada percakapan dengan nomor itu di wilayah Anda."},
                  status_code=404)


async def _names(request: Request) -> dict[int, str]:
    return {a.id: a.label for a in await _rt(request).staff.accounts()}  # "Nama (Jabatan)", else the username


async def _beside(request: Request, staff: StaffInfo, view: TicketView) -> dict[str, Any]:
    """The citizen's reports and coverage record, for the roles that may read them, in their area."""
    ticket, rt = view.ticket, _rt(request)
    if staff.role not in _CASEWORK or ticket.contact_id is None:
        return {"reports": [], "coverage": None, "casework": False}
    reports = [r for r in await rt.santunan.for_contact(ticket.contact_id)
               if staff.can_see(kecamatan_code=r.kecamatan_code, desa_code=r.desa_code)]
    coverage = await tickets(request).coverage(ticket.registry_id) if ticket.registry_id else None
    if coverage is not None and not staff.can_see(kecamatan_code=coverage.kecamatan_code,
                                                   desa_code=coverage.desa_code):
        coverage = None
    return {"reports": reports, "coverage": coverage, "casework": True}


def _transcript(view: TicketView, names: dict[int, str]) -> dict[str, Any]:
    return {"ticket": view.ticket, "messages": view.messages, "names": names}


async def _page(request: Request, staff: StaffInfo, ticket_id: int, *, done: str | None = None,
                error: str | None = None, draft: str = "", status_code: int = 200) -> HTMLResponse:
    helpdesk = _rt(request).helpdesk
    try:
        view = await helpdesk.view(staff, ticket_id)  # audited
    except LookupError:
        return _not_found(request)
    [summary] = await helpdesk.summaries([view.ticket])
    names = await _names(request)
    await waiting_count(request, staff)
    now = helpdesk.clock()
    return render(request, "helpdesk_ticket.html", {
        **_transcript(view, names), **await _beside(request, staff, view), "summary": summary,
        "events": view.events, "window_left": view.window_left, "window_text": duration(view.window_left),
        "window_closed": view.window_left is not None and view.window_left <= timedelta(0),
        "template": bool(_rt(request).settings.helpdesk_template_sid), "topic_names": TOPIC_NAMES,
        "event_names": EVENT_NAMES,
        "waited": duration(now - view.ticket.waiting_since) if view.ticket.waiting_since else None,
        "canned": await tickets(request).canned(), "done": done, "error": error, "draft": draft,
        "text_max": TEXT_MAX, "note_max": NOTE_MAX}, status_code=status_code)


@router.get("/{ticket_id}")
async def ticket_page(request: Request, ticket_id: int, session: Staff, ok: str = "") -> HTMLResponse:
    return await _page(request, session.staff, ticket_id, done=_DONE.get(ok))


@router.get("/{ticket_id}/percakapan")
async def transcript(request: Request, ticket_id: int, session: Staff) -> HTMLResponse:
    """The transcript alone, for the live refresh of an open conversation page (its opening was audited)."""
    _quiet(request)
    helpdesk = _rt(request).helpdesk
    try:
        ticket = await helpdesk.visible(session.staff, ticket_id)
    except LookupError:
        return _not_found(request)
    view = TicketView(ticket, await tickets(request).messages(ticket.id), [], helpdesk.window_left(ticket))
    return render(request, "_helpdesk_transcript.html", _transcript(view, await _names(request)))


@router.get("/{ticket_id}/lampiran/{message_id}")
async def attachment(request: Request, ticket_id: int, message_id: int, session: Staff) -> Response:
    """A file the citizen sent, served as the report documents are (bot/documents.py)."""
    rt = _rt(request)
    try:
        await rt.helpdesk.visible(session.staff, ticket_id)
    except LookupError:
        return _not_found(request)
    message = await tickets(request).message(ticket_id=ticket_id, message_id=message_id)
    if message is None or not message.media_key or not message.media_type:
        return render(request, "message.html", {"title": "Lampiran tidak ditemukan",
                                                "text": "Lampiran ini tidak ada pada percakapan itu."},
                      status_code=404)
    await rt.audit.record(actor=session.staff.actor, action="helpdesk.attachment_view", target=f"ticket:{ticket_id}",
                          detail={"message": message_id})
    extension = message.media_key.rsplit(".", 1)[-1]
    return document_response(rt.attachments.path(message.media_key), media_type=message.media_type,
                             filename=f"percakapan-{ticket_id}-{message_id}.{extension}",
                             inline=message.media_type.startswith("image/"))


@router.post("/{ticket_id}/balas")
async def reply(request: Request, ticket_id: int, session: StaffForm, teks: FormText = "", siap: FormText = "",
                paham: FormText = "") -> Response:
    """Send an answer on the citizen's channel. Past WhatsApp's window it cannot go as text: the
    page says so before, and the form must confirm (`paham`) that the staff member knows."""
    staff, helpdesk = session.staff, _rt(request).helpdesk
    text = teks.strip()
    if not text and siap.isdigit():
        text = next((r.text for r in await tickets(request).canned() if r.id == int(siap)), "")
    if not text:
        return await _page(request, staff, ticket_id, status_code=400, error="Tulis balasan atau pilih balasan siap.")
    if len(text) > TEXT_MAX:
        return await _page(request, staff, ticket_id, status_code=400, draft=text,
                           error=f"Balasan terlalu panjang: paling banyak {TEXT_MAX} karakter.")
    try:
        ticket = await helpdesk.visible(staff, ticket_id)
    except LookupError:
        return _not_found(request)
    left = helpdesk.window_left(ticket)
    if left is not None and left <= timedelta(0) and paham != "1":
        return await _page(request, staff, ticket_id, status_code=409, draft=text, error=(
            "Jendela 24 jam WhatsApp untuk percakapan ini sudah tertutup, jadi balasan tidak langsung sampai. "
            "Centang «Saya mengerti» di bawah kotak balasan, lalu kirim lagi."))
    try:
        delivery, _ = await helpdesk.reply(staff, ticket_id, text)
    except ValueError:
        return await _page(request, staff, ticket_id, status_code=409, draft=text,
                           error="Percakapan ini sudah ditutup, jadi balasan tidak dikirim.")
    return RedirectResponse(f"/admin/bantuan/{ticket_id}?ok={_DELIVERY.get(delivery, 'terkirim')}", status_code=303)


@router.post("/{ticket_id}/catatan")
async def note(request: Request, ticket_id: int, session: StaffForm, teks: FormText = "") -> Response:
    staff, text = session.staff, teks.strip()
    if not text or len(text) > TEXT_MAX:
        return await _page(request, staff, ticket_id, status_code=400,
                           error=f"Tulis catatan (paling banyak {TEXT_MAX} karakter).")
    try:
        await _rt(request).helpdesk.note(staff, ticket_id, text)
    except LookupError:
        return _not_found(request)
    return RedirectResponse(f"/admin/bantuan/{ticket_id}?ok=catatan", status_code=303)


@router.post("/{ticket_id}/tugaskan")
async def assign(request: Request, ticket_id: int, session: StaffForm, username: FormText = "",
                 ambil: FormText = "") -> Response:
    """Claim (`ambil`) or give the ticket to a staff member of its area, by username."""
    staff = session.staff
    who = staff.username if ambil == "1" else username.strip()
    if not who or len(who) > 64:
        return await _page(request, staff, ticket_id, status_code=400, error="Tulis nama pengguna staf tujuan.")
    try:
        await _rt(request).helpdesk.assign(staff, ticket_id, who)
    except PermissionError:
        return await _page(request, staff, ticket_id, status_code=400,
                           error=f"Percakapan ini di luar wilayah akun «{who}», jadi tidak dapat ditugaskan kepadanya.")
    except LookupError:
        try:
            await _rt(request).helpdesk.visible(staff, ticket_id)
        except LookupError:
            return _not_found(request)
        return await _page(request, staff, ticket_id, status_code=400,
                           error=f"Tidak ada akun staf aktif bernama «{who}».")
    return RedirectResponse(f"/admin/bantuan/{ticket_id}?ok=ditugaskan", status_code=303)


@router.post("/{ticket_id}/tutup")
async def close(request: Request, ticket_id: int, session: StaffForm, catatan: FormText = "") -> Response:
    staff, text = session.staff, catatan.strip()
    if len(text) > NOTE_MAX:
        return await _page(request, staff, ticket_id, status_code=400,
                           error=f"Catatan penutup terlalu panjang: paling banyak {NOTE_MAX} karakter.")
    try:
        closed = await _rt(request).helpdesk.close(staff, ticket_id, text or None)
    except LookupError:
        return _not_found(request)
    if not closed:
        return await _page(request, staff, ticket_id, status_code=409, error="Percakapan ini sudah ditutup.")
    return RedirectResponse(f"/admin/bantuan/{ticket_id}?ok=ditutup", status_code=303)
