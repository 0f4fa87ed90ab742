"""Tautkan chat: every signed-in staff member links their OWN WhatsApp or Telegram to their account
here. "Buat kode" shows a one-time code (15 minutes, used once; a new one replaces it) to send to
the bot as `TAUTKAN <kode>`; the page shows whether a chat is linked, and "Putuskan" lets it go.
The rules and the audit are in services/staff_links.py; the chat side in conversations/staff_chat.py."""
from __future__ import annotations

import segno
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from bot.admin.csrf import PostedSession
from bot.admin.session import CurrentSession
from bot.admin.web import AdminRoute, render
from services.staff_links import CODE_MINUTES, LinkCode, StaffLinks

__all__ = ["PATH", "router"]

PATH = "/admin/akun/tautkan"
router = APIRouter(prefix=PATH, route_class=AdminRoute, include_in_schema=False)
_DONE = {"putus": "Chat sudah diputuskan dari akun ini. Kabar laporan tidak dikirim ke sana lagi."}


def _links(request: Request) -> StaffLinks:
    return request.app.state.runtime.staff_links


def _deep_links(request: Request, code: LinkCode | None) -> list[tuple[str, str, str]]:
    """(label, URL, QR code as a data: URI) for each chat the code can be sent from in one tap:
    `t.me/<bot>?start=<code>` and `wa.me/<number>?text=TAUTKAN%20<code>`."""
    if code is None:
        return []
    settings, links = request.app.state.runtime.settings, []
    if settings.telegram_bot_username:
        links.append(("Buka Telegram", f"https://t.me/{settings.telegram_bot_username.lstrip('@')}?start={code.code}"))
    number = "".join(c for c in settings.twilio_whatsapp_from if c.isdigit())
    if number:
        links.append(("Buka WhatsApp", f"https://wa.me/{number}?text=TAUTKAN%20{code.code}"))
    return [(label, url, segno.make(url, error="m").svg_data_uri(scale=5)) for label, url in links]


async def _page(request: Request, session, *, code: LinkCode | None = None, done: str | None = None) -> HTMLResponse:
    chat = await _links(request).chat_of(staff_id=session.staff.id)
    return render(request, "chat_link.html", {"chat": chat, "code": code, "done": done, "minutes": CODE_MINUTES,
                                              "deep_links": _deep_links(request, code)})


@router.get("")
async def link_page(request: Request, session: CurrentSession, ok: str = "") -> HTMLResponse:
    """Whether this account's chat is linked, and the button that makes a code."""
    return await _page(request, session, done=_DONE.get(ok))


@router.post("/kode")
async def new_code(request: Request, session: PostedSession) -> HTMLResponse:
    """A new one-time code for the signed-in staff member, shown once on this answer."""
    code = await _links(request).issue_code(staff=session.staff)
    return await _page(request, session, code=code)


@router.post("/putuskan")
async def unlink(request: Request, session: PostedSession) -> Response:
    """Let go of the signed-in staff member's chat."""
    await _links(request).unlink(staff_id=session.staff.id, actor=session.staff.actor)
    return RedirectResponse(f"{PATH}?ok=putus", status_code=303)
