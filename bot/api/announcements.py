"""Staff API for announcements (humas, admin): create, approve (a second person), send now or at a
time, and read with delivery stats."""
from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, HTTPException, Request, status
from pydantic import AwareDatetime, BaseModel, Field, field_validator

from bot.api.deps import NO_NUL, RowId, SignedInFirst, require_roles
from bot.api.problems import CONFLICT, NOT_FOUND, SIGNED_IN
from services.announcements import (
    APPROVER_ROLES,
    Changed,
    NotAllowedToApprove,
    NotApproved,
    WrongState,
    content_version,
)
from services.staff import StaffInfo

__all__ = ["router"]

router = APIRouter(prefix="/announcements", tags=["announcements"], responses=SIGNED_IN,
                   route_class=SignedInFirst)
Humas = Annotated[StaffInfo, Depends(require_roles(*APPROVER_ROLES))]
CHANGES = {**NOT_FOUND, **CONFLICT}  # what _service_errors answers


class AnnouncementIn(BaseModel):
    title: str = Field(min_length=3, max_length=120, pattern=NO_NUL)
    body: str = Field(min_length=3, max_length=3000, pattern=NO_NUL)
    link: str | None = Field(default=None, max_length=300, pattern=r"^https?://[^\x00]*$")
    kecamatan: list[str] | None = Field(default=None, max_length=18)


class ApproveIn(BaseModel):
    # `version` from GET /announcements/{id}: the text the approver read; approving after it changed is 409
    version: str | None = Field(default=None, max_length=64, pattern=r"^[0-9a-f]*$")


class SendIn(BaseModel):
    at: AwareDatetime | None = None  # with its offset (+07:00 for WIB); a time past or now sends at once

    @field_validator("at")
    @classmethod
    def _in_utc(cls, at: datetime | None) -> datetime | None:
        try:  # 9999-12-31T23:59-01:00 is in no year a database can store
            return at.astimezone(UTC) if at is not None else None
        except OverflowError:
            raise ValueError("waktu di luar jangkauan") from None


def _rt(request: Request) -> Any:
    return request.app.state.runtime


async def _view(request: Request, row: Any) -> dict[str, Any]:
    rt = _rt(request)
    kecamatan = json.loads(row.kecamatan) if row.kecamatan else None
    return {"id": row.id, "state": row.state, "version": content_version(row), "title": row.title, "body": row.body,
            "link": row.link,
            "kecamatan": kecamatan, "author_id": row.author_id, "approved_by": row.approved_by,
            "send_at": row.send_at, "sent_at": row.sent_at, "paused_reason": row.paused_reason,
            "stats": await rt.broadcasts.stats(row.id), "failures": await rt.broadcasts.failures(row.id),
            "audience": await rt.broadcasts.audience(kecamatan)}


@router.post("", status_code=status.HTTP_201_CREATED)
async def create(request: Request, staff: Humas, body: AnnouncementIn) -> dict[str, Any]:
    codes = None
    if body.kecamatan:
        places = [_rt(request).wilayah.match_kecamatan(k).place for k in body.kecamatan]
        if not all(places):
            raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, detail="kecamatan tidak dikenal")
        codes = [p.code for p in places]
    row = await _rt(request).broadcasts.create(title=body.title, body=body.body, link=body.link, kecamatan=codes,
                                               author=staff)
    return await _view(request, row)


@router.get("/{announcement_id}", responses=NOT_FOUND)
async def read(request: Request, staff: Humas, announcement_id: RowId) -> dict[str, Any]:
    row = await _rt(request).broadcasts.get(announcement_id)
    if row is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND)
    return await _view(request, row)


@contextmanager
def _service_errors() -> Iterator[None]:
    """The announcement service's refusals as HTTP answers."""
    try:
        yield
    except LookupError:
        raise HTTPException(status.HTTP_404_NOT_FOUND) from None
    except NotAllowedToApprove:
        raise HTTPException(status.HTTP_403_FORBIDDEN, detail="Pengumuman harus disetujui orang lain") from None
    except NotApproved:
        raise HTTPException(status.HTTP_409_CONFLICT, detail="Pengumuman belum disetujui") from None
    except Changed:
        raise HTTPException(status.HTTP_409_CONFLICT,
                            detail="Isi pengumuman sudah diubah sejak dibaca; baca lagi sebelum menyetujui") from None
    except WrongState as exc:
        raise HTTPException(status.HTTP_409_CONFLICT, detail=f"pengumuman sudah {exc}") from None


@router.post("/{announcement_id}/approve", responses=CHANGES)
async def approve(request: Request, staff: Humas, announcement_id: RowId,
                  body: Annotated[ApproveIn | None, Body()] = None) -> dict[str, Any]:
    with _service_errors():
        row = await _rt(request).broadcasts.approve(announcement_id=announcement_id, staff=staff,
                                                    version=body.version if body else None)
    return await _view(request, row)


@router.post("/{announcement_id}/send", status_code=status.HTTP_202_ACCEPTED, responses=CHANGES)
async def send(request: Request, staff: Humas, announcement_id: RowId,
               body: Annotated[SendIn | None, Body()] = None) -> dict[str, Any]:
    with _service_errors():
        row = await _rt(request).broadcasts.send(announcement_id=announcement_id, staff=staff,
                                                 at=body.at if body else None)
    return await _view(request, row)


async def _change(request: Request, staff: StaffInfo, announcement_id: int, verb: str) -> dict[str, Any]:
    with _service_errors():
        row = await getattr(_rt(request).broadcasts, verb)(announcement_id=announcement_id, staff=staff)
    return await _view(request, row)


@router.post("/{announcement_id}/pause", responses=CHANGES)
async def pause(request: Request, staff: Humas, announcement_id: RowId) -> dict[str, Any]:
    return await _change(request, staff, announcement_id, "pause")


@router.post("/{announcement_id}/resume", responses=CHANGES)
async def resume(request: Request, staff: Humas, announcement_id: RowId) -> dict[str, Any]:
    return await _change(request, staff, announcement_id, "resume")


@router.post("/{announcement_id}/cancel", responses=CHANGES)
async def cancel(request: Request, staff: Humas, announcement_id: RowId) -> dict[str, Any]:
    return await _change(request, staff, announcement_id, "cancel")
