"""Staff API for the coverage registry: search (NIK masked, area-scoped), statistics, and imports
with their rejected rows. Every view of personal data is audited."""
from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query, Request, UploadFile, status
from fastapi.responses import Response

from bot.api.deps import NO_NUL, RowId, SignedInFirst, check_area, require_roles
from bot.api.problems import NOT_FOUND, SIGNED_IN, TOO_LARGE
from bot.limits import IMPORT_FILE
from services.registry_import import ImportFailed
from services.staff import StaffInfo

__all__ = ["router"]

router = APIRouter(prefix="/registry", tags=["registry"], responses=SIGNED_IN, route_class=SignedInFirst)
Viewer = Annotated[StaffInfo, Depends(require_roles("admin", "dinsos", "camat", "kades"))]
Importer = Annotated[StaffInfo, Depends(require_roles("admin", "dinsos"))]
MAX_UPLOAD = IMPORT_FILE  # bot/limits.py keeps the body of an import within this plus its form


def _runtime(request: Request) -> Any:
    return request.app.state.runtime


def _place(request: Request, text: str | None, *, desa_in: str | None = None) -> str | None:
    """A kecamatan (or, with `desa_in`, a desa inside it) given by code or by name; 422 if unknown."""
    if not text:
        return None
    wilayah = _runtime(request).wilayah
    found = wilayah.match_desa(desa_in, text) if desa_in else wilayah.match_kecamatan(text)
    if found.place is None:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, detail=f"wilayah tidak dikenal: {text[:60]}")
    return found.place.code


def _scope(request: Request, staff: StaffInfo, kecamatan: str | None,
           desa: str | None) -> tuple[str | None, str | None]:
    """The filters a query runs with: what was asked, inside the staff member's own area (403 for a
    kecamatan or desa outside it)."""
    own_kec, own_desa = staff.area_filter()
    kec = _place(request, kecamatan) or own_kec
    if desa and not kec:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, detail="desa perlu kecamatan")
    des = _place(request, desa, desa_in=kec) or own_desa
    if not staff.sees_all:
        check_area(staff, kecamatan_code=kec, desa_code=des)
        if kec != own_kec or (own_desa and des != own_desa):
            raise HTTPException(status.HTTP_403_FORBIDDEN, detail="Data ini di luar wilayah Anda")
    return kec, des


@router.get("")
async def search(request: Request, staff: Viewer, kecamatan: str | None = None, desa: str | None = None,
                 kategori: Annotated[str | None, Query(pattern=NO_NUL)] = None,
                 q: Annotated[str | None, Query(max_length=80, pattern=NO_NUL)] = None,
                 page: Annotated[int, Query(ge=1, le=100000)] = 1,
                 size: Annotated[int, Query(ge=1, le=200)] = 50) -> dict[str, Any]:
    rt = _runtime(request)
    kec, des = _scope(request, staff, kecamatan, desa)
    rows, total = await rt.registry.search(kecamatan=kec, desa=des, kategori=kategori, q=q, page=page, size=size,
                                           nik_hash=rt.santunan.nik_digest(q) if q else None)
    await rt.audit.record(actor=staff.actor, action="registry.view", target="registry",
                          detail={"kecamatan": kec, "desa": des, "kategori": kategori, "page": page,
                                  "rows": len(rows)})
    names = rt.wilayah
    return {"total": total, "page": page, "size": size, "items": [{
        "id": r.id, "nik": r.nik_masked, "nama": r.name, "kategori": r.category, "program": r.programmes.split(","),
        "kecamatan": r.kecamatan_code, "kecamatan_nama": names.get(r.kecamatan_code).name,
        "desa": r.desa_code, "desa_nama": names.get(r.desa_code).name if r.desa_code else None,
        "mulai": r.start_date.isoformat(), "akhir": r.end_date.isoformat(), "status": r.status,
        "dilaporkan_meninggal": r.reported_dead, "kpj": r.kpj_masked} for r in rows]}


@router.get("/stats")
async def stats(request: Request, staff: Viewer, kecamatan: str | None = None) -> dict[str, Any]:
    rt = _runtime(request)
    kec, des = _scope(request, staff, kecamatan, None)
    by_kecamatan: dict[str, dict[str, Any]] = {}
    by_category: dict[str, int] = {}
    for code, category, n in await rt.registry.stats(kecamatan=kec, desa=des):
        entry = by_kecamatan.setdefault(code, {"kecamatan": code, "nama": rt.wilayah.get(code).name, "total": 0,
                                               "kategori": {}})
        entry["total"] += n
        entry["kategori"][category] = n
        by_category[category] = by_category.get(category, 0) + n
    return {"total": sum(by_category.values()), "by_kecamatan": list(by_kecamatan.values()),
            "by_kategori": by_category, "last_import_at": await rt.registry.last_import_at()}


@router.post("/imports", status_code=status.HTTP_201_CREATED, responses=TOO_LARGE)
async def upload(request: Request, staff: Importer, file: UploadFile, dry_run: bool = False) -> dict[str, Any]:
    data = await file.read(MAX_UPLOAD + 1)
    if len(data) > MAX_UPLOAD:
        raise HTTPException(status.HTTP_413_REQUEST_ENTITY_TOO_LARGE, detail="file lebih dari 50 MB")
    try:
        summary = await _runtime(request).importer.run(source=data, filename=file.filename or "upload.csv",
                                                       actor=staff.actor, dry_run=dry_run)
    except ImportFailed as exc:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, detail=str(exc)) from None
    return {**summary.as_dict(), "rejected_url": f"/api/v1/registry/imports/{summary.import_id}/rejected.csv"}


@router.get("/imports/{import_id}", responses=NOT_FOUND)
async def import_summary(request: Request, staff: Importer, import_id: RowId) -> dict[str, Any]:
    found = await _runtime(request).registry.get_import(import_id)
    if found is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail="impor tidak ditemukan")
    return {"id": found.id, "at": found.at, "filename": found.filename, **json.loads(found.summary)}


@router.get("/imports/{import_id}/rejected.csv", response_class=Response,
            responses={200: {"content": {"text/csv": {}}, "description": "the rejected rows"}, **NOT_FOUND})
async def rejected_rows(request: Request, staff: Importer, import_id: RowId) -> Response:
    rt = _runtime(request)
    found = await rt.registry.get_import(import_id)
    if found is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail="impor tidak ditemukan")
    await rt.audit.record(actor=staff.actor, action="registry.rejected_download", target=f"registry_import:{import_id}")
    return Response(found.rejected_csv or "baris,nik,nama,alasan,keterangan\n", media_type="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="ditolak-{import_id}.csv"'})
