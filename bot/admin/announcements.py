"""Announcement pages (humas, admin): the list, compose and edit a draft with a live preview of
the message on WhatsApp and on Telegram and the recipients per channel, and one announcement's
page: approve (a second person), send now or at a time (WIB), pause, resume, cancel, with a
delivery progress bar. Every change goes through `Broadcasts`, which checks and audits it.

The preview is the real rendering: the outbox body the service writes (`notice_body`), turned into
text by `render_notice` as the worker does, then by each channel's own `render`."""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.exceptions import HTTPException

from bot.admin.csrf import posted_by
from bot.admin.labels import STATE_NAMES
from bot.admin.session import AdminSession, require_roles
from bot.admin.web import AdminRoute, render
from bot.api.deps import RowId
from conversations.model import Reply
from conversations.notices import render_notice
from handlers.telegram import TelegramChannel
from handlers.whatsapp import WhatsAppChannel
from services.announcements import (
    APPROVER_ROLES,
    Changed,
    NotAllowedToApprove,
    NotAllowedToEdit,
    NotApproved,
    WrongState,
    content_version,
    notice_body,
)
from services.santunan import WIB
from storage.models import Announcement

__all__ = ["router"]

router = APIRouter(prefix="/admin/pengumuman", route_class=AdminRoute, include_in_schema=False)
ROLES = APPROVER_ROLES  # who writes and approves announcements (also the staff API's)
Humas = Annotated[AdminSession, Depends(require_roles(*ROLES))]
HumasForm = Annotated[AdminSession, Depends(posted_by(*ROLES))]
FormText = Annotated[str, Form()]
FormList = Annotated[list[str] | None, Form()]
PAGE_SIZE = 30
CHANNELS = ("whatsapp", "telegram", "web")
_LINK = re.compile(r"^https?://\S+$")
_STATE_NOW = {"draft": "masih draf", "scheduled": "sudah dijadwalkan", "sending": "sedang dikirim",
              "sent": "sudah terkirim", "paused": "sedang dijeda", "cancelled": "sudah dibatalkan"}
_DONE = {"dibuat": "Draf tersimpan. Minta staf humas lain memeriksa dan menyetujuinya.",
         "diubah": "Perubahan tersimpan.",
         "diubah-ulang": "Perubahan tersimpan. Persetujuan sebelumnya dicabut: draf ini perlu disetujui lagi.",
         "approve": "Pengumuman sudah disetujui. Sekarang dapat dikirim atau dijadwalkan.",
         "send": "Pengiriman dimulai.", "schedule": "Pengumuman sudah dijadwalkan.",
         "pause": "Pengiriman dijeda.", "resume": "Pengiriman dilanjutkan.",
         "cancel": "Pengumuman dibatalkan; pesan yang belum terkirim tidak akan dikirim.",
         "uji": ("Pesan uji dikirim ke chat Anda yang tertaut (hanya Anda yang menerimanya). "
                 "Periksa tampilannya di sana.")}
ACTIONS = ("approve", "send", "schedule", "pause", "resume", "cancel")


def _broadcasts(request: Request) -> Any:
    return request.app.state.runtime.broadcasts


async def _get(request: Request, announcement_id: int) -> Announcement:
    row = await _broadcasts(request).get(announcement_id)
    if row is None:
        raise HTTPException(404)
    return row


# --- the text and its preview ---
@dataclass
class Draft:
    title: str = ""
    body: str = ""
    link: str = ""
    kecamatan: tuple[str, ...] = ()

    @classmethod
    def of(cls, row: Announcement) -> Draft:
        codes = tuple(_codes(row))
        return cls(title=row.title, body=row.body, link=row.link or "", kecamatan=codes)

    def problems(self, wilayah: Any) -> list[str]:
        """What keeps this draft from being saved, in the words of the page (the API's limits)."""
        found = []
        if not 3 <= len(self.title) <= 120:
            found.append("Judul harus 3–120 karakter.")
        if not 3 <= len(self.body) <= 3000:
            found.append("Isi harus 3–3.000 karakter.")
        if self.link and (len(self.link) > 300 or not _LINK.match(self.link)):
            found.append("Tautan harus diawali http:// atau https://, tanpa spasi, paling panjang 300 karakter.")
        places = [wilayah.get(code) for code in self.kecamatan]
        if any(p is None or p.level != "kecamatan" for p in places):
            found.append("Pilih kecamatan dari daftar.")
        return found


def _draft(title: str, body: str, link: str, kecamatan: list[str] | None) -> Draft:
    return Draft(title=title.strip(), body=body.strip(), link=link.strip(),
                 kecamatan=tuple(dict.fromkeys(k for k in (kecamatan or []) if k)))


def _codes(row: Announcement) -> list[str]:
    return json.loads(row.kecamatan) if row.kecamatan else []


def _telegram(text: str) -> list[str]:
    # TelegramChannel.render reads nothing from the channel object, so the preview is rendered the
    # same way whether or not Telegram is configured on this server
    return [m["text"] for m in TelegramChannel.render(None, [Reply(text)])]  # type: ignore[arg-type]


async def _preview(request: Request, draft: Draft, announcement_id: int = 0) -> dict[str, Any]:
    """{"telegram": the HTML Telegram is sent, "whatsapp": the text WhatsApp is sent, "parts": messages per
    channel, "recipients": subscribers per channel in the target}."""
    text = render_notice(notice_body(title=draft.title, body=draft.body, link=draft.link or None,
                                     announcement_id=announcement_id))
    telegram, whatsapp = _telegram(text), WhatsAppChannel.render([Reply(text)])
    rows = await _broadcasts(request).breakdown(list(draft.kecamatan) or None)
    recipients = {channel: sum(n for c, _, n in rows if c == channel) for channel in CHANNELS}
    areas = _areas(request.app.state.runtime.wilayah, rows)
    return {"telegram": "\n\n".join(telegram), "whatsapp": "\n\n".join(whatsapp),
            "parts": {"telegram": len(telegram), "whatsapp": len(whatsapp)},
            "recipients": {**recipients, "total": sum(recipients.values())}, "areas": areas,
            "sum": " + ".join(f"{a['total']} {a['name']}" for a in areas)}


def _areas(wilayah: Any, rows: list[tuple[str, str | None, int]]) -> list[dict[str, Any]]:
    """The recipients per subscribed area (a kecamatan, or "seluruh OKI" for those who follow all of
    it) and channel, the largest first: what "Penerima: 35" is made of."""
    by_area: dict[str | None, dict[str, int]] = {}
    for channel, code, n in rows:
        if channel in CHANNELS:
            cell = by_area.setdefault(code, dict.fromkeys(CHANNELS, 0))
            cell[channel] += n
    areas = [{"name": (wilayah.get(code).name if wilayah.get(code) else code) if code else "seluruh OKI",
              **counts, "total": sum(counts.values())} for code, counts in by_area.items()]
    return sorted(areas, key=lambda a: (-a["total"], a["name"]))


def _version(row: Announcement) -> str:
    """A short fingerprint of what an approver read: approving a text changed since is refused."""
    return content_version(row)


@router.get("/pratinjau.json")
async def preview(request: Request, session: Humas, title: str = "", body: str = "", link: str = "",
                  kecamatan: Annotated[list[str] | None, Query()] = None) -> JSONResponse:
    """The live preview the compose form asks for as the text is typed."""
    draft = _draft(title[:200], body[:4000], link[:400], kecamatan)
    return JSONResponse(await _preview(request, draft))


# --- the list ---
def _outcome(row: Announcement, statuses: dict[str, int]) -> dict[str, Any]:
    rows = sum(n for status, n in statuses.items() if status != "cancelled")
    return {"recipients": (row.recipients or rows) if row.sent_at else None, "sent": statuses.get("sent", 0),
            "failed": statuses.get("failed", 0)}


@router.get("")
async def announcements(request: Request, session: Humas, ok: str = "",
                        halaman: Annotated[int, Query(ge=1, le=100000)] = 1) -> HTMLResponse:
    """Every announcement, newest first, with its state and delivery counts."""
    rows, total = await _broadcasts(request).page(limit=PAGE_SIZE, offset=(halaman - 1) * PAGE_SIZE)
    outcomes = await _broadcasts(request).outcomes([r.id for r in rows])
    pages = max(1, -(-total // PAGE_SIZE))
    waiting = await _broadcasts(request).awaiting_approval(session.staff)
    request.state.approval_waiting = len(waiting)  # the menu's counter
    return render(request, "announcement_list.html", {
        "items": [(r, _outcome(r, outcomes.get(r.id, {}))) for r in rows], "page": halaman, "pages": pages,
        "done": _DONE.get(ok), "waiting": waiting, "names": await _names(request, *(r.author_id for r in waiting))})


# --- compose and edit ---
def _kecamatan_list(request: Request) -> list[Any]:
    return sorted(request.app.state.runtime.wilayah.kecamatan, key=lambda p: p.name)


async def _form(request: Request, draft: Draft, *, row: Announcement | None = None, errors: list[str] | None = None,
                status_code: int = 200) -> HTMLResponse:
    return render(request, "announcement_form.html", {
        "draft": draft, "row": row, "errors": errors or [], "kecamatan_list": _kecamatan_list(request),
        "preview": await _preview(request, draft, row.id if row else 0)}, status_code=status_code)


@router.get("/baru")
async def new_form(request: Request, session: Humas) -> HTMLResponse:
    return await _form(request, Draft())


@router.post("/baru")
async def create(request: Request, session: HumasForm, title: FormText = "", body: FormText = "",
                 link: FormText = "", kecamatan: FormList = None) -> Response:
    """Save a new draft; a second person approves it on its page."""
    draft = _draft(title, body, link, kecamatan)
    if problems := draft.problems(request.app.state.runtime.wilayah):
        return await _form(request, draft, errors=problems, status_code=400)
    row = await _broadcasts(request).create(title=draft.title, body=draft.body, link=draft.link or None,
                                            kecamatan=list(draft.kecamatan) or None, author=session.staff)
    return RedirectResponse(f"/admin/pengumuman/{row.id}?ok=dibuat", status_code=303)


@router.get("/{announcement_id}/ubah")
async def edit_form(request: Request, announcement_id: RowId, session: Humas) -> HTMLResponse:
    row = await _get(request, announcement_id)
    if row.state != "draft" or row.author_id != session.staff.id:
        return await _detail(request, row, session, status_code=409 if row.state != "draft" else 403,
                             error=_edit_refusal(row))
    return await _form(request, Draft.of(row), row=row)


def _edit_refusal(row: Announcement) -> str:
    if row.state != "draft":
        return f"Pengumuman ini tidak dapat diubah lagi karena {_STATE_NOW.get(row.state, row.state)}."
    return "Hanya penulisnya yang dapat mengubah draf ini. Anda dapat menyetujui atau membatalkannya."


@router.post("/{announcement_id}/ubah")
async def edit(request: Request, announcement_id: RowId, session: HumasForm, title: FormText = "",
               body: FormText = "", link: FormText = "", kecamatan: FormList = None) -> Response:
    """Save changes to a draft (its author only); an earlier approval is withdrawn."""
    row = await _get(request, announcement_id)
    draft = _draft(title, body, link, kecamatan)
    if problems := draft.problems(request.app.state.runtime.wilayah):
        return await _form(request, draft, row=row, errors=problems, status_code=400)
    try:
        await _broadcasts(request).edit(announcement_id=row.id, staff=session.staff, title=draft.title,
                                        body=draft.body, link=draft.link or None,
                                        kecamatan=list(draft.kecamatan) or None)
    except (NotAllowedToEdit, WrongState):
        fresh = await _get(request, announcement_id)
        return await _detail(request, fresh, session, error=_edit_refusal(fresh),
                             status_code=403 if fresh.state == "draft" else 409)
    done = "diubah-ulang" if row.approved_by is not None else "diubah"
    return RedirectResponse(f"/admin/pengumuman/{row.id}?ok={done}", status_code=303)


# --- one announcement ---
def _allowed(row: Announcement, session: AdminSession, require_approval: bool) -> list[str]:
    """The actions this staff member may take on the announcement in its state."""
    if row.state == "draft":
        if row.approved_by is not None or not require_approval:
            return ["send", "schedule", "cancel"]
        return ["cancel"] if row.author_id == session.staff.id else ["approve", "cancel"]
    return {"scheduled": ["pause", "cancel"], "sending": ["pause", "cancel"],
            "paused": ["resume", "cancel"]}.get(row.state, [])


def _percent(row: Announcement, stats: dict[str, Any]) -> int:
    """Share of the recipients whose message has left the outbox (sent, failed or skipped)."""
    if not stats["recipients"]:
        return 100 if row.state in ("sending", "sent") else 0
    return 100 * (stats["recipients"] - stats["queued"]) // stats["recipients"]


async def _names(request: Request, *ids: int | None) -> dict[int, str]:
    wanted = {i for i in ids if i is not None}
    return {a.id: a.label for a in await request.app.state.runtime.staff.accounts() if a.id in wanted}


async def _detail(request: Request, row: Announcement, session: AdminSession, *, error: str | None = None,
                  done: str | None = None, status_code: int = 200, no_chat: bool = False) -> HTMLResponse:
    broadcasts = _broadcasts(request)
    stats = await broadcasts.stats(row.id)
    wilayah = request.app.state.runtime.wilayah
    return render(request, "announcement_detail.html", {
        "no_chat": no_chat, "not_reached": stats["failed"] + stats["skipped"],
        "row": row, "stats": stats, "percent": _percent(row, stats), "error": error, "done": done,
        "canary_threshold": broadcasts.canary_threshold,
        "actions": _allowed(row, session, broadcasts.require_approval), "version": _version(row),
        "can_edit": row.state == "draft" and row.author_id == session.staff.id,
        "require_approval": broadcasts.require_approval, "names": await _names(request, row.author_id,
                                                                                row.approved_by),
        "targets": [wilayah.get(code).name if wilayah.get(code) else code for code in _codes(row)],
        "preview": await _preview(request, Draft.of(row), row.id),
        "now_wib": datetime.now(WIB).strftime("%Y-%m-%dT%H:%M")}, status_code=status_code)


@router.get("/{announcement_id}")
async def announcement_page(request: Request, announcement_id: RowId, session: Humas, ok: str = "") -> HTMLResponse:
    """One announcement: its facts, the actions this staff member may take, delivery and the preview.
    `?ok=tanpa-chat`: a test send found no linked chat (the page says how to link one)."""
    return await _detail(request, await _get(request, announcement_id), session, done=_DONE.get(ok),
                         no_chat=ok == "tanpa-chat")


@router.get("/{announcement_id}/stats.json")
async def delivery_stats(request: Request, announcement_id: RowId, session: Humas) -> JSONResponse:
    """What the delivery progress bar polls: the counts, the percent done and the state."""
    row = await _get(request, announcement_id)
    stats = await _broadcasts(request).stats(row.id)
    counts = {k: stats[k] for k in ("recipients", "queued", "sent", "delivered", "failed", "skipped")}
    return JSONResponse({**counts, "percent": _percent(row, stats), "state": row.state,
                         "state_name": STATE_NAMES.get(row.state, row.state),
                         "finished": row.state != "sending" or stats["queued"] == 0})


def _wib(text: str) -> datetime | None:
    """A datetime-local value ("2025-08-17T14:05") read as WIB, in UTC (the timestamp columns do not
    convert an aware time on SQLite); None when unreadable."""
    try:
        at = datetime.fromisoformat(text.strip())
    except ValueError:
        return None
    return (at.replace(tzinfo=WIB) if at.tzinfo is None else at).astimezone(UTC)


async def _apply(request: Request, row: Announcement, action: str, staff: Any, *, versi: str, waktu: str) -> None:
    """Carry out one action through the service; ValueError with the reason when the page refuses it."""
    broadcasts = _broadcasts(request)
    if action == "approve":
        try:
            await broadcasts.approve(announcement_id=row.id, staff=staff, version=versi)
        except Changed:
            raise ValueError("Isi pengumuman ini baru saja diubah. Baca lagi isinya di bawah sebelum "
                             "menyetujui.") from None
    elif action == "schedule":
        at = _wib(waktu)
        if at is None or at <= datetime.now(WIB):
            raise ValueError("Pilih tanggal dan jam kirim (WIB) yang belum lewat.")
        await broadcasts.send(announcement_id=row.id, staff=staff, at=at)
    elif action == "send":
        await broadcasts.send(announcement_id=row.id, staff=staff)
    else:
        await getattr(broadcasts, action)(announcement_id=row.id, staff=staff)


@router.post("/{announcement_id}/{action}")
async def act(request: Request, announcement_id: RowId, action: str, session: HumasForm, versi: FormText = "",
              waktu: FormText = "") -> Response:
    """Approve, send, schedule, pause, resume or cancel; a refusal is explained on the page."""
    if action not in ACTIONS:
        raise HTTPException(404)
    row = await _get(request, announcement_id)
    try:
        await _apply(request, row, action, session.staff, versi=versi, waktu=waktu)
    except LookupError:
        raise HTTPException(404) from None
    except NotAllowedToApprove:
        error, code = "Pengumuman harus disetujui oleh staf lain, bukan oleh penulisnya.", 403
    except NotApproved:
        error, code = "Pengumuman ini belum disetujui. Minta staf humas lain memeriksa dan menyetujuinya dulu.", 409
    except WrongState as exc:
        state = str(exc)
        error, code = (f"Tindakan ini tidak dapat dilakukan karena pengumuman ini {_STATE_NOW.get(state, state)}. "
                       "Keadaannya sekarang tampil di bawah."), 409
    except ValueError as exc:
        error, code = str(exc), 400
    else:
        return RedirectResponse(f"/admin/pengumuman/{row.id}?ok={action}", status_code=303)
    return await _detail(request, await _get(request, announcement_id), session, error=error, status_code=code)
