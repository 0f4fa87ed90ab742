"""Cek kepesertaan BPJS Ketenagakerjaan:

  bot: Ketik NIK Anda: 16 angka di KTP ...
  you: 1602 0157 0885 0003
  bot: Sekarang ketik nama lengkap Anda, sesuai KTP.
  you: siti aminah
  bot: Anda terdaftar ... Program, Kategori, Masa perlindungan, Nomor kartu (KPJ) ...

Limited per contact (5 an hour, 10 a day by default), per web-chat address (a proof of work past a
small allowance) and per NIK (services/lookups.py). The lookup is made with the name, the flow's
last step, so that a step asking for the proof of work keeps the conversation where it is. The
answer never repeats the full NIK."""
from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from conversations.context import Context
from conversations.engine import Answer, Flow, Ok, Retry, Step, Stop
from conversations.fields import parse_name
from conversations.messages_id import MSG
from conversations.model import Reply
from services.coverage import CoverageInfo, RateLimited
from services.lookups import NeedsProof
from services.nik import check_nik_in_text
from services.privacy import mask_nik

__all__ = ["coverage_flow"]

_WIB = ZoneInfo("Asia/Jakarta")
NIK_RETRY = {"empty": MSG.cov_nik_empty, "letters": MSG.cov_nik_letters, "short": MSG.cov_nik_short,
              "long": MSG.cov_nik_long, "date": MSG.cov_nik_date, "region": MSG.cov_nik_region}


def _parse_nik(answer: Answer, _ctx: Context, _answers: Mapping[str, Any]) -> Ok | Retry:
    found = check_nik_in_text(answer.text)  # "nik saya 1602 0157 0885 0003"
    if found.nik is None:
        return Retry(NIK_RETRY[found.error or "empty"].format(digits=found.digits))
    return Ok(found.nik)


async def _parse_name(answer: Answer, ctx: Context, answers: Mapping[str, Any]) -> Ok | Retry | Stop:
    """The name, and with it the lookup: its answer is this step's value (the flow's last)."""
    name = parse_name(answer.text).value  # "nama saya Siti Aminah"; "nanti" is no name
    if name is None:
        return Retry(MSG.cov_name_retry)
    try:
        result = await ctx.services.coverage.lookup(nik=answers["nik"], name=name, contact_id=ctx.contact.id,
                                                    ip=ctx.ip, proof=ctx.proof)
    except NeedsProof:
        return Retry(MSG.proof_needed, proof=True)
    except RateLimited as exc:
        return Stop(tuple(_refusal(ctx, exc.retry_after, by=exc.by)))
    if result.info is None:  # an unknown NIK and a wrong name get the same answer
        return Ok(MSG.cov_not_found.format(nik=mask_nik(answers["nik"])))
    return Ok(_describe(result.info, ctx.now.astimezone(_WIB).date()))


def _day(d: date) -> str:
    return f"{d.day} {MSG.months[d.month - 1]} {d.year}"


def _when(now: datetime, wait: float) -> str:
    at = (now + timedelta(seconds=wait)).astimezone(_WIB)
    template = MSG.cov_when_time if at.date() == now.astimezone(_WIB).date() else MSG.cov_when_tomorrow
    return template.format(time=at.strftime("%H.%M"))


def _refusal(ctx: Context, wait: float, *, by: str = "contact") -> list[Reply]:
    per_hour, per_day = ctx.services.coverage.limits
    if by != "contact":  # this network, or this NIK, looked up too often: say so without naming anyone
        return [Reply(MSG.lookups_refused.format(when=_when(ctx.now, wait)))]
    return [Reply(MSG.cov_rate_limited.format(per_hour=per_hour, per_day=per_day, when=_when(ctx.now, wait)))]


async def _guard(ctx: Context) -> list[Reply] | None:
    wait = await ctx.services.coverage.wait_before_lookup(contact_id=ctx.contact.id)
    return _refusal(ctx, wait) if wait else None


def _describe(info: CoverageInfo, today: date) -> str:
    fields = {"programmes": ", ".join(MSG.programme_names.get(p, p) for p in info.programmes),
              "category": info.category.title() if info.category.islower() else info.category,
              "start": _day(info.start), "end": _day(info.end), "kpj": info.kpj_masked or MSG.cov_unknown_kpj}
    if info.active_on(today):
        return MSG.cov_covered.format(**fields)
    why = (MSG.cov_why_nonaktif if info.status != "aktif" else
           MSG.cov_why_ended if today > info.end else MSG.cov_why_not_started)
    return MSG.cov_inactive.format(why=why, **fields)


async def _answer(_ctx: Context, answers: Mapping[str, Any]) -> list[Reply]:
    return [Reply(answers["nama"])]


coverage_flow = Flow(
    name="cek_bpjs",
    guard=_guard,
    title=MSG.form_titles["cek_bpjs"],
    keep=timedelta(hours=6),  # bot/app.py sets DRAFT_RETENTION_HOURS: the NIK typed is not kept for long
    steps=(
        Step("nik", prompt=MSG.cov_ask_nik, parse=_parse_nik, label=MSG.field_cov_nik,
             example="1602 0157 0885 0003", help=MSG.help_nik),
        Step("nama", prompt=MSG.cov_ask_name, parse=_parse_name, label=MSG.field_cov_name, example="Siti Aminah"),
    ),
    on_complete=_answer,
)
