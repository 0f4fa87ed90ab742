"""The coverage registry pages: search the list (NIK and KPJ masked, within the staff member's
area, each search audited as the API's are) and, for admin and dinsos, upload a CSV or XLSX that
imports in the background with a progress bar, then a summary and the rejected rows (NIK masked).

An upload runs as an asyncio task of this process through `runtime.importer`, the importer and
audit of POST /api/v1/registry/imports. Its progress lives in `ImportJobs`, a small table on
app.state keyed by a random id; only the staff member who started an import sees it. One import
runs at a time (two would race on the same rows); a finished one is forgotten after an hour (its
summary and rejected rows stay in the database and the API, and in the import history). A dry run
keeps the uploaded file in memory for that hour, so that "Impor sekarang" imports the same file
without uploading it again; only the newest dry run of each staff member keeps its file, and it is
let go once imported."""
from __future__ import annotations

import asyncio
import logging
import secrets
import time
from dataclasses import dataclass, field
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, File, Form, Query, Request, UploadFile
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.exceptions import HTTPException

from bot.admin.csrf import posted_by
from bot.admin.session import AdminSession, Forbidden, require_roles
from bot.admin.web import AdminRoute, render
from bot.limits import IMPORT_FILE
from services.registry_import import REASONS, WARNINGS, ImportFailed, count_rows
from services.registry_rows import ROWS_HEADER
from services.sheets import csv_text
from services.staff import StaffInfo

__all__ = ["ImportJob", "ImportJobs", "router"]

log = logging.getLogger(__name__)
router = APIRouter(prefix="/admin/registri", route_class=AdminRoute, include_in_schema=False)
VIEWERS, IMPORTERS = ("admin", "dinsos", "camat", "kades"), ("admin", "dinsos")  # as bot/api/registry.py
Viewer = Annotated[AdminSession, Depends(require_roles(*VIEWERS))]
Importer = Annotated[AdminSession, Depends(require_roles(*IMPORTERS))]
ImporterForm = Annotated[AdminSession, Depends(posted_by(*IMPORTERS))]
MAX_UPLOAD = IMPORT_FILE  # bot/limits.py keeps the body of an import within this plus its form
PAGE_SIZE = 50
_BUSY = "Impor lain sedang berjalan. Tunggu sampai selesai, lalu unggah lagi."


# --- the imports of this process ---
@dataclass
class ImportJob:
    id: str
    owner: int  # the staff id that started it
    filename: str
    dry_run: bool
    total: int | None  # rows in the file; None when an XLSX does not say
    done: int = 0
    finished: bool = False
    summary: dict[str, Any] | None = None
    error: str | None = None
    ended: float | None = None  # time.monotonic() when it finished
    data: bytes | None = field(default=None, repr=False)  # a dry run's file, for "Impor sekarang"
    imported_as: str | None = None  # the id of the real import started from this dry run

    @property
    def can_import_now(self) -> bool:
        return self.dry_run and self.finished and not self.error and self.data is not None

    def as_json(self) -> dict[str, Any]:
        return {"done": self.done, "total": self.total, "finished": self.finished, "summary": self.summary,
                "error": self.error}


class ImportJobs:
    """The page imports of this process, newest last."""

    KEEP_SECONDS = 3600

    def __init__(self) -> None:
        self._jobs: dict[str, ImportJob] = {}

    def running(self) -> bool:
        return any(not job.finished for job in self._jobs.values())

    def add(self, job: ImportJob) -> None:
        self._forget_old()
        if job.data is not None:  # one kept file per staff member: the newest dry run's
            for other in self._jobs.values():
                if other.owner == job.owner:
                    other.data = None
        self._jobs[job.id] = job

    def get(self, job_id: str, *, owner: int) -> ImportJob | None:
        self._forget_old()
        job = self._jobs.get(job_id)
        return job if job is not None and job.owner == owner else None

    def _forget_old(self) -> None:
        cutoff = time.monotonic() - self.KEEP_SECONDS
        self._jobs = {k: j for k, j in self._jobs.items() if j.ended is None or j.ended > cutoff}


def _jobs(request: Request) -> ImportJobs:
    jobs = getattr(request.app.state, "registry_jobs", None)
    if jobs is None:
        jobs = request.app.state.registry_jobs = ImportJobs()
    return jobs


async def _run(rt: Any, job: ImportJob, data: bytes, actor: str) -> None:
    async def progress(rows: int) -> None:
        job.done += rows
        await asyncio.sleep(0)  # let the progress requests in while a big file is checked

    try:
        summary = await rt.importer.run(source=data, filename=job.filename, actor=actor, dry_run=job.dry_run,
                                        progress=progress)
    except ImportFailed as exc:
        job.error = f"File tidak dapat diimpor: {exc}. Tidak ada yang disimpan."
    except Exception:
        log.exception("registry import %s failed", job.id)
        job.error = "Impor gagal karena kesalahan sistem, jadi tidak ada yang disimpan. Coba lagi nanti."
    else:
        job.summary = summary.as_dict()
        job.done = job.total = summary.total
    finally:
        job.finished, job.ended = True, time.monotonic()
        if job.error:
            job.data = None  # nothing to import from a file that failed


def _start(request: Request, job: ImportJob, data: bytes, actor: str) -> None:
    """Start the import; the runtime cancels it with its other tasks at shutdown (the import's one
    transaction then rolls back)."""
    rt = request.app.state.runtime
    task = asyncio.create_task(_run(rt, job, data, actor), name=f"registry-import:{job.id}")
    rt.tasks[:] = [t for t in rt.tasks if not (t.done() and t.get_name().startswith("registry-import:"))]
    rt.tasks.append(task)


# --- search and the upload form ---
def _scope(request: Request, staff: StaffInfo, kecamatan: str, desa: str) -> tuple[str | None, str | None]:
    """The kecamatan and desa a search runs with: what was chosen (a desa brings its kecamatan),
    inside the staff member's own area; Forbidden outside it."""
    wilayah = request.app.state.runtime.wilayah
    kec_place, desa_place = wilayah.get(kecamatan) if kecamatan else None, wilayah.get(desa) if desa else None
    kec = kec_place.code if kec_place is not None and kec_place.level == "kecamatan" else None
    des = desa_place.code if desa_place is not None and desa_place.level != "kecamatan" else None
    if des:
        kec = desa_place.parent_code
    if staff.sees_all:
        return kec, des
    own_kec, own_desa = staff.area_filter()
    if (kec and kec != own_kec) or (des and not staff.can_see(kecamatan_code=own_kec, desa_code=des)):
        raise Forbidden("Data ini di luar wilayah Anda.")
    return own_kec, des or own_desa


def _choices(request: Request, staff: StaffInfo) -> dict[str, Any]:
    """The kecamatan and desa a staff member may search in (a kades: none to choose)."""
    wilayah = request.app.state.runtime.wilayah
    if staff.role == "kades":
        return {"kecamatan_list": [], "villages": {}}
    kecamatan = sorted((k for k in wilayah.kecamatan if staff.sees_all or k.code == staff.kecamatan_code),
                       key=lambda p: p.name)
    villages = {k.code: sorted((v for v in wilayah.villages if v.parent_code == k.code), key=lambda p: p.name)
                for k in kecamatan}
    return {"kecamatan_list": kecamatan if staff.sees_all else [], "villages": villages, "groups": kecamatan}


async def _results(request: Request, staff: StaffInfo, *, q: str, kecamatan: str, desa: str,
                   page: int) -> dict[str, Any]:
    rt = request.app.state.runtime
    kec, des = _scope(request, staff, kecamatan, desa)
    rows, total = await rt.registry.search(kecamatan=kec, desa=des, kategori=None, q=q.strip() or None, page=page,
                                           size=PAGE_SIZE, nik_hash=rt.santunan.nik_digest(q))
    await rt.audit.record(actor=staff.actor, action="registry.view", target="registry",
                          detail={"kecamatan": kec, "desa": des, "kategori": None, "page": page, "rows": len(rows)})
    query = {"cari": "1", "q": q, "kecamatan": kecamatan, "desa": desa}

    def page_url(n: int) -> str:
        return "/admin/registri?" + urlencode({**{k: v for k, v in query.items() if v}, "halaman": n})

    pages = max(1, -(-total // PAGE_SIZE))
    return {"rows": rows, "total": total, "page": page, "pages": pages,
            "prev_url": page_url(page - 1) if page > 1 else None,
            "next_url": page_url(page + 1) if page < pages else None}


async def _search_page(request: Request, session: AdminSession, *, q: str = "", kecamatan: str = "", desa: str = "",
                       page: int = 1, searched: bool = False, error: str | None = None,
                       status_code: int = 200) -> HTMLResponse:
    staff = session.staff
    context: dict[str, Any] = {"q": q, "kecamatan": kecamatan, "desa": desa, "searched": searched, "error": error,
                               "can_import": staff.role in IMPORTERS, "max_mb": MAX_UPLOAD // (1024 * 1024),
                               **_choices(request, staff)}
    if searched:
        context.update(await _results(request, staff, q=q, kecamatan=kecamatan, desa=desa, page=page))
    return render(request, "registry_search.html", context, status_code=status_code)


@router.get("")
async def registry_page(request: Request, session: Viewer, q: Annotated[str, Query(max_length=80)] = "",
                        kecamatan: str = "", desa: str = "", cari: str = "",
                        halaman: Annotated[int, Query(ge=1, le=100000)] = 1) -> HTMLResponse:
    """The search (results once searched), and the upload form for admin and dinsos."""
    return await _search_page(request, session, q=q, kecamatan=kecamatan, desa=desa, page=halaman,
                              searched=bool(cari or q or kecamatan or desa))


# --- upload and follow an import ---
async def _upload_problem(request: Request, data: bytes, filename: str) -> tuple[str | None, int | None]:
    """(what is wrong with the upload, None) or (None, the rows it holds)."""
    if not data:
        return "Pilih file CSV atau XLSX untuk diunggah.", None
    if len(data) > MAX_UPLOAD:
        return (f"File lebih dari {MAX_UPLOAD // (1024 * 1024)} MB. Bagi menjadi beberapa file, lalu unggah "
                "satu per satu."), None
    if _jobs(request).running():
        return _BUSY, None
    try:
        total = await asyncio.to_thread(count_rows, data, filename)
    except ImportFailed as exc:
        return f"File tidak dapat diimpor: {exc}. Tidak ada yang disimpan.", None
    return None, total


@router.post("/impor")
async def upload(request: Request, session: ImporterForm, berkas: Annotated[UploadFile | None, File()] = None,
                 uji: Annotated[str, Form()] = "") -> Response:
    """Check the file's columns, start the import in the background and go to its progress page."""
    data = await berkas.read(MAX_UPLOAD + 1) if berkas is not None else b""
    filename = (berkas.filename if berkas is not None else "") or "unggahan.csv"
    problem, total = await _upload_problem(request, data, filename)
    if problem is None and _jobs(request).running():  # another upload started while this one was counted
        problem = _BUSY
    if problem is not None:
        return await _search_page(request, session, error=problem, status_code=400)
    job = ImportJob(id=secrets.token_urlsafe(12), owner=session.staff.id, filename=filename[:200],
                    dry_run=uji == "ya", total=total, data=data if uji == "ya" else None)
    _jobs(request).add(job)
    _start(request, job, data, session.staff.actor)
    return RedirectResponse(f"/admin/registri/impor/{job.id}", status_code=303)


@router.post("/impor/{job_id}/sekarang")
async def import_now(request: Request, session: ImporterForm, job_id: str) -> Response:
    """Import for real the file a finished dry run checked, without uploading it again."""
    dry = _job(request, session, job_id)
    if dry.imported_as is not None:  # pressed twice: follow the import already started
        return RedirectResponse(f"/admin/registri/impor/{dry.imported_as}", status_code=303)
    if not dry.can_import_now:
        return await _search_page(request, session, status_code=409, error=(
            "File uji ini tidak tersimpan lagi (lebih dari satu jam, atau Anda sudah menguji file lain). "
            "Unggah file itu lagi untuk mengimpornya."))
    if _jobs(request).running():
        return await _search_page(request, session, error=_BUSY, status_code=409)
    data, dry.data = dry.data, None
    job = ImportJob(id=secrets.token_urlsafe(12), owner=session.staff.id, filename=dry.filename, dry_run=False,
                    total=dry.total)
    dry.imported_as = job.id
    _jobs(request).add(job)
    _start(request, job, data, session.staff.actor)
    return RedirectResponse(f"/admin/registri/impor/{job.id}", status_code=303)


def _job(request: Request, session: AdminSession, job_id: str) -> ImportJob:
    job = _jobs(request).get(job_id, owner=session.staff.id)
    if job is None:
        raise HTTPException(404)
    return job


@router.get("/meninggal.csv")
async def deceased(request: Request, session: Viewer) -> Response:
    """Covered workers reported dead in the staff member's area, to report to BPJS Ketenagakerjaan
    (the premium stops, the JKM claim starts): NIK masked, with the santunan report's reference."""
    rt = request.app.state.runtime
    kec, desa = session.staff.area_filter()
    rows = await rt.registry.deceased(kecamatan=kec, desa=desa)
    await rt.audit.record(actor=session.staff.actor, action="registry.deceased_export", detail={"rows": len(rows)})
    table = [["nik", "nama", "kpj", "kategori", "kecamatan", "desa", "akhir_kepesertaan", "status", "nomor_laporan"]]
    table += [[r.nik_masked, r.name, r.kpj_masked or "", r.category, _name(rt, r.kecamatan_code),
               _name(rt, r.desa_code) if r.desa_code else "", r.end_date.isoformat(), r.status, r.reported_dead]
              for r in rows]
    return Response(csv_text(table).encode("utf-8-sig"), media_type="text/csv",
                    headers={"Content-Disposition": 'attachment; filename="peserta-meninggal.csv"'})


def _name(rt: Any, code: str) -> str:
    place = rt.wilayah.get(code)
    return place.name if place else code


@router.get("/impor/{job_id}.json")
async def import_progress(request: Request, session: Importer, job_id: str) -> JSONResponse:
    """{"done", "total", "finished", "summary", "error"}: what the progress bar polls."""
    return JSONResponse(_job(request, session, job_id).as_json())


@router.get("/impor/{job_id}")
async def import_page(request: Request, session: Importer, job_id: str) -> HTMLResponse:
    """The progress bar while the import runs, then its summary and the rejected rows to download."""
    job = _job(request, session, job_id)
    summary = job.summary or {}
    reasons = [(REASONS.get(code, code), n) for code, n in
               sorted(summary.get("rejected_by_reason", {}).items(), key=lambda item: -item[1])]
    warnings = [(WARNINGS.get(code, code), n) for code, n in summary.get("warnings", {}).items() if n]
    percent = 100 if job.finished else (min(99, 100 * job.done // job.total) if job.total else None)
    return render(request, "registry_job.html", {"job": job, "summary": summary, "reasons": reasons,
                                                 "warnings": warnings, "percent": percent})


@router.get("/impor/{job_id}/ditolak.csv")
async def rejected_rows(request: Request, session: Importer, job_id: str) -> Response:
    """The rejected rows with their reasons, NIK masked (audited as the API's download)."""
    job = _job(request, session, job_id)
    import_id = (job.summary or {}).get("import_id")
    rt = request.app.state.runtime
    found = await rt.registry.get_import(import_id) if import_id else None
    if found is None:
        raise HTTPException(404)
    await rt.audit.record(actor=session.staff.actor, action="registry.rejected_download",
                          target=f"registry_import:{import_id}")
    return rows_download(found)


def rows_download(found: Any) -> Response:
    """The rejected and warned rows of a stored import as a CSV download."""
    return Response(found.rejected_csv or ",".join(ROWS_HEADER) + "\n", media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="ditolak-{found.id}.csv"'})
