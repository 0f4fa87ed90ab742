"""Cek status laporan: by reference number (its check character validated first) or "Laporan
saya"; the status in words and the history with dates; when documents were asked for, they can be
sent right here and the report goes back to the stage it left.

Only the family sees a report: the chat that filed it, or one that gives the report's second
factor (the deceased's NIK or the heir's phone as written in the report). Anyone else who types a
reference learns only that the report exists and that the family can check it; services/santunan.py
checks the same again before it attaches a file or moves the report. Reference lookups are limited
per chat, per web-chat address (a proof of work past a small allowance) and per reference.

  you: cek status            bot: Ketik nomor laporan ... [Laporan saya]
  you: sk-7kq4-m2h           bot: Laporan SK-7KQ4-M2H: Status ... Riwayat ...
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from zoneinfo import ZoneInfo

from conversations.context import Context
from conversations.engine import Answer, Flow, Ok, Retry, Step
from conversations.helpdesk import ask_about
from conversations.messages_id import MSG
from conversations.model import Choice, Reply
from conversations.parsing import parse_phone
from conversations.santunan import document_answer, lookup_retry
from services.lookups import LookupRefused, NeedsProof
from services.nik import check_nik_in_text
from services.references import normalise_reference
from storage.models import Report

__all__ = ["status_flow"]

_WIB = ZoneInfo("Asia/Jakarta")
_MINE = (Choice("mine", MSG.st_mine),)


def _when(at) -> str:
    local = at.astimezone(_WIB) if at.tzinfo else at
    return f"{local.day} {MSG.months[local.month - 1]} {local.year}"


async def _details(ctx: Context, report: Report) -> dict[str, Any]:
    """What the family is shown: the status and its history (never the staff's internal notes)."""
    history = "\n".join(f"• {_when(e.at)}: {MSG.status_names[e.to_status]}"
                        for e in await ctx.services.santunan.history(report) if e.to_status != e.from_status)
    text = MSG.st_report.format(reference=report.reference, name=report.deceased_name,
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
        return Ok({**await _details(ctx, reports[0]), "family": True})
    reference = normalise_reference(answer.choice_id or answer.text)
    if reference is None:
        return Retry(MSG.st_bad, _MINE)
    report = await _looked_up(ctx, reference)
    if isinstance(report, Retry):
        return report
    if report is None:
        return Retry(MSG.st_unknown, _MINE)
    if santunan.family(report, contact_id=ctx.contact.id):
        return Ok({**await _details(ctx, report), "family": True})
    return Ok({"reference": report.reference, "family": False})


async def _looked_up(ctx: Context, reference: str) -> Report | Retry | None:
    """The report, counted against the lookup limits; a Retry when they held it back."""
    try:
        return await ctx.services.santunan.lookup(reference, contact_id=ctx.contact.id, ip=ctx.ip,
                                                  proof=ctx.proof)
    except (NeedsProof, LookupRefused) as exc:
        return lookup_retry(exc)


async def _prove(answer: Answer, ctx: Context, a: Mapping[str, Any]) -> Ok | Retry:
    """Someone who did not file the report proves they are the family: the deceased's NIK or the
    heir's phone number. Each try counts against the lookup limits."""
    nik, phone = check_nik_in_text(answer.text), parse_phone(answer.text)  # "nik almarhum 1602…", "hp 0812…"
    evidence = nik.nik or phone.value
    if evidence is None:
        return Retry(MSG.st_prove_retry)
    santunan, reference = ctx.services.santunan, a["ref"]["reference"]
    report = await _looked_up(ctx, reference)
    if isinstance(report, Retry):
        return report
    if report is None or not santunan.family(report, contact_id=ctx.contact.id, evidence=evidence):
        return Retry(MSG.st_prove_wrong)
    return Ok({**await _details(ctx, report), "evidence": evidence})


def _seen(a: Mapping[str, Any]) -> dict[str, Any]:
    """The report as the family sees it, whichever way they came in."""
    return a["ref"] if a["ref"].get("family") else a["prove"]


async def _documents(answer: Answer, ctx: Context, a: Mapping[str, Any]) -> Ok | Retry:
    """Files are attached as they arrive; SELESAI sends the report back to the stage it left."""
    santunan, seen = ctx.services.santunan, _seen(a)
    report = await santunan.get(seen["reference"])
    evidence, actor = seen.get("evidence"), f"contact:{ctx.contact.id}"
    files = document_answer(answer)
    if files:
        await santunan.add_documents(report=report, actor=actor, evidence=evidence,
                                     documents=[("lain", key, ctype, size) for key, ctype, size in files])
        seen["files"] += len(files)  # the state was loaded for this turn; the count is saved with it
        return Retry(MSG.st_doc_received.format(count=seen["files"]), counts=False)
    if answer.text.strip().lower() in MSG.done_words:
        if not seen["files"]:
            return Retry(MSG.st_no_docs)
        await santunan.resubmit(report=report, actor=actor, documents=(), evidence=evidence)
        return Ok(True)
    return Retry(MSG.st_doc_retry, counts=False)


def _ask_proof(_ctx: Context, a: Mapping[str, Any]) -> str:
    return MSG.st_other.format(reference=a["ref"]["reference"])


def _needs_prompt(_ctx: Context, a: Mapping[str, Any]) -> str:
    seen = _seen(a)
    asked = MSG.st_needs.format(needs=seen["needs"]) if seen["needs"] else MSG.st_needs_unsaid
    return f"{seen['text']}\n\n{asked}"


async def _done(ctx: Context, a: Mapping[str, Any]) -> list[Reply]:
    if a.get("docs"):
        return [Reply(MSG.st_resubmitted)]
    seen = _seen(a)  # the family: a person can be asked about this report from here
    return [Reply(seen["text"], (ask_about(seen["reference"]),) if ctx.services.helpdesk else ())]


status_flow = Flow(
    name="status_laporan",
    steps=(
        Step("ref", prompt=MSG.st_ask, parse=_reference, choices=_MINE),
        Step("prove", prompt=_ask_proof, parse=_prove, skip_if=lambda _ctx, a: a["ref"]["family"]),
        Step("docs", prompt=_needs_prompt, parse=_documents,
             skip_if=lambda _ctx, a: _seen(a)["status"] != "perlu_perbaikan"),
    ),
    on_complete=_done,
)
