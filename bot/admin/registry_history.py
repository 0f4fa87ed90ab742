"""The coverage list's import template (CSV and XLSX: the columns and one example row) and the
import history (who, when in WIB, which file, the counts, dry run or real), each import's rejected
and warned rows downloadable from it. For admin and dinsos, as the upload itself."""
from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response
from starlette.exceptions import HTTPException

from bot.admin.registry import Importer, rows_download
from bot.admin.web import AdminRoute, render
from bot.api.deps import RowId
from services.registry_rows import template_rows
from services.sheets import csv_text, xlsx_bytes

__all__ = ["router"]

router = APIRouter(prefix="/admin/registri", route_class=AdminRoute, include_in_schema=False)
PAGE_SIZE = 30
_OTHER_ACTORS = {"cli": "perintah import-registry", "demo": "data demo", "system": "sistem"}
_XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@router.get("/templat.csv")
async def template_csv(request: Request, session: Importer) -> Response:
    """The columns the import reads, with one example row to replace."""
    return Response(csv_text(template_rows()).encode("utf-8-sig"), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": 'attachment; filename="templat-daftar-peserta.csv"'})


@router.get("/templat.xlsx")
async def template_xlsx(request: Request, session: Importer) -> Response:
    return Response(xlsx_bytes(template_rows()), media_type=_XLSX,
                    headers={"Content-Disposition": 'attachment; filename="templat-daftar-peserta.xlsx"'})


def _counts(summary: str) -> dict[str, Any]:
    try:
        found = json.loads(summary or "{}")
    except ValueError:
        found = {}
    warned = found.get("warned")
    if warned is None:  # imports from before rows with warnings were counted: the warnings
        warned = sum((found.get("warnings") or {}).values())
    return {"total": found.get("total", 0), "new": found.get("new", 0), "updated": found.get("updated", 0),
            "unchanged": found.get("unchanged", 0), "rejected": found.get("rejected", 0), "warned": warned}


@router.get("/riwayat")
async def history(request: Request, session: Importer,
                  halaman: Annotated[int, Query(ge=1, le=100000)] = 1) -> HTMLResponse:
    """Every import and dry run, newest first."""
    rt = request.app.state.runtime
    rows, total = await rt.registry.imports(limit=PAGE_SIZE, offset=(halaman - 1) * PAGE_SIZE)
    names = await rt.staff.labels()  # "Nama (Jabatan)", else the username, as every history
    items = [(r, names.get(r.actor) or _OTHER_ACTORS.get(r.actor, r.actor), _counts(r.summary)) for r in rows]
    return render(request, "registry_history.html", {"items": items, "page": halaman,
                                                     "pages": max(1, -(-total // PAGE_SIZE))})


@router.get("/riwayat/{import_id}/baris.csv")
async def history_rows(request: Request, session: Importer, import_id: RowId) -> Response:
    """One past import's rejected and warned rows (NIK masked), audited as the other downloads."""
    rt = request.app.state.runtime
    found = await rt.registry.get_import(import_id)
    if found is None:
        raise HTTPException(404)
    await rt.audit.record(actor=session.staff.actor, action="registry.rejected_download",
                          target=f"registry_import:{import_id}")
    return rows_download(found)
