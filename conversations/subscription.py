"""Langganan pengumuman: subscribe to all of OKI or one kecamatan, see the current subscription,
stop, and start again. Reads like the conversation:

  bot: (current subscription) Pengumuman untuk wilayah mana?  [Seluruh OKI] [Satu kecamatan]
  you: 2
  bot: Ketik nama kecamatan Anda.
  you: kayuagung
  bot: Terima kasih! ... Kecamatan Kayu Agung. Ketik BERHENTI kapan saja untuk berhenti.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from conversations.context import Context
from conversations.engine import Action, Answer, Flow, Ok, Retry, Step
from conversations.messages_id import MSG
from conversations.model import Choice, Reply
from conversations.parsing import normalise
from services.santunan import WIB

__all__ = ["SHORTCUTS", "latest_flow", "parse_kecamatan", "subscribe_flow", "unsubscribe_flow"]

ALL, KECAMATAN = "semua", "kecamatan"
_SCOPES = (Choice(ALL, MSG.sub_scope_all), Choice(KECAMATAN, MSG.sub_scope_kec))
_ALL_WORDS = {"semua", "seluruh", "seluruh oki", "oki", "semua oki", "kabupaten"}


def _ask_scope(ctx: Context, _answers: Mapping[str, Any]) -> str:
    sub = ctx.services.subscriptions.current(ctx.contact)
    if not sub.active:
        current = MSG.sub_current_none
    elif sub.kecamatan is None:
        current = MSG.sub_current_all
    else:
        current = MSG.sub_current_kec.format(kecamatan=sub.kecamatan.name)
    return f"{current}\n{MSG.sub_ask_scope}"


def _parse_scope(answer: Answer, _ctx: Context, _answers: Mapping[str, Any]) -> Ok | Retry:
    if answer.choice_id in (ALL, KECAMATAN):
        return Ok(answer.choice_id)
    if normalise(answer.text) in _ALL_WORDS:
        return Ok(ALL)
    if "kecamatan" in normalise(answer.text) or "kec" in normalise(answer.text).split():
        return Ok(KECAMATAN)
    return Retry(MSG.sub_scope_retry)


def parse_kecamatan(answer: Answer, ctx: Context, _answers: Mapping[str, Any]) -> Ok | Retry:
    wilayah = ctx.services.wilayah
    if answer.choice_id and (place := wilayah.get(answer.choice_id)):
        return Ok(place.code)
    if not answer.text:
        return Retry(MSG.only_text)
    found = wilayah.match_kecamatan(answer.text)
    if found.place:
        return Ok(found.place.code)
    if found.candidates:
        return Retry(MSG.sub_kecamatan_choose, tuple(Choice(p.code, p.name) for p in found.candidates))
    return Retry(MSG.sub_kecamatan_unknown.format(text=answer.text[:40]))


async def _subscribe(ctx: Context, answers: Mapping[str, Any]) -> list[Reply]:
    kecamatan = answers.get("kecamatan") if answers.get("scope") == KECAMATAN else None
    sub = await ctx.services.subscriptions.subscribe(contact=ctx.contact, kecamatan=kecamatan, at=ctx.now)
    if sub.kecamatan is None:
        return [Reply(MSG.sub_done_all)]
    return [Reply(MSG.sub_done_kec.format(kecamatan=sub.kecamatan.name))]


async def _unsubscribe(ctx: Context, _answers: Mapping[str, Any]) -> list[Reply]:
    was_on = await ctx.services.subscriptions.unsubscribe(contact=ctx.contact, at=ctx.now)
    return [Reply(MSG.unsub_done if was_on else MSG.unsub_not_subscribed)]


async def _subscribe_all(ctx: Context, _answers: Mapping[str, Any]) -> list[Reply]:
    return await _subscribe(ctx, {"scope": ALL})


async def _resubscribe(ctx: Context, _answers: Mapping[str, Any]) -> list[Reply]:
    sub = await ctx.services.subscriptions.resubscribe(contact=ctx.contact, at=ctx.now)
    if sub.kecamatan is None:
        return [Reply(MSG.resub_done_all)]
    return [Reply(MSG.resub_done_kec.format(kecamatan=sub.kecamatan.name))]


async def _latest(ctx: Context, _answers: Mapping[str, Any]) -> list[Reply]:
    rows = await ctx.services.broadcasts.latest(limit=5)
    if not rows:
        return [Reply(MSG.ann_none)]
    items = []
    for row in rows:
        short = row.body if len(row.body) <= 160 else row.body[:157].rsplit(" ", 1)[0] + "…"
        when = row.sent_at.astimezone(WIB)
        link = f"\n{row.link}" if row.link else ""
        items.append(f"• {when.day} {MSG.months[when.month - 1]} {when.year}: {row.title}\n{short}{link}")
    footer = MSG.ann_archive.format(url=f"{ctx.services.public_base_url}/pengumuman")
    return [Reply(MSG.ann_latest + "\n\n" + "\n\n".join(items) + "\n\n" + footer)]


latest_flow = Flow(name="pengumuman", on_complete=_latest)

subscribe_flow = Flow(
    name="langganan",
    steps=(
        Step("scope", prompt=_ask_scope, parse=_parse_scope, choices=_SCOPES),
        Step("kecamatan", prompt=MSG.sub_ask_kecamatan, parse=parse_kecamatan,
             skip_if=lambda _ctx, answers: answers.get("scope") != KECAMATAN),
    ),
    on_complete=_subscribe,
)

unsubscribe_flow = Flow(name="berhenti_langganan", on_complete=_unsubscribe)

# Whole-message words from CONTRACT.md, in any state.
SHORTCUTS: dict[str, Action] = {
    "berhenti": _unsubscribe,
    "stop": _unsubscribe,
    "langganan semua": _subscribe_all,
    "mulai": _resubscribe,
}
