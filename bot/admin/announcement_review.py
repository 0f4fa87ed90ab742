"""What helps an announcement get checked before it goes out: the count of drafts waiting for this
approver (the menu's counter), a test send to one's own linked chat, and the recipients it did not
reach as a CSV (address masked for the roles that may not see it whole).

Its routes come before bot/admin/announcements.py's `/{announcement_id}/{action}` in bot/admin/__init__.py."""
from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response

from bot.admin.announcements import Humas, HumasForm, _broadcasts, _get
from bot.admin.labels import CHANNEL_NAMES
from bot.admin.web import AdminRoute
from bot.api.deps import RowId
from services.privacy import mask_phone
from services.sheets import csv_text, wib_cell

__all__ = ["FULL_ADDRESS_ROLES", "router"]

router = APIRouter(prefix="/admin/pengumuman", route_class=AdminRoute, include_in_schema=False)
FULL_ADDRESS_ROLES = ("admin",)  # who may see a recipient's whole number or chat id (humas: masked)
HEADER = ["Penerima", "Kanal", "Kecamatan langganan", "Keadaan", "Keterangan", "Waktu (WIB)"]
_STATUS = {"failed": "gagal", "skipped": "dilewati", "held": "ditahan"}


@router.get("/menunggu.json")
async def waiting_count(request: Request, session: Humas) -> JSONResponse:
    """{"menunggu": drafts this staff member may approve}: the menu's counter on the other pages."""
    return JSONResponse({"menunggu": len(await _broadcasts(request).awaiting_approval(session.staff))})


@router.post("/{announcement_id}/uji")
async def test_send(request: Request, announcement_id: RowId, session: HumasForm) -> Response:
    """Send this announcement, marked as a test, to the staff member's own linked chat only."""
    row = await _get(request, announcement_id)
    try:
        queued = await _broadcasts(request).test_send(announcement_id=row.id, staff=session.staff)
    except LookupError:
        return RedirectResponse("/admin/pengumuman", status_code=303)
    return RedirectResponse(f"/admin/pengumuman/{row.id}?ok={'uji' if queued else 'tanpa-chat'}", status_code=303)


def _masked(channel: str, address: str) -> str:
    """A WhatsApp number as the house masks phones; any other address (a Telegram chat id) keeps its last 3."""
    return mask_phone(address) if channel == "whatsapp" else "•••" + address[-3:]


@router.get("/{announcement_id}/gagal.csv")
async def failed_csv(request: Request, announcement_id: RowId, session: Humas) -> Response:
    """The recipients this announcement did not reach (failed, skipped or held), with the reason:
    Indonesian headers, WIB times, the address masked unless the role may see it whole; audited."""
    row = await _get(request, announcement_id)
    rt = request.app.state.runtime
    found = await _broadcasts(request).failed_rows(row.id)
    full = session.staff.role in FULL_ADDRESS_ROLES

    def area(code: str | None) -> str:
        place = rt.wilayah.get(code) if code else None
        return place.name if place else (code or "Seluruh OKI")

    table = [HEADER] + [[r.address if full else _masked(r.channel, r.address), CHANNEL_NAMES.get(r.channel, r.channel),
                         area(r.kecamatan), _STATUS.get(r.status, r.status), r.last_error or "", wib_cell(r.at)]
                        for r in found]
    await rt.audit.record(actor=session.staff.actor, action="announcement.failed_export",
                          target=f"announcement:{row.id}", detail={"rows": len(found), "masked": not full})
    return Response(csv_text(table).encode("utf-8-sig"), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="pengumuman-{row.id}-gagal.csv"'})
