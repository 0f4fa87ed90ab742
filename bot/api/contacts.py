"""Staff API for a contact's data rights (UU PDP No. 27/2022), for admins acting on a citizen's
request made outside the chat (a letter, a visit): what is held about a contact, and erasing it, by
our contact id or by the channel and the channel's id of the person. The latter travel in a POST
body, never in the URL, so a phone number stays out of access logs. Audited as in the chat
(services/data_rights.py); numbers come back masked."""
from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Request, status
from pydantic import BaseModel, Field

from bot.api.deps import NO_NUL, RowId, SignedInFirst, require_roles
from bot.api.problems import NOT_FOUND, SIGNED_IN
from conversations.parsing import parse_phone
from services.data_rights import Erasure, Holdings
from services.privacy import mask_phone
from services.staff import StaffInfo

__all__ = ["router"]

router = APIRouter(prefix="/contacts", tags=["data pribadi"], responses={**SIGNED_IN, **NOT_FOUND},
                   route_class=SignedInFirst)
Admin = Annotated[StaffInfo, Depends(require_roles("admin"))]
KEPT = ("Santunan reports are kept whole as government records (UU 27/2022 Pasal 15 ayat (1) huruf c); "
        "only their link to this contact is removed, so status notices no longer reach the chat.")


class ContactRef(BaseModel):
    channel: Literal["whatsapp", "telegram", "web"]
    # WhatsApp: the number in any usual form; Telegram: the chat id; web chat: the browser's id
    user_id: str = Field(min_length=1, max_length=64, pattern=NO_NUL)


def _rt(request: Request) -> Any:
    return request.app.state.runtime


def _masked_id(held: Holdings) -> str:
    if held.erased:
        return held.channel_user_id
    if held.channel == "whatsapp":
        return mask_phone(held.channel_user_id)
    return "•••" + held.channel_user_id[-3:]


def _iso(at: datetime | None) -> str | None:
    return at.isoformat() if at else None


def _holdings(held: Holdings) -> dict[str, Any]:
    return {"id": held.contact_id, "channel": held.channel, "erased": held.erased, "user_id": _masked_id(held),
            "phone": mask_phone(held.phone) if held.phone else None, "display_name": held.display_name,
            "subscribed": held.subscribed, "subscription_kecamatan": held.subscription_kecamatan,
            "nik_linked": held.nik_linked, "nik": held.nik_masked, "created_at": _iso(held.created_at),
            "last_inbound_at": _iso(held.last_inbound_at),
            "reports": [{"reference": r.reference, "status": r.status} for r in held.reports],
            "pending_messages": held.pending_messages, "staff_chat": held.staff_chat,
            "helpdesk_tickets": [{"id": i, "status": st} for i, st in held.tickets], "on_erasure": KEPT}


def _erasure(erased: Erasure) -> dict[str, Any]:
    return {"id": erased.contact_id, "erased": True, "conversation_ended": erased.conversation_ended,
            "reports_kept": [{"reference": r.reference, "status": r.status} for r in erased.reports_kept],
            **erased.forgotten.counts(), "note": KEPT}


def _not_found() -> HTTPException:
    return HTTPException(status.HTTP_404_NOT_FOUND, detail="kontak tidak ditemukan")


async def _find(request: Request, ref: ContactRef) -> int:
    user_id = ref.user_id.strip()
    if ref.channel == "whatsapp":
        user_id = parse_phone(user_id).value or user_id.removeprefix("whatsapp:")
    found = await _rt(request).data_rights.find(channel=ref.channel, user_id=user_id)
    if found is None:
        raise _not_found()
    return found


async def _access(request: Request, staff: StaffInfo, contact_id: int) -> dict[str, Any]:
    held = await _rt(request).data_rights.access(contact_id=contact_id, actor=staff.actor, via="api")
    if held is None:
        raise _not_found()
    return _holdings(held)


async def _erase(request: Request, staff: StaffInfo, contact_id: int) -> dict[str, Any]:
    erased = await _rt(request).data_rights.erase(contact_id=contact_id, actor=staff.actor, via="api")
    if erased is None:
        raise _not_found()
    return _erasure(erased)


@router.get("/{contact_id}/data")
async def contact_data(request: Request, staff: Admin, contact_id: RowId) -> dict[str, Any]:
    """What the service holds about this contact (numbers masked); audited."""
    return await _access(request, staff, contact_id)


@router.post("/{contact_id}/erase")
async def erase_contact(request: Request, staff: Admin, contact_id: RowId) -> dict[str, Any]:
    """Forget this contact; its santunan reports stay, unlinked. Audited with counts only."""
    return await _erase(request, staff, contact_id)


@router.post("/data")
async def contact_data_by_channel(request: Request, staff: Admin, body: ContactRef) -> dict[str, Any]:
    """As GET /contacts/{id}/data, found by channel and the channel's id of the person."""
    return await _access(request, staff, await _find(request, body))


@router.post("/erase")
async def erase_contact_by_channel(request: Request, staff: Admin, body: ContactRef) -> dict[str, Any]:
    """As POST /contacts/{id}/erase, found by channel and the channel's id of the person."""
    return await _erase(request, staff, await _find(request, body))
