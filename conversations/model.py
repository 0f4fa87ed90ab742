"""The neutral message model at the seam between channels and flows (STYLE rule 1)."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

__all__ = ["Choice", "Incoming", "Media", "Reply"]


@dataclass(frozen=True, slots=True)
class Media:
    """An attachment already stored by the channel: a key in the attachment store, never bytes."""

    key: str
    content_type: str
    size: int


@dataclass(frozen=True, slots=True)
class Incoming:
    """One inbound message, whatever the channel. `user_id` is the channel's own id of the person
    (web chat id, Telegram chat id, WhatsApp number); flows never see it."""

    channel: str
    user_id: str
    text: str = ""
    choice_id: str | None = None
    media: tuple[Media, ...] = ()
    platform_id: str | None = None
    # why an attachment was refused by the channel: "too_large", "bad_type", or "not_saved" (our disk
    # could not store it: full); None when all was fine
    media_error: str | None = None
    display_name: str | None = None
    phone: str | None = None
    # the web chat only: the client's address (behind the configured trusted proxies), and whether
    # this message came with a solved proof-of-work challenge (services/proof.py); never for the
    # messaging channels, whose requests come from the provider
    ip: str | None = None
    proof: bool = False
    received_at: datetime = field(default_factory=lambda: datetime.now(UTC))


@dataclass(frozen=True, slots=True)
class Choice:
    id: str
    label: str


@dataclass(frozen=True, slots=True)
class Reply:
    """One outbound message. Channels render `choices` their own way (buttons, a numbered list).
    `actions` are buttons under the message itself, for messages we start (notices): each id is a
    whole command that works with no conversation state, so pressing the button sends the id
    (Telegram: an inline keyboard); channels without such buttons rely on the text, which says
    what to type."""

    text: str
    choices: tuple[Choice, ...] = ()
    media: Media | None = None
    request_phone: bool = False
    actions: tuple[Choice, ...] = ()
    # the web chat must solve a proof-of-work challenge and send the same message again
    proof: bool = False
