"""A form never throws away what the citizen typed (issue 17, PRODUCT.md): any sequence of messages
through any form that keeps drafts (the death report, the coverage check) never loses an accepted
answer unless the citizen chose to.

After every turn, each answer the form held before it (in the current form or in its parked draft)
is still held after it, under the same step, maybe with a new value (the citizen changed it). It may
go only when the citizen chose that:
- KEMBALI: the answer of the step gone back to, to be given again;
- BATAL and then "Hapus", or "Mulai baru" when a draft is offered, or "hapus data saya";
- the form ended: filed at the summary, or stopped where a step ends it (no consent, a NIK already
  reported, a death past the window, the coverage lookup answered).

The conversations are tests/fuzz/test_engine_props.py's (random texts, media, global words, good
answers to whatever is asked), through the same dispatcher and SQL state store, plus the words that
delete."""
from __future__ import annotations

from dataclasses import replace

from hypothesis import event, example, given
from hypothesis import strategies as st

from conversations.drafts import pick as _pick
from conversations.messages_id import MSG
from conversations.model import Choice, Incoming
from conversations.parsing import normalise
from tests.fuzz import fuzz_settings
from tests.fuzz.test_engine_props import (  # noqa: F401  (world: a fixture)
    Turn,
    _found,
    _good_answer,
    begin,
    conversations,
    world,
)
from tests.fuzz.world import World

_FORMS = ("lapor_kematian", "cek_bpjs")
# the steps whose answer may end the form (filed, or a Stop)
_ENDS = {"lapor_kematian": {"consent", "nik", "date", "confirm", "which"}, "cek_bpjs": {"nik", "nama"}}
_DELETING = ["batal", MSG.batal_drop, "2", MSG.draft_fresh, "hapus data saya", MSG.erase_yes, "kembali"]


def _held(state: dict | None, form: str) -> dict:
    """The answers `state` holds for `form`: the current form's, or its parked draft's."""
    if not state:
        return {}
    if state.get("back") is not None:  # "leave the person?" asked: the conversation before it, kept
        return _held(state["back"], form)
    if state.get("flow") == form:
        return state.get("answers") or {}
    return ((state.get("drafts") or {}).get(form) or {}).get("answers") or {}


def _chosen(before: dict | None, text: str) -> str | None:
    offered = [Choice(i, label) for i, label in (before or {}).get("offered", [])]
    return _pick(text, offered)


def _may_lose(before: dict | None, after: dict | None, form: str, text: str) -> set[str] | None:
    """The answers of `form` this turn may drop (None: any)."""
    pending, said = (before or {}).get("pending") or "", normalise(text)
    if pending == "batal" and _chosen(before, text) == "hapus":
        return None
    if pending == f"resume:{form}" and _chosen(before, text) == "baru":
        return None
    if (before or {}).get("flow") == "hapus_data":  # the citizen's data erased, at their request
        return None
    if (before or {}).get("flow") == form and said == "kembali" and after and after.get("flow") == form:
        return {after["step"]}
    ended = not _held(after, form) and (after or {}).get("flow") != form
    if ended and (before or {}).get("flow") == form and before.get("step") in _ENDS[form] \
            and said not in ("menu", "batal", "kembali", "berhenti", "stop"):
        return None
    return set()


async def _play(w: World, convo) -> None:
    rt = w.rt
    user, channel, _contact, key, fill = await begin(w, convo, "drafts")
    said: list[str] = []
    for n, turn in enumerate(convo.steps()):
        before = await rt.store.load(key)
        if turn.good is not None and (before or {}).get("flow") == "hapus_data":  # not in the engine fuzz's answers
            turn = Turn(text=(MSG.erase_yes, MSG.erase_no)[turn.good % 2])
        elif turn.good is not None:
            turn = _good_answer(before, turn.good)
        text = turn.text
        for mark, value in fill.items():
            text = text.replace(mark, value)
        said.append(text or f"<{len(turn.media)} media, {turn.media_error}>")
        await rt.dispatcher.handle(Incoming(channel=channel, user_id=user, text=text, media=turn.media,
                                            media_error=turn.media_error, platform_id=f"fd-{next(w.ids)}",
                                            display_name=convo.display_name, phone=convo.phone))
        after = await rt.store.load(key)
        for form in _FORMS:
            held, kept = _held(before, form), _held(after, form)
            allowed = _may_lose(before, after, form, text)
            lost = set(held) - set(kept) - (allowed if allowed is not None else set(held))
            where = [s and (s.get("flow"), s.get("step")) for s in (before, after)]
            assert not lost, f"turn {n} {text[:60]!r} ({where}) lost {form} answers {sorted(lost)}; said {said}"
            if held and allowed is None and not kept:
                event(f"{form}: deleted or ended by the citizen")
            elif held:
                event(f"{form}: answers kept")


@st.composite
def _with_deleting(draw):
    convo = draw(conversations())
    extra = draw(st.lists(st.sampled_from(_DELETING), max_size=3))
    at = draw(st.integers(0, len(convo.turns)))
    turns = (*convo.turns[:at], *(Turn(text=t) for t in extra), *convo.turns[at:])
    return replace(convo, turns=turns)


_LATER = "santunan, everything later, then change the bank"


@fuzz_settings(80)
@given(convo=_with_deleting())
# BANTUAN after MENU stored an empty state: the parked report was gone
@example(convo=_found(_LATER, 3, "menu", "bantuan"))
# "hapus data saya" inside the report, then "tidak": the report's answers were gone before any yes
@example(convo=_found(_LATER, 8, "hapus data saya", MSG.erase_no, "lapor kematian"))
def test_no_accepted_answer_is_lost_unless_the_citizen_chose_it(world, convo):  # noqa: F811
    world.runner.run(_play(world, convo))
