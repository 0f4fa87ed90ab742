"""Canned replies for the helpdesk inbox: a small list and form under /admin/bantuan/balasan, kept
by admin and dinsos (every staff member picks them on a conversation page, bot/admin/helpdesk.py).
Each save is audited (who, which reply; not the text)."""
from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from bot.admin.csrf import posted_by
from bot.admin.helpdesk import KEEPERS, TEXT_MAX, tickets
from bot.admin.session import AdminSession, require_roles
from bot.admin.web import AdminRoute, render

__all__ = ["router"]

router = APIRouter(prefix="/admin/bantuan/balasan", route_class=AdminRoute, include_in_schema=False)
Keeper = Annotated[AdminSession, Depends(require_roles(*KEEPERS))]
KeeperForm = Annotated[AdminSession, Depends(posted_by(*KEEPERS))]
FormText = Annotated[str, Form()]
TITLE_MAX = 80


def _rt(request: Request) -> Any:
    return request.app.state.runtime


@router.get("")
async def canned_page(request: Request, session: Keeper, ok: str = "") -> HTMLResponse:
    return await _canned(request, done="Balasan siap pakai disimpan." if ok == "disimpan" else None)


async def _canned(request: Request, *, error: str | None = None, values: dict[str, str] | None = None,
                  done: str | None = None, status_code: int = 200) -> HTMLResponse:
    return render(request, "helpdesk_canned.html", {"replies": await tickets(request).canned(), "error": error,
                                                    "values": values or {}, "done": done, "title_max": TITLE_MAX,
                                                    "text_max": TEXT_MAX}, status_code=status_code)


@router.post("")
async def canned_save(request: Request, session: KeeperForm, judul: FormText = "", teks: FormText = "",
                      id: FormText = "") -> Response:
    title, text = judul.strip(), teks.strip()
    values = {"judul": title, "teks": text, "id": id}
    if not title or not text:
        return await _canned(request, error="Isi judul dan teks balasan.", values=values, status_code=400)
    if len(title) > TITLE_MAX or len(text) > TEXT_MAX:
        return await _canned(request, values=values, status_code=400,
                             error=f"Terlalu panjang: judul paling banyak {TITLE_MAX}, teks {TEXT_MAX} karakter.")
    reply_id = int(id) if id.isdigit() else None
    if reply_id is not None and reply_id not in {r.id for r in await tickets(request).canned()}:
        return await _canned(request, error="Balasan itu sudah tidak ada.", values=values, status_code=404)
    rt = _rt(request)
    await tickets(request).save_canned(reply_id=reply_id, title=title, text=text, actor=session.staff.actor,
                                        at=rt.helpdesk.clock())
    await rt.audit.record(actor=session.staff.actor, action="helpdesk.canned_save",
                          target=f"canned:{reply_id}" if reply_id else "canned:new")
    return RedirectResponse("/admin/bantuan/balasan?ok=disimpan", status_code=303)
