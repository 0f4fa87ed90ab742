"""Web chat channel: the JSON body of POST /api/chat in, the contract's reply shape out."""
from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, StrictStr

from conversations.model import Incoming, Reply

__all__ = ["ChatIn", "parse", "render"]

CHANNEL = "web"


class ChatIn(BaseModel):
    model_config = ConfigDict(extra="ignore")

    # the browser's own random id (kept in localStorage); never shown to anyone
    user: StrictStr = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.:@-]+$")
    # the engine answers over-long texts kindly; far beyond that is refused outright
    text: StrictStr = Field(max_length=20_000)
    # a solved proof-of-work challenge (ALTCHA's base64 payload), sent again with the same text
    altcha: StrictStr | None = Field(default=None, max_length=2000)


def parse(body: ChatIn, *, ip: str | None = None, proof: bool = False) -> Incoming:
    """`ip`: the client's address; `proof`: the message came with a solved, unused challenge."""
    return Incoming(channel=CHANNEL, user_id=body.user, text=body.text, ip=ip, proof=proof)


def render(replies: list[Reply]) -> dict[str, Any]:
    return {"replies": [{"text": r.text, "choices": [c.label for c in r.choices]} for r in replies]}
