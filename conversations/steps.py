"""What flows are made of: steps, flows, what a parser returns, and a turn's result. The engine
(conversations/engine.py) runs them; every flow module declares itself with these."""
from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from conversations.context import Context
from conversations.model import Choice, Media, Reply

__all__ = ["Action", "Answer", "Begin", "Choices", "Command", "Flow", "Jump", "MAX_RETRIES", "Ok", "Parsed",
           "Parser", "Retry", "State", "Step", "Stop", "Text", "Turn"]

MAX_RETRIES = 3
State = dict[str, Any]


@dataclass(frozen=True, slots=True)
class Answer:
    text: str
    choice_id: str | None = None
    media: tuple[Media, ...] = ()


@dataclass(frozen=True, slots=True)
class Ok:
    """A good answer. `also`: answers to later steps given in the same message ("BRI 1234567890"
    answers the bank and the account): those steps are not asked."""

    value: Any
    also: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Retry:
    """A re-prompt that says what a good answer looks like; `choices` replace the step's own.
    `counts=False` for a step that collects several answers (documents): not a failed answer."""

    message: str
    choices: tuple[Choice, ...] = ()
    counts: bool = True
    proof: bool = False  # the web chat must solve a proof of work, then the same answer comes again


@dataclass(frozen=True, slots=True)
class Stop:
    """End the flow now with these replies (e.g. the NIK already has a report)."""

    replies: tuple[Reply, ...]


@dataclass(frozen=True, slots=True)
class Jump:
    """Go back to an earlier step to change its answer, then visit the `then` steps in order (those
    whose skip condition holds are passed over), by default the step that jumped."""

    step: str
    then: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Begin:
    """What a command returns to start a flow (one not on the menu) with answers already known."""

    flow: str
    answers: Mapping[str, Any] = field(default_factory=dict)


Parsed = Ok | Retry | Stop | Jump
Parser = Callable[[Answer, Context, Mapping[str, Any]], Parsed | Awaitable[Parsed]]
Text = str | Callable[[Context, Mapping[str, Any]], str]
Choices = tuple[Choice, ...] | Callable[[Context, Mapping[str, Any]], tuple[Choice, ...]]
Action = Callable[[Context, Mapping[str, Any]], Awaitable[list[Reply]]]
# A word with an argument that works in any state (e.g. TAUTKAN <kode>): None when the message is
# not for it, so it goes on as usual; replies leave the conversation as it was; Begin starts a flow.
Command = Callable[[str, Context], Awaitable[list[Reply] | Begin | None]]


@dataclass(frozen=True, slots=True)
class Step:
    id: str
    prompt: Text
    parse: Parser
    choices: Choices = ()
    skip_if: Callable[[Context, Mapping[str, Any]], bool] | None = None
    request_phone: bool = False  # offer the channel's "share my number" button
    label: str = ""  # the field's name for the citizen ("nomor KK"): progress, resume, "ubah <label>"
    later: bool = False  # may be left for later ("nanti", "besok saya kirim"): the answer is then None
    example: str = ""  # a right answer, shown after repeated failed tries
    help: str = ""  # what the step asks, in other words, for a question asked at it ("nik itu apa?")


@dataclass(frozen=True, slots=True)
class Flow:
    """A named sequence of steps and the action run with the answers. No steps: an action only."""

    name: str
    on_complete: Action
    steps: tuple[Step, ...] = ()
    version: int = 1  # bump when steps are renamed: older states then start over
    # how long its answers are kept as a draft when the citizen leaves it (menu, failures, timeout, a
    # person); None: no draft (a one-step flow)
    keep: timedelta | None = None
    progress: bool = False  # "Langkah 9 dari 19" on the prompts (the long forms)
    title: str = ""  # its name in "Lanjutkan {title} yang belum selesai?"
    # checked before the first question; replies returned here are sent instead of starting
    guard: Callable[[Context], Awaitable[list[Reply] | None]] | None = None
    forgets: bool = False  # once done, nothing of the conversation is kept, drafts neither (HAPUS DATA SAYA)


@dataclass(slots=True)
class Turn:
    state: State | None
    replies: list[Reply] = field(default_factory=list)
    save: bool = True  # False: nothing changes (bad input), the stored state stays as it was
    flow: str | None = None  # the flow that answered, when the state does not say (it ended in this turn)
    keep: timedelta | None = None  # how long the store keeps `state` (its drafts' retention); None: the default


