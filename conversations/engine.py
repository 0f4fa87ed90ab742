"""The conversation engine: flows declared as steps, run one turn at a time.

A turn is `step(state, incoming, ctx) -> Turn(state, replies)`. The engine never opens a database,
Redis or HTTP connection; everything outside comes through `ctx.services`, called by a step's
parser or a flow's final action. State is a small JSON-able dict:
`{flow, step, answers, retries, offered, flow_version, updated_at}` (+ `version`, owned by the store)."""
from __future__ import annotations

import inspect
from collections.abc import Mapping, Sequence
from typing import Any

from conversations.context import Context
from conversations.messages_id import MSG
from conversations.model import Choice, Incoming, Reply
from conversations.parsing import MAX_TEXT, clean, normalise
from conversations.router import INTENTS, match_intent, route
from conversations.steps import (
    MAX_RETRIES,
    Action,
    Answer,
    Begin,
    Command,
    Flow,
    Jump,
    Ok,
    Retry,
    State,
    Step,
    Stop,
    Turn,
)

__all__ = ["Answer", "Begin", "Command", "Engine", "Flow", "Jump", "Ok", "Retry", "Step", "Stop", "Turn",
           "MAX_RETRIES"]

class Engine:
    def __init__(self, *, flows: Mapping[str, Flow], shortcuts: Mapping[str, Action],
                 media_limit_mb: float = 10, commands: Sequence[Command] = (), person: Any = None) -> None:
        """`flows` by intent name; `shortcuts` are whole-message words from other modules
        (e.g. `berhenti`), each ending any conversation in progress; `commands` are tried first;
        `person`: the helpdesk mode (conversations/helpdesk.py `PersonMode`), asked before any flow."""
        self._flows, self._person = dict(flows), person
        self.flow_names = frozenset(self._flows)
        self._commands = tuple(commands)
        self._media_limit = f"{media_limit_mb:g}"
        self._shortcuts = {normalise(k): v for k, v in shortcuts.items()}
        self.menu_choices = tuple(
            Choice(i, getattr(MSG, f"label_{i}")) for i in INTENTS
            if i in self._flows or i == "bantuan" or (i == "petugas" and person is not None))

    async def step(self, state: State | None, incoming: Incoming, ctx: Context) -> Turn:
        if len(incoming.text) > MAX_TEXT:
            return Turn(state, [Reply(MSG.too_long.format(limit=MAX_TEXT))], save=False)
        if incoming.media_error:  # refused by the channel: say why, keep the question open
            message = {"too_large": MSG.media_too_large.format(limit=self._media_limit),
                       "not_saved": MSG.media_not_saved}.get(incoming.media_error, MSG.media_bad_type)
            offered = tuple(Choice(i, label) for i, label in (state or {}).get("offered", []))
            return Turn(state, [Reply(message, offered)], save=False)
        text = clean(incoming.text)
        for command in self._commands if text else ():
            result = await command(text, ctx)
            if isinstance(result, Begin):
                flow = self._flows[result.flow]
                begun: State = {"flow": flow.name, "answers": dict(result.answers), "flow_version": flow.version}
                return await self._advance(flow, begun, 0, ctx, [])
            if result is not None:
                return Turn(state, result, save=False)
        word = normalise(text)
        if (person := await self._with_person(state, incoming, text, ctx)) is not None:
            return person
        if word == "petugas" and self._people(ctx):
            return await self._person.handover(state, text, ctx, bot_said=self._prompt_text(state, ctx))
        if word in ("menu", "batal"):
            intro = MSG.cancelled if (state and word == "batal") else MSG.menu
            return Turn(None, [self._menu(intro)])
        if word == "kembali":
            return self._back(state, ctx)
        if word in ("bantuan", "help"):
            return self._help(state, ctx)
        if word in self._shortcuts:
            return Turn(None, await self._shortcuts[word](ctx, {}))
        flow = self._flows.get(state["flow"]) if state else None
        if state and not (flow and state.get("flow_version") == flow.version):
            return Turn(None, [self._menu(MSG.restarted)])  # stored by an older release
        if state and flow:
            return await self._answer(flow, state, Answer(text, incoming.choice_id, incoming.media), ctx)
        if not text and not incoming.media:
            return Turn(state if flow else None, [self._menu(MSG.empty)], save=False)
        return await self._start(route(text, self.menu_choices), ctx, text)

    def greet(self, incoming: Incoming) -> Turn | None:
        """The answer to someone with no conversation when it needs nothing stored and no service: a
        greeting, MENU or BANTUAN (the web chat's first "halo"). None for anything else. Lets a
        channel answer a first message without creating a contact for it."""
        text = clean(incoming.text)
        if incoming.media or incoming.media_error or len(text) > MAX_TEXT:
            return None
        word = normalise(text)
        if word in self._shortcuts:
            return None
        intent = "menu" if word in ("", "menu", "batal") else route(text, self.menu_choices)
        return Turn(None, [Reply(MSG.welcome), self._menu()]) if intent == "menu" else (
            Turn(None, [Reply(MSG.help, self.menu_choices)]) if intent == "bantuan" else None)

    async def _with_person(self, state: State | None, incoming: Incoming, text: str, ctx: Context) -> Turn | None:
        """The helpdesk's turn, before any flow: a satisfaction answer after a ticket closed, or any
        message while a person handles the conversation. None: the bot's turn."""
        if not self._people(ctx):
            return None
        if ctx.contact.rate_ticket_id and (rated := await self._person.rated(incoming, text, ctx)) is not None:
            return rated
        leaving = bool(state and state.get("flow") == self._person.leave_flow)
        if ctx.contact.open_ticket_id or leaving:
            return await self._person.step(state, incoming, text, ctx, self._shortcuts)
        return None

    def _people(self, ctx: Context) -> bool:
        """Whether a person can take over here (the helpdesk is built and wired)."""
        return self._person is not None and ctx.services.helpdesk is not None

    def _prompt_text(self, state: State | None, ctx: Context) -> str | None:
        """The question the citizen was last asked, for the ticket's transcript."""
        flow = self._flows.get(state["flow"]) if state else None
        index = self._index(flow, state.get("step")) if flow and state else None
        if flow is None or index is None:
            return None
        step = flow.steps[index]
        return step.prompt(ctx, state["answers"]) if callable(step.prompt) else step.prompt

    # --- idle: the menu and starting flows ---

    def _menu(self, intro: str = MSG.menu) -> Reply:
        return Reply(intro, self.menu_choices)

    async def _start(self, intent: str | None, ctx: Context, text: str = "") -> Turn:
        if intent is None:
            return Turn(None, [self._menu(MSG.not_understood)])
        if intent == "menu":
            return Turn(None, [Reply(MSG.welcome), self._menu()])
        if intent == "bantuan":
            return Turn(None, [Reply(MSG.help, self.menu_choices)])
        if intent == "petugas" and self._people(ctx):
            return await self._person.handover(None, text, ctx)
        flow = self._flows.get(intent)
        if flow is None:
            label = getattr(MSG, f"label_{intent}")
            return Turn(None, [self._menu(MSG.not_available.format(service=label))])
        if flow.guard and (refusal := await flow.guard(ctx)):
            return Turn(None, refusal, flow=flow.name)
        state: State = {"flow": flow.name, "answers": {}, "flow_version": flow.version}
        return await self._advance(flow, state, 0, ctx, [])

    # --- inside a flow ---

    async def _answer(self, flow: Flow, state: State, answer: Answer, ctx: Context) -> Turn:
        index = self._index(flow, state["step"])
        if index is None:  # a step that no longer exists
            return Turn(None, [self._menu()])
        step = flow.steps[index]
        if not answer.text and not answer.media and answer.choice_id is None:
            return Turn(state, [Reply(MSG.empty)], save=False)
        offered = [Choice(i, label) for i, label in state.get("offered", [])]
        answer = Answer(answer.text, answer.choice_id or _pick(answer.text, offered), answer.media)
        answers = state["answers"]
        result = step.parse(answer, ctx, answers)
        if inspect.isawaitable(result):
            result = await result
        if isinstance(result, Stop):
            return Turn(None, list(result.replies), flow=flow.name)
        if isinstance(result, Jump):
            target = self._index(flow, result.step)
            if target is None:
                return Turn(None, [self._menu()])
            return self._prompt(flow, {**state, "return_to": list(result.then or (step.id,))}, target, ctx, [])
        if isinstance(result, Retry) and (intent := match_intent(answer.text)) is not None:
            if intent == "petugas" and self._people(ctx):  # "sy mau bicara dgn petugas" in the middle of a form
                return await self._person.handover(state, answer.text, ctx, bot_said=self._prompt_text(state, ctx))
            if intent == flow.name:  # asked for the form it is in ("cek bpjs" at its NIK step): ask again
                return self._prompt(flow, {**state, "retries": state.get("retries", 0)}, index, ctx, [])
        if isinstance(result, Retry):
            retries = state.get("retries", 0) + (1 if result.counts and not result.proof else 0)
            if retries >= MAX_RETRIES:
                return Turn(None, [self._menu(MSG.too_many_tries)], flow=flow.name)
            choices = result.choices or _choices(step, ctx, answers)
            new = {**state, "retries": retries, "offered": [[c.id, c.label] for c in choices]}
            return Turn(_stamp(new, ctx), [Reply(result.message, choices, proof=result.proof)])
        new = {**state, "answers": {**answers, step.id: result.value}}
        if "return_to" in new:
            return self._return(flow, new, ctx)
        return await self._advance(flow, new, index + 1, ctx, [])

    def _return(self, flow: Flow, state: State, ctx: Context) -> Turn:
        """After a Jump: the next step still to visit, skipping those whose condition holds."""
        pending = list(state.pop("return_to"))
        while pending:
            index = self._index(flow, pending.pop(0))
            step = flow.steps[index] if index is not None else None
            if step and not (step.skip_if and step.skip_if(ctx, state["answers"])):
                return self._prompt(flow, {**state, "return_to": pending} if pending else state, index, ctx, [])
        return Turn(None, [self._menu()])

    def _prompt(self, flow: Flow, state: State, index: int, ctx: Context, replies: list[Reply]) -> Turn:
        step = flow.steps[index]
        choices = _choices(step, ctx, state["answers"])
        text = step.prompt(ctx, state["answers"]) if callable(step.prompt) else step.prompt
        new = {**state, "step": step.id, "retries": 0, "offered": [[c.id, c.label] for c in choices]}
        return Turn(_stamp(new, ctx), [*replies, Reply(text, choices, request_phone=step.request_phone)])

    async def _advance(self, flow: Flow, state: State, index: int, ctx: Context, replies: list[Reply]) -> Turn:
        """Prompt the first step from `index` on that is not skipped, or finish the flow."""
        answers = state["answers"]
        for i in range(index, len(flow.steps)):
            step = flow.steps[i]
            if step.skip_if and step.skip_if(ctx, answers):
                continue
            return self._prompt(flow, state, i, ctx, replies)
        return Turn(None, [*replies, *await flow.on_complete(ctx, answers)], flow=flow.name)

    def _back(self, state: State | None, ctx: Context) -> Turn:
        flow = self._flows.get(state["flow"]) if state else None
        index = self._index(flow, state.get("step")) if (flow and state) else None
        if not flow or not state or not index:
            return Turn(None, [self._menu()])
        answers = dict(state["answers"])
        back = {**state}
        if "return_to" in state:  # correcting an answer: the step left is still to be asked again after
            back["return_to"] = [state["step"], *state["return_to"]]
        for i in range(index - 1, -1, -1):
            step = flow.steps[i]
            answers.pop(step.id, None)
            if not (step.skip_if and step.skip_if(ctx, answers)):
                return self._prompt(flow, {**back, "answers": answers}, i, ctx, [])
        return Turn(None, [self._menu()])

    def _help(self, state: State | None, ctx: Context) -> Turn:
        flow = self._flows.get(state["flow"]) if state else None
        index = self._index(flow, state.get("step")) if (flow and state) else None
        if flow is None or index is None:
            return Turn(None, [Reply(MSG.help, self.menu_choices)])
        step = flow.steps[index]
        text = step.prompt(ctx, state["answers"]) if callable(step.prompt) else step.prompt
        offered = tuple(Choice(i, label) for i, label in state.get("offered", []))
        return Turn(state, [Reply(MSG.help), Reply(f"{MSG.help_in_flow}\n\n{text}", offered)], save=False)

    @staticmethod
    def _index(flow: Flow | None, step_id: str | None) -> int | None:
        if flow is None:
            return None
        return next((i for i, s in enumerate(flow.steps) if s.id == step_id), None)


def _choices(step: Step, ctx: Context, answers: Mapping[str, Any]) -> tuple[Choice, ...]:
    return step.choices(ctx, answers) if callable(step.choices) else step.choices


def _pick(text: str, offered: Sequence[Choice]) -> str | None:
    """The offered choice a text names, by its number or its label."""
    norm = normalise(text)
    if norm.isdigit() and 1 <= int(norm) <= len(offered):
        return offered[int(norm) - 1].id
    return next((c.id for c in offered if normalise(c.label) == norm), None)


def _stamp(state: State, ctx: Context) -> State:
    return {**state, "updated_at": ctx.now.isoformat()}
