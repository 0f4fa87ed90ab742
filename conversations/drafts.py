"""Drafts: a form's answers are never thrown away. When the citizen leaves a form (MENU, BATAL and
"simpan", a word like BERHENTI, three failed tries and "menu", the conversation's idle timeout, a
person taking over) its answers are parked in the conversation's own document under `drafts`, for
as long as the flow's `keep` says (14 days for the death report: a family walks to the kepala desa
for the SKTM). Starting the same form again, or writing after the timeout, offers to continue:

  bot: Lanjutkan laporan kematian yang belum selesai (langkah 9 dari 19: nomor KK)?
       [Lanjutkan] [Mulai baru]

One mechanism for every flow: a flow declares `keep` (and `progress`, and a `label` per step); the
engine (conversations/engine.py) calls these pure functions. The document, besides the current
flow's `{flow, step, answers, …}`:

  drafts:  {flow name: {step, answers, flow_version, saved_at}}   the parked forms
  pending: "batal" | "stuck" | "resume:<flow>"                   what the offered choices answer
  flow: None                                                      idle, with drafts kept"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from conversations.messages_id import MSG
from conversations.model import Choice, Reply
from conversations.steps import Flow, State
from conversations.text import normalise

__all__ = ["CONTINUE", "FRESH", "chosen", "holding", "keep_for", "live", "offer", "park", "pick", "position", "rest",
           "rest_open", "resume"]

CONTINUE, FRESH = "lanjut", "baru"


def live(state: State | None, flows: Mapping[str, Flow], now: datetime) -> dict[str, Any]:
    """The drafts still kept: their flow exists with the same version, and `keep` has not passed."""
    kept = {}
    for name, draft in ((state or {}).get("drafts") or {}).items():
        flow = flows.get(name)
        if flow is None or flow.keep is None or draft.get("flow_version") != flow.version:
            continue
        if now - datetime.fromisoformat(draft["saved_at"]) <= flow.keep:
            kept[name] = draft
    return kept


def park(state: State | None, flows: Mapping[str, Flow], now: datetime) -> State | None:
    """Leave the current form for later: its answers become a draft (if it keeps drafts and has any
    answer), and the conversation is idle. None when nothing is left to keep."""
    drafts = live(state, flows, now)
    flow = flows.get(state.get("flow") or "") if state else None
    if flow is not None and flow.keep is not None and state.get("answers") and state.get("step"):
        drafts[flow.name] = {"step": state["step"], "answers": state["answers"], "flow_version": flow.version,
                             "saved_at": now.isoformat()}
    return _idle(drafts, now)


def rest(state: State | None, flows: Mapping[str, Flow], now: datetime, *, drop: str | None = None) -> State | None:
    """Idle with the other drafts kept: after a form ended (filed, stopped) or was discarded."""
    drafts = {k: v for k, v in live(state, flows, now).items() if k != drop}
    return _idle(drafts, now)


def holding(state: State | None, choices: Sequence[Choice], now: datetime) -> State:
    """Idle, remembering the choices just offered outside a form, so "1" answers them."""
    idle = state or {"flow": None, "step": None, "answers": {}, "drafts": {}, "retries": 0,
                     "updated_at": now.isoformat()}
    return {**idle, "offered": [[c.id, c.label] for c in choices]}


def rest_open(state: State | None, flows: Mapping[str, Flow], now: datetime) -> State:
    """As `rest`, but always a document: an answer's choices are kept in it to be picked next."""
    return rest(state, flows, now) or {"flow": None, "step": None, "answers": {}, "drafts": {}, "offered": [],
                                       "retries": 0, "updated_at": now.isoformat()}


def _idle(drafts: dict[str, Any], now: datetime) -> State | None:
    if not drafts:
        return None
    return {"flow": None, "step": None, "answers": {}, "drafts": drafts, "offered": [], "retries": 0,
            "updated_at": now.isoformat()}


def offer(state: State | None, flow: Flow, draft: Mapping[str, Any], now: datetime) -> tuple[State, Reply]:
    """Ask whether to continue a draft: [Lanjutkan] [Mulai baru]."""
    choices = (Choice(CONTINUE, MSG.draft_continue), Choice(FRESH, MSG.draft_fresh))
    idle = _idle(dict((state or {}).get("drafts") or {}), now) or {}
    idle = {**idle, "pending": f"resume:{flow.name}", "offered": [[c.id, c.label] for c in choices]}
    n, m, label = position(flow, draft["step"])
    where = MSG.draft_where.format(n=n, m=m, label=label) if label else ""
    return idle, Reply(MSG.draft_offer.format(form=flow.title or flow.name, where=where), choices)


def resume(state: State, flow: Flow, now: datetime) -> State:
    """The draft becomes the current form again, at the step it was left, every answer kept."""
    drafts = dict(state.get("drafts") or {})
    draft = drafts.pop(flow.name)
    return {"flow": flow.name, "step": draft["step"], "answers": draft["answers"], "flow_version": flow.version,
            "drafts": drafts, "retries": 0, "offered": [], "updated_at": now.isoformat()}


def position(flow: Flow, step_id: str) -> tuple[int, int, str]:
    """(n, m, label): the step is the n-th of the form's m labelled steps."""
    labelled = [s for s in flow.steps if s.label]
    index = next((i for i, s in enumerate(labelled) if s.id == step_id), None)
    if index is None:
        return 0, len(labelled), ""
    return index + 1, len(labelled), labelled[index].label


def keep_for(state: State | None, flows: Mapping[str, Flow]) -> timedelta | None:
    """How long the store must keep this document: the longest `keep` of its forms (current or
    parked); None when it holds none (the store's own idle timeout)."""
    if state is None:
        return None
    names = set(state.get("drafts") or {}) | {state.get("flow")}
    keeps = [flows[n].keep for n in names if n in flows and flows[n].keep is not None]
    return max(keeps) if keeps else None


def chosen(state: State | None, text: str) -> str:
    """Outside a form, a number or label answering the choices the bot offered last ("1" under a
    report's status is its "Tanya petugas", not the menu's first service): the choice's id, as a
    Telegram button sends it. Any other text as it is."""
    if not state or state.get("flow") or state.get("pending"):
        return text
    return pick(text, [Choice(i, label) for i, label in state.get("offered", [])]) or text


def pick(text: str, offered: Sequence[Choice]) -> str | None:
    """The offered choice a text names, by its number or its label."""
    norm = normalise(text)
    if norm.isdigit() and 1 <= int(norm) <= len(offered):
        return offered[int(norm) - 1].id
    return next((c.id for c in offered if normalise(c.label) == norm), None)
