"""Web chat channel: the JSON body of POST /api/chat in, the contract's reply shape out; and the
web chat as a channel the outbox sends to (`WebChannel`): what we send outside a reply is kept per
web user and read by the page with GET /api/chat/messages."""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, StrictStr

from conversations.model import Incoming, Reply
from conversations.notices import render_notice_reply
from handlers.attachments import keep
from handlers.dispatch import SendFailed
from storage.files import AttachmentStore
from storage.web_inbox import WebInbox, WebItem

__all__ = ["CURSOR_PATTERN", "ChatIn", "USER_MAX", "USER_PATTERN", "WebChannel", "parse", "parse_upload", "render"]

CHANNEL = "web"
USER_PATTERN, USER_MAX = r"^[A-Za-z0-9_.:@-]+$", 64
CURSOR_PATTERN = r"^[0-9]{1,18}$"  # the last message id the page has, as text (opaque to the page)
PAGE = 50  # messages per GET /api/chat/messages


class ChatIn(BaseModel):
    model_config = ConfigDict(extra="ignore")

    # the browser's own random id (kept in localStorage); never shown to anyone
    user: StrictStr = Field(min_length=1, max_length=USER_MAX, pattern=USER_PATTERN)
    # the engine answers over-long texts kindly; far beyond that is refused outright
    text: StrictStr = Field(max_length=20_000)
    # a solved proof-of-work challenge (ALTCHA's base64 payload), sent again with the same text
    altcha: StrictStr | None = Field(default=None, max_length=2000)


def parse(body: ChatIn, *, ip: str | None = None, proof: bool = False) -> Incoming:
    """`ip`: the client's address; `proof`: the message came with a solved, unused challenge."""
    return Incoming(channel=CHANNEL, user_id=body.user, text=body.text, ip=ip, proof=proof)


async def parse_upload(attachments: AttachmentStore, *, user: str, data: bytes | None, max_bytes: int,
                       ip: str | None = None) -> Incoming:
    """A file sent from the page, taken as on the messaging channels: the same sniffing, size limit
    and storage (handlers/attachments.py); a refusal goes to the engine as the channels' would."""
    if data is None or len(data) > max_bytes:
        return Incoming(channel=CHANNEL, user_id=user, media_error="too_large", ip=ip)
    if not data:
        return Incoming(channel=CHANNEL, user_id=user, media_error="empty", ip=ip)
    media, error = await keep(attachments, data, channel=CHANNEL)
    return Incoming(channel=CHANNEL, user_id=user, media=(media,) if media else (), media_error=error, ip=ip)


def render(replies: list[Reply]) -> dict[str, Any]:
    return {"replies": [{"text": r.text, "choices": [c.label for c in r.choices]} for r in replies]}


def _labels(reply: Reply) -> list[str]:
    """The buttons the page shows under a message; pressing one sends its text. A notice's actions
    are whole commands, so the page sends their ids."""
    return [c.label for c in reply.choices] or [a.id for a in reply.actions]


def _shown(item: WebItem) -> dict[str, Any]:
    return {"id": str(item.id), "text": item.text, "choices": list(item.choices)}


class WebChannel:
    """The outbox's sender for the web chat: a message is stored for the page, and so "sent" at once."""

    def __init__(self, *, inbox: WebInbox) -> None:
        self._inbox = inbox

    async def send(self, address: str, replies: Sequence[Reply], *, contact_id: int | None = None,
                   patient: bool = True) -> list[str]:
        """Keep the replies for the web user `address`; "web:<id>" for each. `contact_id` and
        `patient` are the other senders' arguments: the address alone says who it is for."""
        owner = await self._inbox.contact_id(user=address)
        if owner is None:
            raise SendFailed("permanent: no web chat contact at this address")
        ids = await self._inbox.deliver_many(contact_id=owner, messages=[(r.text, _labels(r)) for r in replies])
        return [f"web:{i}" for i in ids]

    async def push(self, contact_id: int, body: str) -> None:
        """A notice (an outbox body) into this web contact's page at once, rendered as the outbox would."""
        reply = render_notice_reply(body)
        await self._inbox.deliver(contact_id=contact_id, text=reply.text, choices=_labels(reply))

    async def messages(self, *, user: str, after: str | None) -> dict[str, Any]:
        """The contract's answer: this user's messages after the cursor, oldest first, at most PAGE,
        and the cursor to send next (the same one when nothing is new). An unknown user gets none,
        and no contact is made."""
        owner = await self._inbox.contact_id(user=user)
        if owner is None:
            return {"messages": [], "cursor": None}
        items = await self._inbox.after(contact_id=owner, cursor=int(after) if after else None, limit=PAGE)
        return {"messages": [_shown(i) for i in items], "cursor": str(items[-1].id) if items else after}
