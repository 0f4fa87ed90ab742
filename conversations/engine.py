"""The conversation engine: flows declared as steps, run one turn at a time.

A turn is `step(state, incoming, ctx) -> Turn(state, replies)`. The engine never opens a database,
Redis or HTTP connection; everything outside comes through `ctx.services`, called by a step's
parser or a flow's final action. State is a small JSON-able dict:
`{flow, step, answers, retries, offered, flow_version, updated_at}` (+ `version`, owned by the store)."""
from __future__ import annotations

import inspect
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from conversations import drafts, kinds, questions
from conversations.context import Context
from conversations.edits import edit_target, shown
from conversations.messages_id import MSG
from conversations.model import Choice, Incoming, Reply
from conversations.parsing import MAX_TEXT, clean, is_later, normalise
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
                 media_limit_mb: float = 10, commands: Sequence[Command] = (), person: Any = None,
                 timeout: timedelta = timedelta(minutes=30)) -> None:
        """`flows` by intent name; `shortcuts` are whole-message words from other modules
        (e.g. `berhenti`), each leaving any conversation in progress (a form's answers kept as a
        draft); `commands` are tried first; `person`: the helpdesk mode (conversations/helpdesk.py
        `PersonMode`), asked before any flow; `timeout`: idle time after which a conversation is
        over (a form's answers then wait as a draft, conversations/drafts.py)."""
        self._flows, self._person, self._timeout = dict(flows), person, timeout
        self.flow_names = frozenset(self._flows)
        self._commands = tuple(commands)
        self._media_limit = f"{media_limit_mb:g}"
        self._shortcuts = {normalise(k): v for k, v in shortcuts.items()}
        self.menu_choices = tuple(
            Choice(i, getattr(MSG, f"label_{i}")) for i in INTENTS
            if i in self._flows or i == "bantuan" or (i == "petugas" and person is not None))

    async def step(self, state: State | None, incoming: Incoming, ctx: Context) -> Turn:
        turn = await self._step(state, incoming, ctx)
        if turn.state is not None and turn.keep is None:  # a form's draft outlives the idle timeout
            turn.keep = drafts.keep_for(turn.state, self._flows)
        offered = turn.replies[-1].choices if turn.replies and turn.save else ()
        if (turn.state is not None and not turn.state.get("flow") and turn.save) or \
                (turn.state is None and offered and tuple(offered) != self.menu_choices):
            turn.state = drafts.holding(turn.state, offered, ctx.now)
        return turn

    async def _step(self, state: State | None, incoming: Incoming, ctx: Context) -> Turn:
        if len(incoming.text) > MAX_TEXT:
            return Turn(state, [Reply(MSG.too_long.format(limit=MAX_TEXT))], save=False)
        # a refused file or unreadable kind answers now; a pressed choice is checked (conversations/kinds.py)
        screened = kinds.screen(state, incoming, lambda: self._prompt_text(state, ctx), self._media_limit)
        if isinstance(screened, Turn):
            return screened
        incoming = screened
        text = drafts.chosen(state, clean(incoming.text))
        for command in self._commands if text else ():
            result = await command(text, ctx)
            if isinstance(result, Begin):
                flow = self._flows[result.flow]
                begun: State = {"flow": flow.name, "answers": dict(result.answers), "flow_version": flow.version,
                                "drafts": (drafts.park(state, self._flows, ctx.now) or {}).get("drafts") or {}}
                return await self._advance(flow, begun, 0, ctx, [])
            if result is not None:
                return Turn(state, result, save=False)
        word = normalise(text)
        if (person := await self._with_person(state, incoming, text, ctx)) is not None:
            return person
        if word == "petugas" and self._people(ctx):
            return await self._person.handover(state, text, ctx, bot_said=self._prompt_text(state, ctx))
        state, timed_out = self._expire(state, ctx)
        if word == "menu":
            kept = bool(state and state.get("flow") and state.get("answers"))
            return Turn(drafts.park(state, self._flows, ctx.now), [self._menu(MSG.draft_saved if kept else MSG.menu)])
        if word == "batal":
            return self._cancel(state, ctx)
        if word == "kembali":
            return self._back(state, ctx)
        if word in ("bantuan", "help"):
            return self._help(state, ctx)
        if word in self._shortcuts:
            return Turn(drafts.park(state, self._flows, ctx.now), await self._shortcuts[word](ctx, {}))
        flow = self._flows.get(state["flow"]) if state and state.get("flow") else None
        if state and state.get("flow") and not (flow and state.get("flow_version") == flow.version):
            return Turn(drafts.rest(state, self._flows, ctx.now), [self._menu(MSG.restarted)])  # an older release
        if flow:
            return await self._answer(flow, state, Answer(text, incoming.choice_id, incoming.media), ctx)
        if (resumed := await self._resume(state, incoming, text, ctx)) is not None:
            return resumed
        if not text and not incoming.media:
            return Turn(state, [self._menu(MSG.empty)], save=False)
        asked = await questions.idle(state, text, incoming.choice_id, ctx)
        if asked.replies is not None:
            keep = drafts.rest_open if asked.replies[-1].choices else drafts.rest  # choices to pick from next
            return Turn(keep(state, self._flows, ctx.now), asked.replies)
        intent = asked.intent or route(text, self.menu_choices)
        if timed_out and intent in (None, "menu", "bantuan"):  # back after a pause: the form first
            return self._offer(state, self._flows[timed_out], ctx)
        return await self._start(intent, ctx, text, state)

    def greet(self, incoming: Incoming) -> Turn | None:
        """The answer to someone with no conversation when it needs nothing stored and no service: a
        greeting, MENU or BANTUAN (the web chat's first "halo"). None for anything else. Lets a
        channel answer a first message without creating a contact for it."""
        text = clean(incoming.text)
        if incoming.media or incoming.media_error or len(text) > MAX_TEXT:
            return None
        word = normalise(text)
        if word in self._shortcuts or questions.is_question(text):  # a question: the knowledge base's
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

    async def _start(self, intent: str | None, ctx: Context, text: str = "", idle: State | None = None) -> Turn:
        """Idle: the menu, or a flow. `idle` is the conversation's document when it only holds drafts."""
        idle = drafts.rest(idle, self._flows, ctx.now)
        if intent is None:
            return Turn(idle, [self._menu(MSG.not_understood)])
        if intent == "menu":
            return Turn(idle, [Reply(MSG.welcome), self._menu()])
        if intent == "bantuan":
            return Turn(idle, [Reply(MSG.help, self.menu_choices)])
        if intent == "petugas" and self._people(ctx):
            return await self._person.handover(idle, text, ctx)
        flow = self._flows.get(intent)
        if flow is None:
            label = getattr(MSG, f"label_{intent}")
            return Turn(idle, [self._menu(MSG.not_available.format(service=label))])
        if flow.name in ((idle or {}).get("drafts") or {}):  # started before: continue, or start again?
            return self._offer(idle, flow, ctx)
        if flow.guard and (refusal := await flow.guard(ctx)):
            return Turn(idle, refusal, flow=flow.name)
        state: State = {"flow": flow.name, "answers": {}, "flow_version": flow.version,
                        "drafts": (idle or {}).get("drafts") or {}}
        return await self._advance(flow, state, 0, ctx, [])

    # --- drafts (conversations/drafts.py) ---

    def _expire(self, state: State | None, ctx: Context) -> tuple[State | None, str | None]:
        """A form idle past the timeout is over: its answers wait as a draft. Also the flow's name,
        to offer it when the citizen comes back with anything but another request."""
        if not (state and state.get("flow") and state.get("updated_at")):
            return state, None
        if ctx.now - datetime.fromisoformat(state["updated_at"]) <= self._timeout:
            return state, None
        parked = drafts.park(state, self._flows, ctx.now)
        return parked, state["flow"] if state["flow"] in ((parked or {}).get("drafts") or {}) else None

    def _offer(self, idle: State | None, flow: Flow, ctx: Context) -> Turn:
        draft = (idle or {}).get("drafts", {}).get(flow.name)
        if draft is None:
            return Turn(idle, [self._menu()])
        offered, reply = drafts.offer(idle, flow, draft, ctx.now)
        return Turn(offered, [reply], flow=flow.name)

    async def _resume(self, state: State | None, incoming: Incoming, text: str, ctx: Context) -> Turn | None:
        """The answer to "Lanjutkan … yang belum selesai?"; None for any other message (the offer lapses)."""
        pending = (state or {}).get("pending") or ""
        flow = self._flows.get(pending.removeprefix("resume:")) if pending.startswith("resume:") else None
        if flow is None:
            return None
        offered = [Choice(i, label) for i, label in state.get("offered", [])]
        pick = incoming.choice_id or drafts.pick(text, offered)
        if pick == drafts.CONTINUE and flow.name in state.get("drafts", {}):
            resumed = drafts.resume(state, flow, ctx.now)
            return self._prompt(flow, resumed, self._index(flow, resumed["step"]) or 0, ctx, [])
        if pick == drafts.FRESH:
            return await self._start(flow.name, ctx, text, drafts.rest(state, self._flows, ctx.now, drop=flow.name))
        return None

    def _cancel(self, state: State | None, ctx: Context) -> Turn:
        """BATAL: a form with answers asks first whether to keep them."""
        flow = self._flows.get(state["flow"]) if state and state.get("flow") else None
        if flow and flow.keep and state.get("answers"):
            choices = (Choice("simpan", MSG.batal_keep), Choice("hapus", MSG.batal_drop))
            asking = {**state, "pending": "batal", "offered": [[c.id, c.label] for c in choices]}
            return Turn(_stamp(asking, ctx), [Reply(MSG.batal_ask, choices)])
        return Turn(drafts.rest(state, self._flows, ctx.now, drop=state.get("flow") if state else None),
                    [self._menu(MSG.cancelled if state else MSG.menu)])

    def _pending(self, flow: Flow, state: State, step: Step, answer: Answer, ctx: Context) -> Turn | Ok | None:
        """The answer to the engine's own question at a step (BATAL's keep-or-delete, or the way
        out after repeated failed tries), a deferral at a step that allows one, "ubah <field>"."""
        pending, pick = state.get("pending"), answer.choice_id
        if pending == "batal" and pick in ("simpan", "hapus"):
            kept = pick == "simpan"
            after = (drafts.park(state, self._flows, ctx.now) if kept
                     else drafts.rest(state, self._flows, ctx.now, drop=flow.name))
            return Turn(after, [self._menu(MSG.draft_saved if kept else MSG.cancelled)])
        if pending == "stuck" and pick == "menu":
            return Turn(drafts.park(state, self._flows, ctx.now), [self._menu(MSG.draft_saved)])
        if step.later and not answer.media and (pick == "lewati" or (pick is None and is_later(answer.text))):
            return Ok(None)
        if (target := edit_target(flow, answer.text)) is not None and target != step.id:
            return Jump(target, then=(step.id,))  # type: ignore[return-value]
        return None

    # --- inside a flow ---

    async def _answer(self, flow: Flow, state: State, answer: Answer, ctx: Context) -> Turn:
        index = self._index(flow, state["step"])
        if index is None:  # a step that no longer exists
            return Turn(None, [self._menu()])
        step = flow.steps[index]
        if not answer.text and not answer.media and answer.choice_id is None:
            return Turn(state, [Reply(MSG.empty)], save=False)
        offered = [Choice(i, label) for i, label in state.get("offered", [])]
        answer = Answer(answer.text, answer.choice_id or drafts.pick(answer.text, offered), answer.media)
        answers = state["answers"]
        if state.get("pending") == "stuck" and answer.choice_id == "tanya_petugas" and self._people(ctx):
            return await self._person.handover(state, answer.text, ctx, bot_said=self._prompt_text(state, ctx))
        result = self._pending(flow, state, step, answer, ctx)
        if isinstance(result, Turn):
            return result
        state = {k: v for k, v in state.items() if k != "pending"}
        if result is None:
            result = step.parse(answer, ctx, answers)
            if inspect.isawaitable(result):
                result = await result
        if isinstance(result, Stop):
            return Turn(drafts.rest(state, self._flows, ctx.now, drop=flow.name), list(result.replies), flow=flow.name)
        if isinstance(result, Jump):
            target = self._index(flow, result.step)
            if target is None:
                return Turn(drafts.park(state, self._flows, ctx.now), [self._menu()])
            return self._prompt(flow, {**state, "return_to": list(result.then or (step.id,))}, target, ctx, [])
        intent = match_intent(answer.text) if isinstance(result, Retry) else None
        if intent == "petugas" and self._people(ctx):  # "sy mau bicara dgn petugas" in the middle of a form
            return await self._person.handover(state, answer.text, ctx, bot_said=self._prompt_text(state, ctx))
        if isinstance(result, Retry) and (said := await questions.in_step(step, answer.text, ctx)) is not None:
            return Turn(state, [said, *self._prompt(flow, state, index, ctx, []).replies], save=False)
        if intent is not None and intent == flow.name:  # asked for the form it is in ("cek bpjs" at its NIK step)
            return self._prompt(flow, {**state, "retries": state.get("retries", 0)}, index, ctx, [])
        if isinstance(result, Retry):
            retries = state.get("retries", 0) + (1 if result.counts and not result.proof else 0)
            if retries >= MAX_RETRIES:  # never "start again": an example, and ways on with the answers kept
                return self._stuck(flow, state, step, result, ctx)
            choices = result.choices or _choices(step, ctx, answers)
            new = {**state, "retries": retries, "offered": [[c.id, c.label] for c in choices]}
            return Turn(_stamp(new, ctx), [Reply(result.message, choices, proof=result.proof)])
        new = {**state, "answers": {**answers, step.id: result.value, **result.also}}
        if "return_to" in new:
            return self._return(flow, new, ctx, answered=set(result.also))
        return await self._advance(flow, new, index + 1, ctx, [])

    def _stuck(self, flow: Flow, state: State, step: Step, result: Retry, ctx: Context) -> Turn:
        ways = [Choice("lewati", MSG.stuck_later)] if step.later else []
        if self._people(ctx):
            ways.append(Choice("tanya_petugas", MSG.stuck_person))
        ways.append(Choice("menu", MSG.stuck_menu))
        example = MSG.stuck_example.format(example=step.example) if step.example else ""
        stuck = {**state, "retries": 0, "pending": "stuck", "offered": [[c.id, c.label] for c in ways]}
        ways_on = MSG.stuck if flow.keep else MSG.stuck_short  # only a form with drafts keeps its answers
        return Turn(_stamp(stuck, ctx), [Reply(f"{result.message}\n\n{example}{ways_on}", tuple(ways))],
                    flow=flow.name)

    def _return(self, flow: Flow, state: State, ctx: Context, answered: set[str] = frozenset()) -> Turn:
        """After a Jump: the next step still to visit, skipping those whose condition holds and
        those the same message answered too."""
        pending = list(state.pop("return_to"))
        while pending:
            index = self._index(flow, pending.pop(0))
            step = flow.steps[index] if index is not None else None
            if step and step.id not in answered and not (step.skip_if and step.skip_if(ctx, state["answers"])):
                return self._prompt(flow, {**state, "return_to": pending} if pending else state, index, ctx, [])
        return Turn(drafts.park(state, self._flows, ctx.now), [self._menu()])

    def _prompt(self, flow: Flow, state: State, index: int, ctx: Context, replies: list[Reply]) -> Turn:
        step = flow.steps[index]
        choices = _choices(step, ctx, state["answers"])
        text = step.prompt(ctx, state["answers"]) if callable(step.prompt) else step.prompt
        if flow.progress and step.label:  # "Langkah 9 dari 19": where a long form stands
            n, m, _label = drafts.position(flow, step.id)
            text = f"{MSG.progress.format(n=n, m=m)}\n{text}"
        new = {**state, "step": step.id, "retries": 0, "offered": [[c.id, c.label] for c in choices]}
        new.pop("pending", None)
        return Turn(_stamp(new, ctx), [*replies, Reply(text, choices, request_phone=step.request_phone)])

    async def _advance(self, flow: Flow, state: State, index: int, ctx: Context, replies: list[Reply]) -> Turn:
        """Prompt the first step from `index` on that is not skipped, or finish the flow."""
        answers = state["answers"]
        for i in range(index, len(flow.steps)):
            step = flow.steps[i]
            if step.id in answers or (step.skip_if and step.skip_if(ctx, answers)):  # answered with an earlier one
                continue
            return self._prompt(flow, state, i, ctx, replies)
        done = await flow.on_complete(ctx, answers)
        after = None if flow.forgets else drafts.rest(state, self._flows, ctx.now, drop=flow.name)
        return Turn(after, [*replies, *done], flow=flow.name)

    def _back(self, state: State | None, ctx: Context) -> Turn:
        flow = self._flows.get(state["flow"]) if state else None
        index = self._index(flow, state.get("step")) if (flow and state) else None
        if not flow or not state or not index:
            return Turn(drafts.park(state, self._flows, ctx.now), [self._menu()])
        answers = dict(state["answers"])
        back = {**state}
        if "return_to" in state:  # correcting an answer: the step left is still to be asked again after
            back["return_to"] = [state["step"], *state["return_to"]]
        for i in range(index - 1, -1, -1):
            step = flow.steps[i]
            was = answers.pop(step.id, None)
            if not (step.skip_if and step.skip_if(ctx, answers)):  # asked again, with the answer it had
                said = shown(was, _choices(step, ctx, answers), self._place_name(ctx))
                return self._prompt(flow, {**back, "answers": answers}, i, ctx,
                                    [Reply(MSG.back_was.format(answer=said))] if said else [])
        return Turn(drafts.park(state, self._flows, ctx.now), [self._menu()])

    @staticmethod
    def _place_name(ctx: Context):
        return lambda code: (place.name if (place := ctx.services.wilayah.get(code)) else None)

    def _help(self, state: State | None, ctx: Context) -> Turn:
        flow = self._flows.get(state["flow"]) if state else None
        index = self._index(flow, state.get("step")) if (flow and state) else None
        if flow is None or index is None:
            return Turn(drafts.rest(state, self._flows, ctx.now), [Reply(MSG.help, self.menu_choices)])  # drafts kept
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


def _stamp(state: State, ctx: Context) -> State:
    return {**state, "updated_at": ctx.now.isoformat()}
