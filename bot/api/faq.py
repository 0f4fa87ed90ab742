"""Staff API for the knowledge base (CONTRACT.md "Knowledge base"): entries every staff member may
read and admin, dinsos and humas may change (live at once, in every process), the questions the
bot could not answer (masked), and the whole base as CSV or YAML, out and in. Changes are audited."""
from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, HTTPException, Request, Response, UploadFile, status
from pydantic import BaseModel, Field
from starlette.convertors import Convertor, register_url_convertor

from bot.api.deps import NO_NUL, RowId, SignedInFirst, require_roles
from bot.api.problems import NOT_FOUND, SIGNED_IN
from services.answers import KnowledgeBase
from services.answers_io import read_csv, read_yaml, write_csv, write_yaml
from services.staff import ROLES, StaffInfo

__all__ = ["EDITORS", "router"]

EDITORS = ("admin", "dinsos", "humas")


class _EntryId(Convertor):
    """An entry's id in a path: anything but the fixed paths beside it, so that PUT /faq/export.csv is
    a 405 (no such operation) while PUT /faq/abc is a 401 without a token and a 422 with one."""

    regex = r"(?!(?:unanswered|export\.csv|export\.yaml|import)$)[^/]+"

    def convert(self, value: str) -> str:
        return value

    def to_string(self, value: str) -> str:
        return str(value)


register_url_convertor("faq_entry", _EntryId())
router = APIRouter(prefix="/faq", tags=["faq"], responses=SIGNED_IN, route_class=SignedInFirst)
Staff = Annotated[StaffInfo, Depends(require_roles(*ROLES))]
Editor = Annotated[StaffInfo, Depends(require_roles(*EDITORS))]
_MAX_FILE = 2 * 1024 * 1024


class EntryIn(BaseModel):
    question: str = Field(min_length=1, max_length=300, pattern=NO_NUL)
    answer: str = Field(min_length=1, max_length=2000, pattern=NO_NUL)
    alternatives: list[Annotated[str, Field(max_length=300, pattern=NO_NUL)]] = Field(default=[], max_length=30)
    topic: str = Field(default="umum", max_length=40, pattern=NO_NUL)
    action: str | None = Field(default=None, max_length=40, pattern=NO_NUL)
    active: bool = True


def _kb(request: Request) -> KnowledgeBase:
    return request.app.state.runtime.answers


def _bad(exc: ValueError) -> HTTPException:
    return HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, detail=str(exc))


@router.get("")
async def list_entries(request: Request, staff: Staff) -> dict[str, Any]:
    items = [e.public() for e in await _kb(request).entries()]
    return {"items": items, "total": len(items)}


@router.post("", status_code=status.HTTP_201_CREATED)
async def create_entry(request: Request, staff: Editor, body: EntryIn) -> dict[str, Any]:
    try:
        return (await _kb(request).create(actor=staff.actor, values=body.model_dump())).public()
    except ValueError as exc:
        raise _bad(exc) from None


@router.get("/unanswered")
async def unanswered(request: Request, staff: Staff) -> dict[str, Any]:
    items = await _kb(request).unanswered_list()
    return {"items": items, "total": len(items)}


@router.delete("/unanswered/{item_id}", status_code=status.HTTP_204_NO_CONTENT, responses=NOT_FOUND)
async def unanswered_done(request: Request, staff: Editor, item_id: RowId) -> Response:
    if not await _kb(request).unanswered_done(actor=staff.actor, item_id=item_id):
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail="pertanyaan tidak ditemukan")
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/export.csv", responses={200: {"content": {"text/csv": {}}, "description": "every entry"}})
async def export_csv(request: Request, staff: Staff) -> Response:
    return Response(write_csv(await _kb(request).entries()), media_type="text/csv",
                    headers={"Content-Disposition": 'attachment; filename="tanya-jawab.csv"'})


@router.get("/export.yaml", responses={200: {"content": {"application/yaml": {}},
                                                "description": "every entry"}})
async def export_yaml(request: Request, staff: Staff) -> Response:
    return Response(write_yaml(await _kb(request).entries()), media_type="application/yaml",
                    headers={"Content-Disposition": 'attachment; filename="tanya-jawab.yaml"'})


@router.post("/import")
async def import_file(request: Request, staff: Editor, file: Annotated[UploadFile, File()]) -> dict[str, Any]:
    data = await file.read(_MAX_FILE + 1)
    if len(data) > _MAX_FILE:
        raise HTTPException(status.HTTP_413_CONTENT_TOO_LARGE, detail="file: paling besar 2 MB")
    yaml_file = (file.filename or "").lower().endswith((".yaml", ".yml"))
    try:
        rows = read_yaml(data) if yaml_file else read_csv(data)
        return await _kb(request).replace_all(actor=staff.actor, rows=rows)
    except (ValueError, UnicodeDecodeError) as exc:
        raise _bad(ValueError(str(exc))) from None


@router.get("/{entry_id:faq_entry}", responses=NOT_FOUND)
async def get_entry(request: Request, staff: Staff, entry_id: RowId) -> dict[str, Any]:
    found = next((e for e in await _kb(request).entries() if e.id == entry_id), None)
    if found is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail="entri tidak ditemukan")
    return found.public()


@router.put("/{entry_id:faq_entry}", responses=NOT_FOUND)
async def update_entry(request: Request, staff: Editor, entry_id: RowId, body: EntryIn) -> dict[str, Any]:
    try:
        entry = await _kb(request).update(actor=staff.actor, entry_id=entry_id, values=body.model_dump())
    except ValueError as exc:
        raise _bad(exc) from None
    if entry is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail="entri tidak ditemukan")
    return entry.public()


@router.delete("/{entry_id:faq_entry}", status_code=status.HTTP_204_NO_CONTENT, responses=NOT_FOUND)
async def delete_entry(request: Request, staff: Editor, entry_id: RowId) -> Response:
    if not await _kb(request).delete(actor=staff.actor, entry_id=entry_id):
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail="entri tidak ditemukan")
    return Response(status_code=status.HTTP_204_NO_CONTENT)
