"""A citizen's own data, from any point of a conversation (UU PDP No. 27/2022; the rules are in
services/data_rights.py):

  you: data saya          bot: Data Anda yang kami simpan: saluran, langganan, NIK tertaut (tersamar),
                               laporan (nomor dan status), kapan menghubungi ... (the conversation goes on)
  you: hapus data saya    bot: Yang dihapus: ... Laporan santunan SK-... TIDAK ikut dihapus ... Lanjutkan?
  you: ya, hapus          bot: Data Anda sudah kami hapus. ...

Numbers are shown masked, even to their owner. Both words are engine `commands`, so they work in
any state; DATA SAYA leaves the conversation as it was, HAPUS DATA SAYA asks first."""
from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from conversations.context import Context
from conversations.engine import Answer, Begin, Flow, Ok, Retry, Step, Stop
from conversations.messages_id import MSG
from conversations.model import Choice, Reply
from conversations.parsing import normalise, parse_yes_no
from services.data_rights import Holdings
from services.privacy import mask_phone

__all__ = ["data_command", "erase_flow"]

FLOW = "hapus_data"
_WIB = ZoneInfo("Asia/Jakarta")
_SHOW = re.compile(r"(?:lihat |cek )?data (?:pribadi )?(?:saya|sy|aku|ku)")
_ERASE = re.compile(r"hapus (?:semua )?data (?:pribadi )?(?:saya|sy|aku|ku)")
_CHOICES = (Choice("hapus", MSG.erase_yes), Choice("tidak", MSG.erase_no))


async def data_command(text: str, ctx: Context) -> list[Reply] | Begin | None:
    """DATA SAYA: what is held, masked. HAPUS DATA SAYA: the erasure, after a question."""
    rights = ctx.services.data_rights
    words = normalise(text)
    if rights is None or not (_SHOW.fullmatch(words) or _ERASE.fullmatch(words)):
        return None
    if _ERASE.fullmatch(words):
        held = await rights.holdings(ctx.contact.id)
        return Begin(FLOW, {"reports": [r.reference for r in held.reports] if held else []})
    held = await rights.access(contact_id=ctx.contact.id, actor=f"contact:{ctx.contact.id}", via="chat")
    return [Reply(_summary(held, ctx))] if held else None


def _day(at: datetime | None) -> str:
    if at is None:
        return MSG.data_none
    local = at.astimezone(_WIB)
    return f"{local.day} {MSG.months[local.month - 1]} {local.year}"


def _summary(held: Holdings, ctx: Context) -> str:
    channel = MSG.channel_names.get(held.channel, held.channel)
    if held.phone:
        channel = MSG.data_channel_phone.format(channel=channel, phone=mask_phone(held.phone))
    if not held.subscribed:
        subscription = MSG.data_sub_none
    elif held.subscription_kecamatan is None:
        subscription = MSG.data_sub_all
    else:
        place = ctx.services.wilayah.get(held.subscription_kecamatan)
        subscription = MSG.data_sub_kec.format(kecamatan=place.name if place else held.subscription_kecamatan)
    nik = (MSG.data_nik.format(nik=held.nik_masked) if held.nik_masked else
           MSG.data_nik_unknown if held.nik_linked else MSG.data_none)
    reports = ", ".join(MSG.data_report.format(reference=r.reference, status=MSG.status_names.get(r.status, r.status))
                        for r in held.reports) or MSG.data_none
    tickets = ", ".join(MSG.data_ticket.format(number=n, status=MSG.hd_status.get(st, st))
                        for n, st in held.tickets) or MSG.data_none
    helpdesk = ctx.services.helpdesk
    return MSG.data_summary.format(channel=channel, name=held.display_name or MSG.data_none,
                                   subscription=subscription, nik=nik, reports=reports, first=_day(held.created_at),
                                   last=_day(held.last_inbound_at), tickets=tickets,
                                   ticket_days=helpdesk.retention_days if helpdesk else 180)


def _ask(_ctx: Context, a: Mapping[str, Any]) -> str:
    kept = MSG.erase_reports_kept.format(references=", ".join(a["reports"])) if a["reports"] else ""
    return MSG.erase_ask.format(reports=kept)


def _confirm(answer: Answer, _ctx: Context, _a: Mapping[str, Any]) -> Ok | Retry | Stop:
    typed = True if normalise(answer.text) in ("hapus", "hapus saja") else parse_yes_no(answer.text)
    said = {"hapus": True, "tidak": False}.get(answer.choice_id or "", typed)
    if said is None:
        return Retry(MSG.erase_retry)
    return Ok(True) if said else Stop((Reply(MSG.erase_kept),))


async def _erase(ctx: Context, a: Mapping[str, Any]) -> list[Reply]:
    """Under the contact's lock already: this runs inside the turn."""
    erased = await ctx.services.data_rights.erase(contact_id=ctx.contact.id, actor=f"contact:{ctx.contact.id}",
                                                  via="chat", locked=True)
    replies = [Reply(MSG.erase_done)]
    if erased and erased.reports_kept:
        references = ", ".join(r.reference for r in erased.reports_kept)
        replies.append(Reply(MSG.erase_done_reports.format(references=references)))
    return replies


erase_flow = Flow(
    name=FLOW,
    forgets=True,  # the drafts of other forms go too: they are the citizen's data
    steps=(Step("confirm", prompt=_ask, parse=_confirm, choices=_CHOICES),),
    on_complete=_erase,
)
