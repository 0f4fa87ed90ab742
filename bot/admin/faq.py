"""The knowledge base in the admin, under /admin/tanya-jawab: every entry with its use and
helpfulness, the questions the bot could not answer (most frequent first, each with "Buat jawaban
dari ini", which opens a new entry prefilled), CSV and YAML out; admin, dinsos and humas edit,
delete and import under /admin/tanya-jawab/ubah. An edit is answered from the citizen's next
message, in every process (services/answers.py); each is audited."""
from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from bot.admin.csrf import posted_by
from bot.admin.session import AdminSession, CurrentSession, require_roles
from bot.admin.web import AdminRoute, render
from bot.api.faq import EDITORS
from services.answers import ACTIONS, KnowledgeBase
from services.answers_io import read_csv, read_yaml, write_csv, write_yaml

__all__ = ["router"]

router = APIRouter(prefix="/admin/tanya-jawab", route_class=AdminRoute, include_in_schema=False)
Editor = Annotated[AdminSession, Depends(require_roles(*EDITORS))]
EditorForm = Annotated[AdminSession, Depends(posted_by(*EDITORS))]
FormText = Annotated[str, Form()]
_MAX_FILE = 2 * 1024 * 1024
_DONE = {"disimpan": "Jawaban disimpan. Sudah dipakai untuk pesan warga berikutnya.", "dihapus": "Jawaban dihapus.",
         "diimpor": "Berkas diimpor."}


def _kb(request: Request) -> KnowledgeBase:
    return request.app.state.runtime.answers


@router.get("")
async def faq_page(request: Request, session: CurrentSession, ok: str = "") -> HTMLResponse:
    kb = _kb(request)
    return render(request, "faq_list.html", {"entries": await kb.entries(), "unanswered": await kb.unanswered_list(),
                                             "done": _DONE.get(ok), "editor": session.staff.role in EDITORS})


@router.get("/ekspor.{fmt}")
async def faq_export(request: Request, session: CurrentSession, fmt: str) -> Response:
    entries = await _kb(request).entries()
    if fmt == "yaml":
        return Response(write_yaml(entries), media_type="application/yaml; charset=utf-8",
                        headers={"Content-Disposition": 'attachment; filename="tanya-jawab.yaml"'})
    if fmt != "csv":
        return Response("Format tidak dikenal", status_code=404)
    return Response(write_csv(entries), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": 'attachment; filename="tanya-jawab.csv"'})


def _form(request: Request, values: dict[str, Any], *, error: str | None = None,
          status_code: int = 200) -> HTMLResponse:
    return render(request, "faq_form.html", {"values": values, "error": error, "actions": ACTIONS},
                  status_code=status_code)


@router.get("/ubah/baru")
async def faq_new(request: Request, session: Editor, dari: int = 0) -> HTMLResponse:
    asked = next((u for u in await _kb(request).unanswered_list() if u["id"] == dari), None)
    return _form(request, {"id": "", "question": asked["text"] if asked else "", "alternatives": "",
                           "answer": "", "topic": "umum", "action": "", "active": True,
                           "from": dari if asked else ""})


@router.get("/ubah/{entry_id}")
async def faq_edit(request: Request, session: Editor, entry_id: int) -> HTMLResponse:
    entry = next((e for e in await _kb(request).entries() if e.id == entry_id), None)
    if entry is None:
        return _missing(request)
    return _form(request, {**entry.public(), "alternatives": "\n".join(entry.alternatives),
                           "action": entry.action or "", "from": ""})


@router.post("/ubah")
async def faq_save(request: Request, session: EditorForm, id: FormText = "", question: FormText = "",
                   answer: FormText = "", alternatives: FormText = "", topic: FormText = "umum",
                   action: FormText = "", active: FormText = "", dari: FormText = "") -> Response:
    kb, actor = _kb(request), session.staff.actor
    values = {"question": question, "answer": answer, "alternatives": alternatives.replace("\r", ""),
              "topic": topic, "action": action or None, "active": bool(active)}
    try:
        if id.isdigit():
            if await kb.update(actor=actor, entry_id=int(id), values=values) is None:
                return _missing(request)
        else:
            await kb.create(actor=actor, values=values)
            if dari.isdigit():
                await kb.unanswered_done(actor=actor, item_id=int(dari))
    except ValueError as exc:
        return _form(request, {**values, "id": id, "action": action, "from": dari}, error=_message(exc),
                     status_code=400)
    return RedirectResponse("/admin/tanya-jawab?ok=disimpan", status_code=303)


def _missing(request: Request) -> HTMLResponse:
    return render(request, "message.html", {"title": "Tidak ditemukan", "text": "Jawaban itu tidak ada."},
                  status_code=404)


def _message(exc: ValueError) -> str:
    field = str(exc).split(":", 1)[0]
    return {"question": "Isi pertanyaannya (paling banyak 300 huruf).",
            "answer": "Isi jawabannya (paling banyak 2000 huruf).",
            "action": "Pilih layanan yang ditawarkan dari daftar."}.get(field, "Isian belum benar.")


@router.post("/ubah/{entry_id}/hapus")
async def faq_delete(request: Request, session: EditorForm, entry_id: int) -> Response:
    await _kb(request).delete(actor=session.staff.actor, entry_id=entry_id)
    return RedirectResponse("/admin/tanya-jawab?ok=dihapus", status_code=303)


@router.post("/ubah/impor")
async def faq_import(request: Request, session: EditorForm, berkas: Annotated[UploadFile, File()]) -> Response:
    data = await berkas.read(_MAX_FILE + 1)
    try:
        if len(data) > _MAX_FILE:
            raise ValueError("file: terlalu besar")
        yaml_file = (berkas.filename or "").lower().endswith((".yaml", ".yml"))
        rows = read_yaml(data) if yaml_file else read_csv(data)
        await _kb(request).replace_all(actor=session.staff.actor, rows=rows)
    except (ValueError, UnicodeDecodeError):
        return render(request, "message.html", {"title": "Berkas tidak bisa dibaca", "text": "Pakai CSV atau YAML "
                                                           "hasil ekspor, paling besar 2 MB, dengan kolom question "
                                                           "dan answer terisi."}, status_code=400)
    return RedirectResponse("/admin/tanya-jawab?ok=diimpor", status_code=303)
