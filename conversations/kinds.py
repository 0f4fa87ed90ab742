"""Before a turn: what the channel could not turn into an answer, and a pressed choice checked
against what was last offered.

A refused file ("too_large", "bad_type", "not_saved", "empty") is said as such. A message kind we
cannot read (voice note, sticker, contact card, video, location) gets a kind answer saying what to
send instead, followed by the question the citizen is on; neither counts as a failed try (nothing
is saved). A choice id (a WhatsApp button or list reply) must be one the last question offered:
then it answers with exactly that choice (its label as the text); one from an earlier question
is "no longer valid" and the question is shown again."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

from conversations.messages_id import MSG
from conversations.model import Choice, Incoming, Reply
from conversations.steps import Turn

__all__ = ["KINDS", "screen"]

# message kinds the channels pass on as `media_error`, and what we say to each
KINDS = {"voice": MSG.kind_voice, "sticker": MSG.kind_sticker, "contact": MSG.kind_contact,
         "video": MSG.kind_video, "location": MSG.kind_location, "unsupported": MSG.kind_other}


def _refusal(error: str, media_limit: str) -> str:
    return {"too_large": MSG.media_too_large.format(limit=media_limit), "not_saved": MSG.media_not_saved,
            "empty": MSG.upload_no_file}.get(error, MSG.media_bad_type)


def screen(state: dict[str, Any] | None, incoming: Incoming, prompt: Callable[[], str | None],
           media_limit: str) -> Turn | Incoming:
    """A Turn that answers now and changes nothing, or the message to go on with. `prompt`: the
    question the citizen is on (None outside a flow)."""
    offered = tuple(Choice(i, label) for i, label in (state or {}).get("offered", []))
    if incoming.media_error:
        said = KINDS.get(incoming.media_error) or _refusal(incoming.media_error, media_limit)
        if incoming.media_error in KINDS and (asked := prompt()):
            said = MSG.kind_prompt.format(said=said, prompt=asked)
        return Turn(state, [Reply(said, offered)], save=False)
    if incoming.choice_id is None:
        return incoming
    chosen = next((c for c in offered if c.id == incoming.choice_id), None)
    if chosen is not None:
        return replace(incoming, text=chosen.label)
    if offered:
        asked = prompt()
        return Turn(state, [Reply(MSG.kind_prompt.format(said=MSG.choice_stale, prompt=asked) if asked
                                  else MSG.choice_stale, offered)], save=False)
    return replace(incoming, choice_id=None)  # nothing was offered to check it against: read the text
