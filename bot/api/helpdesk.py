"""Staff API for the helpdesk (CONTRACT.md "Helpdesk"): tickets, their transcripts, replies on the
citizen's channel, private notes, assigning and closing. admin, dinsos and humas see every ticket,
camat and kades those of their area; every read of a transcript is audited."""
from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query, Request, status
from pydantic import BaseModel, Field

from bot.api.deps import NO_NUL, RowId, SignedInFirst, require_roles
from bot.api.problems import CONFLICT, NOT_FOUND, SIGNED_IN
from services.helpdesk import TOPICS
from services.staff import ROLES, StaffInfo
from storage.helpdesk import TicketFilter

__all__ = ["router"]

router = APIRouter(prefix="/helpdesk", tags=["helpdesk"], responses=SIGNED_IN, route_class=SignedInFirst)
Staff = Annotated[StaffInfo, Depends(require_roles(*ROLES))]
Text = Annotated[str, Field(min_length=1, max_length=2000, pattern=NO_NUL)]


class MessageIn(BaseModel):
    text: Text


class AssignIn(BaseModel):
    username: str = Field(min_length=3, max_length=64, pattern=r"^[A-Za-z0-9._ -]+$")


class CloseIn(BaseModel):
    note: str | None = Field(default=None, max_length=1000, pattern=NO_NUL)


def _helpdesk(request: Request) -> Any:
    return request.app.state.runtime.helpdesk


async def _visible(request: Request, staff: StaffInfo, ticket_id: int) -> Any:
    try:
        return await _helpdesk(request).visible(staff, ticket_id)
    except LookupError:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail="percakapan tidak ditemukan") from None


@router.get("/tickets")
async def list_tickets(request: Request, staff: Staff,
                       status_: Annotated[str | None, Query(alias="status", pattern="^(open|closed)$")] = None,
                       assignee: Annotated[str | None, Query(max_length=64, pattern=NO_NUL)] = None,
                       kecamatan: Annotated[str | None, Query(max_length=60, pattern=NO_NUL)] = None,
                       topic: Annotated[str | None, Query(max_length=16, pattern=NO_NUL)] = None,
                       unassigned: bool = False, page: Annotated[int, Query(ge=1, le=100000)] = 1,
                       size: Annotated[int, Query(ge=1, le=200)] = 50) -> dict[str, Any]:
    rt, helpdesk = request.app.state.runtime, _helpdesk(request)
    if topic is not None and topic not in TOPICS:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, detail=f"topic: salah satu dari {', '.join(TOPICS)}")
    kec = rt.wilayah.match_kecamatan(kecamatan).place if kecamatan else None
    if kecamatan and kec is None:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, detail="kecamatan tidak dikenal")
    if kec is not None and not staff.sees_all and not staff.can_see(kecamatan_code=kec.code, desa_code=None):
        raise HTTPException(status.HTTP_403_FORBIDDEN, detail="Data ini di luar wilayah Anda")  # as /reports
    assignee_id = (await helpdesk.staff_id(assignee) or -1) if assignee else None  # unknown: no tickets
    f = TicketFilter(status=status_, assignee_id=assignee_id, unassigned=unassigned, topic=topic,
                     kecamatan=kec.code if kec else None)
    rows, total = await helpdesk.search(staff, f, page=page, size=size)
    return {"items": await helpdesk.summaries(rows), "total": total, "page": page, "size": size}


@router.get("/tickets/{ticket_id}", responses=NOT_FOUND)
async def get_ticket(request: Request, staff: Staff, ticket_id: RowId) -> dict[str, Any]:
    helpdesk = _helpdesk(request)
    try:
        view = await helpdesk.view(staff, ticket_id)
    except LookupError:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail="percakapan tidak ditemukan") from None
    [summary] = await helpdesk.summaries([view.ticket])
    return {**summary,
            "messages": [{"id": m.id, "direction": m.direction, "text": m.text, "at": m.at,
                          "by": f"staff:{m.staff_id}" if m.staff_id else None, "delivery": m.delivery,
                          "media": m.media_type} for m in view.messages],
            "events": [{"kind": e.kind, "actor": e.actor, "detail": e.detail, "at": e.at} for e in view.events]}


@router.post("/tickets/{ticket_id}/messages", status_code=status.HTTP_201_CREATED, responses={**NOT_FOUND,
                                                                                               **CONFLICT})
async def reply(request: Request, staff: Staff, ticket_id: RowId, body: MessageIn) -> dict[str, Any]:
    await _visible(request, staff, ticket_id)
    try:
        delivery, message_id = await _helpdesk(request).reply(staff, ticket_id, body.text.strip())
    except ValueError:
        raise HTTPException(status.HTTP_409_CONFLICT, detail="percakapan ini sudah ditutup") from None
    return {"id": message_id, "delivery": delivery}


@router.post("/tickets/{ticket_id}/notes", status_code=status.HTTP_201_CREATED, responses=NOT_FOUND)
async def note(request: Request, staff: Staff, ticket_id: RowId, body: MessageIn) -> dict[str, Any]:
    await _visible(request, staff, ticket_id)
    return {"id": await _helpdesk(request).note(staff, ticket_id, body.text.strip())}


@router.post("/tickets/{ticket_id}/assign", responses={**NOT_FOUND, 422: {"description": "no such staff member"}})
async def assign(request: Request, staff: Staff, ticket_id: RowId, body: AssignIn) -> dict[str, Any]:
    await _visible(request, staff, ticket_id)
    try:
        target = await _helpdesk(request).assign(staff, ticket_id, body.username)
    except LookupError:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, detail="username: tidak ada akun aktif itu") \
            from None
    except PermissionError:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT,
                            detail="username: percakapan ini di luar wilayah akun itu") from None
    return {"id": ticket_id, "assignee": target.username}


@router.post("/tickets/{ticket_id}/close", responses={**NOT_FOUND, **CONFLICT})
async def close(request: Request, staff: Staff, ticket_id: RowId, body: CloseIn | None = None) -> dict[str, Any]:
    await _visible(request, staff, ticket_id)
    if not await _helpdesk(request).close(staff, ticket_id, body.note if body else None):
        raise HTTPException(status.HTTP_409_CONFLICT, detail="percakapan ini sudah ditutup")
    return {"id": ticket_id, "status": "closed"}
