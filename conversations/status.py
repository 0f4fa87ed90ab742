"""Cek status laporan: by reference number (its check character validated first) or "Laporan
saya"; the status in words and the history with dates; when documents were asked for, they can be
sent right here and the report goes back to the stage it left.

  you: cek status            bot: Ketik nomor laporan ... [Laporan saya]
  you: sk-7kq4-m2h           bot: Laporan SK-7KQ4-M2H: Status ... Riwayat ...
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from zoneinfo import ZoneInfo

from conversations.context import Context
from conversations.engine import Answer, Flow, Ok, Retry, Step
from conversations.messages_id import MSG
from conversations.model import Choice, Reply
from conversations.santunan import document_answer
from services.references import normalise_reference

__all__ = ["status_flow"]

_WIB = ZoneInfo("Asia/Jakarta")
_MINE = (Choice("mine", MSG.st_mine),)


def _when(at) -> str:
    local = at.astimezone(_WIB) if at.tzinfo else at
    return f"{local.day} {MSG.months[local.month - 1]} {local.year}"


async def _render(ctx: Context, reference: str) -> dict[str, Any] | None:
    santunan = ctx.services.santunan
    report = await santunan.get(reference)
    if report is None:
        return None
    history = "\n".join(f"• {_when(e.at)}: {MSG.status_names[e.to_status]}" for e in await santunan.history(report)
                        if e.to_status != e.from_status)
    mine = report.reporter_contact_id == ctx.contact.id
    text = MSG.st_report.format(reference=report.reference, name=report.deceased_name if mine else "-",
                                status=MSG.status_names[report.status], history=history)
    return {"reference": report.reference, "status": report.status, "needs": report.needs or "", "text": text,
            "files": 0}


async def _reference(answer: Answer, ctx: Context, _a: Mapping[str, Any]) -> Ok | Retry:
    santunan = ctx.services.santunan
    if answer.choice_id == "mine" or (answer.choice_id is None and "saya" in answer.text.lower()):
        reports = await santunan.for_contact(ctx.contact.id)
        if not reports:
            return Retry(MSG.st_none)
        if len(reports) > 1:
            return Retry(MSG.st_choose, tuple(Choice(r.reference, f"{r.reference} {r.deceased_name}") for r in reports))
        reference = reports[0].reference
    else:
        reference = answer.choice_id or normalise_reference(answer.text)
        if reference is None:
            return Retry(MSG.st_bad, _MINE)
    found = await _render(ctx, reference)
    return Ok(found) if found else Retry(MSG.st_unknown, _MINE)


async def _documents(answer: Answer, ctx: Context, a: Mapping[str, Any]) -> Ok | Retry:
    """Files are attached as they arrive; SELESAI sends the report back to the stage it left."""
    santunan = ctx.services.santunan
    report = await santunan.get(a["ref"]["reference"])
    files = document_answer(answer)
    if files:
        await santunan.add_documents(report=report, actor=f"contact:{ctx.contact.id}",
                                     documents=[("lain", key, ctype, size) for key, ctype, size in files])
        a["ref"]["files"] += len(files)  # the state was loaded for this turn; the count is saved with it
        return Retry(MSG.st_doc_received.format(count=a["ref"]["files"]), counts=False)
    if answer.text.strip().lower() in MSG.done_words:
        if not a["ref"]["files"]:
            return Retry(MSG.st_no_docs)
        await santunan.resubmit(report=report, actor=f"contact:{ctx.contact.id}", documents=())
        return Ok(True)
    return Retry(MSG.st_doc_retry, counts=False)


def _needs_prompt(_ctx: Context, a: Mapping[str, Any]) -> str:
    return f"{a['ref']['text']}\n\n{MSG.st_needs.format(needs=a['ref']['needs'])}"


async def _done(_ctx: Context, a: Mapping[str, Any]) -> list[Reply]:
    if a.get("docs"):
        return [Reply(MSG.st_resubmitted)]
    return [Reply(a["ref"]["text"])]


status_flow = Flow(
    name="status_laporan",
    steps=(
        Step("ref", prompt=MSG.st_ask, parse=_reference, choices=_MINE),
        Step("docs", prompt=_needs_prompt, parse=_documents,
             skip_if=lambda _ctx, a: a["ref"]["status"] != "perlu_perbaikan"),
    ),
    on_complete=_done,
)
