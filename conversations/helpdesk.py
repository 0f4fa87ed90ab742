"""Bicara dengan petugas: the conversation mode in which a person answers (services/helpdesk.py).

The engine asks this module first whose turn it is. While the contact has an open ticket
(`ContactInfo.open_ticket_id`, read with every message at no extra cost) everything it sends goes
into the ticket and the bot starts nothing; it acknowledges now and then, never per message, and
outside office hours says once a day when someone will read it. `berhenti` keeps its meaning,
`selesai` ends the conversation from the citizen's side, and `menu` asks first whether to leave it.

  you: saya mau bicara dengan petugas   bot: Baik, kami sambungkan dengan petugas ...
  you: laporan saya belum ada kabar     bot: Pesan Anda sudah kami teruskan ke petugas ...
  staff (inbox): Halo, saya Rina ...     (arrives on the citizen's channel)
  you: selesai                           bot: Percakapan dengan petugas sudah selesai ... Seberapa puas ...?
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from conversations.context import Context
from conversations.engine import Flow, Retry, Step, Turn
from conversations.messages_id import MSG
from conversations.model import Choice, Incoming, Reply
from conversations.parsing import normalise, parse_yes_no
from services.office_hours import WIB
from services.references import normalise_reference

__all__ = ["LEAVE_FLOW", "PersonMode", "RATINGS", "about_report", "ask_about", "leave_flow", "when_text"]

LEAVE_FLOW = "petugas_keluar"
RATINGS = (Choice("5", MSG.hd_rate_good), Choice("3", MSG.hd_rate_ok), Choice("1", MSG.hd_rate_bad))
_LEAVE = (Choice("keluar", MSG.hd_leave_yes), Choice("tetap", MSG.hd_leave_no))
_MENU_WORDS = ("menu", "batal", "kembali")
_DAYS = ("Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu")


def when_text(at: datetime, now: datetime) -> str:
    """'hari ini pukul 08.00 WIB', 'besok pukul 08.00 WIB' or 'hari Senin, 7 Desember, pukul 08.00 WIB'."""
    local, today = at.astimezone(WIB), now.astimezone(WIB).date()
    clock = f"pukul {local:%H.%M} WIB"
    if local.date() == today:
        return f"hari ini {clock}"
    if (local.date() - today).days == 1:
        return f"besok {clock}"
    return f"hari {_DAYS[local.weekday()]}, {local.day} {MSG.months[local.month - 1]}, {clock}"


_ABOUT = re.compile(r"(?:tanya )?petugas tentang laporan (?:ini )?([a-z0-9 -]{9,16})")


def ask_about(reference: str) -> Choice:
    """The choice under a report's status: a person, about this report (works as typed, too)."""
    return Choice(f"tanya petugas tentang laporan {reference}", MSG.hd_ask_about.format(reference=reference))


async def about_report(text: str, ctx: Context) -> list[Reply] | None:
    """An engine command: "tanya petugas tentang laporan SK-…" opens (or adds to) a ticket linked to
    that report, when it is this family's; None for any other message."""
    match = _ABOUT.fullmatch(normalise(text))
    if match is None or ctx.services.helpdesk is None:
        return None
    reference = normalise_reference(match[1])
    report = await ctx.services.santunan.get(reference) if reference else None
    family = report is not None and ctx.services.santunan.family(report, contact_id=ctx.contact.id)
    opened = await ctx.services.helpdesk.open(contact=ctx.contact, text=text, flow="status_laporan",
                                              report_reference=reference if family else None)
    replies = [Reply(MSG.hd_opened if opened.created else MSG.hd_opened_again)]
    if opened.next_open is not None:
        replies.append(Reply(MSG.hd_away.format(when=when_text(opened.next_open, ctx.now))))
    return replies


def _score(answer: str, choice_id: str | None) -> int | None:
    text = normalise(answer)
    if choice_id in {c.id for c in RATINGS}:
        return int(choice_id)
    if text.isdigit() and 1 <= int(text) <= len(RATINGS):  # its number in the list WhatsApp shows
        return int(RATINGS[int(text) - 1].id)
    if text.isdigit() and int(text) <= 5:  # a score of four or five, typed as such
        return int(text)
    return next((int(c.id) for c in RATINGS if normalise(c.label) == text), None)


class PersonMode:
    """The engine's helpdesk mode; `handover` is how a conversation gets there."""

    leave_flow = LEAVE_FLOW

    async def rated(self, incoming: Incoming, text: str, ctx: Context) -> Turn | None:
        """The answer to the satisfaction question after a ticket closed, or None: anything else is
        handled as usual (and the question is not asked again)."""
        helpdesk = ctx.services.helpdesk
        score = _score(text, incoming.choice_id)
        await helpdesk.rate(ticket_id=ctx.contact.rate_ticket_id, contact_id=ctx.contact.id, score=score)
        return Turn(None, [Reply(MSG.hd_rate_thanks)], save=False) if score else None

    async def step(self, state: dict[str, Any] | None, incoming: Incoming, text: str, ctx: Context,
                   shortcuts: Mapping[str, Any]) -> Turn | None:
        """A message while a person handles the conversation; None when the ticket closed meanwhile
        (the bot takes the message, with the conversation as it was before the handover)."""
        word, helpdesk = normalise(text), ctx.services.helpdesk
        if state and state.get("flow") == LEAVE_FLOW:  # "menu" was asked: leave the person, or stay?
            return await self._leaving(state, incoming, text, ctx)
        if word in shortcuts:  # berhenti, mulai...: their meaning everywhere
            return Turn(state, await shortcuts[word](ctx, {}), save=False)
        if word == "selesai":
            await helpdesk.close_by_citizen(contact=ctx.contact)
            return Turn(state, [Reply(MSG.hd_closed_by_you), Reply(MSG.hd_rate, RATINGS)], save=False)
        if word in _MENU_WORDS:
            asking = {"flow": LEAVE_FLOW, "step": "confirm", "back": state, "answers": {}, "flow_version": 1,
                      "retries": 0, "offered": [[c.id, c.label] for c in _LEAVE], "updated_at": ctx.now.isoformat()}
            return Turn(asking, [Reply(MSG.hd_leave_ask, _LEAVE)])
        media = [(m.key, m.content_type) for m in incoming.media]
        said = await helpdesk.citizen_message(contact=ctx.contact, text=text, media=media)
        if not said.open:
            return None
        replies = [Reply(MSG.hd_reply.format(text=t)) for t in said.replies]
        if said.area_asked and (place := await _answer_area(text, ctx)):
            replies.append(Reply(MSG.hd_area_thanks.format(place=place)))
        elif word == "petugas":  # asking again: the same ticket, and saying so
            replies.append(Reply(MSG.hd_opened_again))
        elif said.next_open is not None:
            replies.append(Reply(MSG.hd_away.format(when=when_text(said.next_open, ctx.now))))
        elif said.acknowledge:
            replies.append(Reply(MSG.hd_ack))
        return Turn(state, replies, save=False)

    async def _leaving(self, state: dict[str, Any], incoming: Incoming, text: str, ctx: Context) -> Turn:
        back = state.get("back")
        if not ctx.contact.open_ticket_id:  # closed by staff meanwhile: the bot, where it was
            return Turn(back, [Reply(MSG.hd_closed_meanwhile)], save=back is not None)
        said = {"keluar": True, "tetap": False}.get(incoming.choice_id or _pick(text) or "", parse_yes_no(text))
        if said is None:
            return Turn(state, [Reply(MSG.hd_leave_retry, _LEAVE)], save=False)
        if not said:
            return Turn(back, [Reply(MSG.hd_stay)])
        await ctx.services.helpdesk.close_by_citizen(contact=ctx.contact)
        return Turn(back, [Reply(MSG.hd_closed_by_you), Reply(MSG.hd_rate, RATINGS)])

    async def handover(self, state: dict[str, Any] | None, text: str, ctx: Context, *, bot_said: str | None = None,
                       report: str | None = None) -> Turn:
        """Open the ticket (or add to the open one). The conversation's state is kept as it was: a
        form's answers are there when the citizen comes back to the bot."""
        answers = (state or {}).get("answers") or {}
        place = tuple(v if isinstance(v, str) else None for v in (answers.get("kecamatan"), answers.get("desa")))
        opened = await ctx.services.helpdesk.open(contact=ctx.contact, text=text, bot_said=bot_said,
                                                  place=place if place[0] else (None, None),
                                                  flow=state.get("flow") if state else None,
                                                  step=state.get("step") if state else None, report_reference=report)
        replies = [Reply(MSG.hd_opened if opened.created else MSG.hd_opened_again)]
        if opened.next_open is not None:
            replies.append(Reply(MSG.hd_away.format(when=when_text(opened.next_open, ctx.now))))
        if not opened.area_known:
            replies.append(Reply(MSG.hd_ask_area))
        return Turn(state, replies, save=False)


async def _unreachable(_ctx: Context, _a: Mapping[str, Any]) -> list[Reply]:
    return []


# The state of "leave the person?": a flow of the engine's own shape, so a stored state always names
# a known flow and step; PersonMode answers it (it keeps the conversation from before the question).
leave_flow = Flow(name=LEAVE_FLOW, on_complete=_unreachable,
                  steps=(Step("confirm", prompt=MSG.hd_leave_ask, parse=lambda *_: Retry(MSG.hd_leave_retry),
                              choices=_LEAVE),))


_FROM = re.compile(r"^(?:saya\s+)?(?:tinggal\s+)?(?:dari|di)\s+")
_VILLAGE = re.compile(r"\s*(?:,|/|\b(?:desa|ds|kelurahan|kel)\b\.?)\s*")


def place_of(text: str, wilayah: Any) -> tuple[str | None, str | None]:
    """(kecamatan code, desa code) named in "Pedamaran, desa Cinta Jaya", "kec. Kayuagung" or a desa
    alone when only one kecamatan has it; (None, None) when the message names no place clearly."""
    head, _, village = _VILLAGE.sub("|", _FROM.sub("", normalise(text)), count=1).partition("|")
    found = wilayah.match_kecamatan(head).place if head else None
    if found is None and not village:  # a desa's name alone
        near = wilayah.match_kecamatan(head).candidates if head else ()
        found, village = (near[0], head) if len(near) == 1 else (None, "")
    if found is None:
        return None, None
    desa = wilayah.match_desa(found.code, village).place if village else None
    return found.code, desa.code if desa else None


async def _answer_area(text: str, ctx: Context) -> str | None:
    """The citizen's answer to the area question, kept on the ticket; the place's name, or None."""
    kecamatan, desa = place_of(text, ctx.services.wilayah)
    if not await ctx.services.helpdesk.answer_area(contact=ctx.contact, kecamatan=kecamatan, desa=desa):
        return None
    named = ctx.services.wilayah.get(desa or kecamatan)
    return f"{'desa' if desa else 'Kecamatan'} {named.name}" if named else None


def _pick(text: str) -> str | None:
    norm = normalise(text)
    if norm in ("1", "2"):
        return _LEAVE[int(norm) - 1].id
    return next((c.id for c in _LEAVE if normalise(c.label) == norm), None)
