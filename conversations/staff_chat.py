"""Staff in the chat: a kades or camat links their own WhatsApp or Telegram with the one-time code
from the staff pages, is told there of reports that wait for them (conversations/notices.py), and
verifies or asks for perbaikan with the notice's buttons or by typing. Every move goes through
services.santunan with the account as it is now: the same role and area checks, history and audit
as the web. The words work in any state; from anyone but a linked, active staff account, VERIFIKASI
and PERBAIKAN are just words (the citizen's answer), so the feature shows itself to no one else.

  kades: TAUTKAN 7KQ4M2HX          bot: Berhasil. Chat ini sekarang tertaut ke akun staf ...
  bot:   Laporan santunan SK-7KQ4-M2H menunggu pemeriksaan desa/kelurahan ... [Verifikasi] [Minta perbaikan]
  kades: (Verifikasi)               bot: Verifikasi laporan SK-7KQ4-M2H? ... [Ya, verifikasi]
  kades: (Ya, verifikasi)           bot: Terima kasih. Laporan SK-7KQ4-M2H kini berstatus: ...
  kades: PERBAIKAN SK-7KQ4-M2H      bot: Apa yang kurang atau perlu diperbaiki ...?
  kades: SKTM belum ada             bot: Laporan SK-7KQ4-M2H dikembalikan ke keluarga ...
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from conversations.context import Context
from conversations.engine import Answer, Begin, Flow, Ok, Retry, Step
from conversations.messages_id import MSG
from conversations.model import Choice, Reply
from services.guardrails import MissingField
from services.references import normalise_reference
from services.santunan import NotAllowed, WrongMove
from services.staff import StaffInfo
from services.staff_links import LinkRefused, StaffLinks
from storage.models import Report
from storage.reports import StaleStatus

__all__ = ["staff_command", "staff_fix_flow"]

FLOW = "staf_perbaikan"
_COMMAND = re.compile(r"(tautkan|verifikasi|perbaikan)\b[\s:]*(.*)", re.I)
_VERIFIES = {"kades": "diverifikasi_desa", "camat": "diverifikasi_kecamatan"}  # the move VERIFIKASI makes
_REFUSED = {"expired": MSG.link_expired, "throttled": MSG.link_throttled, "channel": MSG.link_channel}
_MOVE_FAILED = (NotAllowed, WrongMove, StaleStatus, LookupError, MissingField)
_CONFIRMED = re.compile(r"\s+ya$", re.I)
_START = re.compile(r"^/start\s+([A-Za-z0-9]{6,12})$")


async def staff_command(text: str, ctx: Context) -> list[Reply] | Begin | None:
    """TAUTKAN <kode>, VERIFIKASI <nomor laporan>, PERBAIKAN <nomor laporan> (also what the
    notice's buttons send); None for any other message, and for these words from anyone but a
    linked staff member."""
    match = _COMMAND.fullmatch(_START.sub(r"tautkan \1", text.strip()))  # the t.me deep link: /start <code>
    links = ctx.services.staff_links
    if match is None or links is None:
        return None
    word, rest = match[1].lower(), match[2].strip()
    confirmed = bool(_CONFIRMED.search(rest))  # VERIFIKASI <nomor> YA: the confirmation's button
    rest = _CONFIRMED.sub("", rest)
    if word == "tautkan":
        return await _link(rest, ctx, links)
    staff = await links.staff_for(ctx.contact.id)
    if staff is None:
        return None
    reference = normalise_reference(rest)
    if reference is None:
        return [Reply(MSG.staff_bad_reference)]
    report = await ctx.services.santunan.get(reference)
    if report is None or not staff.can_see(kecamatan_code=report.kecamatan_code, desa_code=report.desa_code):
        return [Reply(MSG.staff_not_found.format(reference=reference))]
    if word == "verifikasi":
        return await _verify(staff, report, ctx, confirmed=confirmed)
    if "perlu_perbaikan" not in ctx.services.santunan.allowed_moves(report, staff):
        return [_cannot(report, MSG.staff_action_fix)]
    return Begin(FLOW, {"ref": reference})


async def _link(code: str, ctx: Context, links: StaffLinks) -> list[Reply]:
    if not code:
        return [Reply(MSG.link_how)]
    try:
        staff = await links.redeem(code=code, contact=ctx.contact)
    except LinkRefused as exc:
        return [Reply(_REFUSED.get(exc.reason, MSG.link_wrong))]
    return [Reply(MSG.link_done.format(username=staff.username, role=MSG.role_names.get(staff.role, staff.role)))]


async def _verify(staff: StaffInfo, report: Report, ctx: Context, *, confirmed: bool) -> list[Reply]:
    """Asked first ("Verifikasi SK-…? Ya"); refused while a required document is missing, which
    only the report page can override, with a reason."""
    to = _VERIFIES.get(staff.role)
    if to is None:
        return [Reply(MSG.staff_verify_role)]
    santunan = ctx.services.santunan
    if to not in santunan.allowed_moves(report, staff):
        return [_cannot(report, MSG.staff_action_verify)]
    if missing := await santunan.guard.missing(report):
        names = ", ".join(MSG.document_kinds.get(k, k) for k in missing)
        url = f"{ctx.services.public_base_url.rstrip('/')}/admin/laporan/{report.reference}"
        return [Reply(MSG.staff_docs_missing.format(reference=report.reference, missing=names, url=url))]
    if not confirmed:
        return [Reply(MSG.staff_confirm_verify.format(reference=report.reference),
                      actions=(Choice(f"VERIFIKASI {report.reference} YA", MSG.staff_confirm_yes),))]
    try:
        moved = await santunan.transition(reference=report.reference, to=to, note=None, staff=staff)
    except _MOVE_FAILED:
        return [_cannot(await santunan.get(report.reference) or report, MSG.staff_action_verify)]
    return [Reply(MSG.staff_verified.format(reference=moved.reference, status=MSG.status_names[moved.status]))]


def _cannot(report: Report, action: str) -> Reply:
    return Reply(MSG.staff_cannot.format(reference=report.reference, action=action,
                                         status=MSG.status_names.get(report.status, report.status)))


# --- PERBAIKAN: the note, then the move ---
def _ask_note(_ctx: Context, a: Mapping[str, Any]) -> str:
    return MSG.staff_ask_note.format(reference=a["ref"])


def _note(answer: Answer, _ctx: Context, _a: Mapping[str, Any]) -> Ok | Retry:
    note = answer.text.strip()
    if answer.media or len(note) < 3:
        return Retry(MSG.staff_note_retry)
    return Ok(note)


async def _send_back(ctx: Context, a: Mapping[str, Any]) -> list[Reply]:
    """Checked again with the account as it is now: it may have been unlinked, disabled or moved."""
    staff = await ctx.services.staff_links.staff_for(ctx.contact.id)
    if staff is None:
        return [Reply(MSG.staff_unlinked)]
    santunan = ctx.services.santunan
    try:
        # the prompt says so: what the kades types here is written for the family
        await santunan.transition(reference=a["ref"], to="perlu_perbaikan", note=None, message_to_family=a["note"],
                                  staff=staff)
    except _MOVE_FAILED:
        report = await santunan.get(a["ref"])
        if report is None or not staff.can_see(kecamatan_code=report.kecamatan_code, desa_code=report.desa_code):
            return [Reply(MSG.staff_not_found.format(reference=a["ref"]))]
        return [_cannot(report, MSG.staff_action_fix)]
    return [Reply(MSG.staff_fix_sent.format(reference=a["ref"], note=a["note"]))]


staff_fix_flow = Flow(
    name=FLOW,
    steps=(Step("note", prompt=_ask_note, parse=_note),),
    on_complete=_send_back,
)
