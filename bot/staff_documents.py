"""A document staff saw on paper, attached to a report by the report's kades, camat or Dinas Sosial,
from the staff API (POST /api/v1/reports/{reference}/documents) and the report page alike: the same
sniffing and limits as a citizen's file (handlers/attachments.keep), audited."""
from __future__ import annotations

from typing import Any

from handlers.attachments import keep
from services.guardrails import DOCUMENTS
from services.staff import StaffInfo
from storage.models import Report

__all__ = ["KINDS", "PROBLEMS", "attach"]

KINDS = (*DOCUMENTS, "lain")
PROBLEMS = {"kind": "Pilih jenis dokumen dari daftar.", "empty": "Pilih file foto (JPG, PNG, WEBP) atau PDF.",
            "too_large": "File terlalu besar: paling besar {mb} MB.",
            "bad_type": "File ini bukan foto (JPG, PNG, WEBP) atau PDF yang aman, jadi tidak disimpan.",
            "not_saved": "File tidak dapat disimpan sekarang. Coba lagi sebentar lagi."}


async def attach(rt: Any, staff: StaffInfo, report: Report, *, kind: str, data: bytes) -> str | None:
    """Keep the file and attach it; None when done, else the PROBLEMS key of why not (nothing kept)."""
    if kind not in KINDS:
        return "kind"
    if not data:
        return "empty"
    if len(data) > rt.settings.attachment_max_bytes:
        return "too_large"
    media, problem = await keep(rt.attachments, data, channel="staff")
    if media is None:
        return problem or "bad_type"
    await rt.santunan.add_documents(report=report, actor=staff.actor,
                                    documents=[(kind, media.key, media.content_type, media.size)])
    await rt.audit.record(actor=staff.actor, action="report.document_add", target=f"report:{report.reference}",
                          detail={"kind": kind, "size": media.size})
    return None
