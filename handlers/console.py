"""Console channel (`python -m bot chat`): plain text, choices as a numbered list."""
from __future__ import annotations

from conversations.model import Incoming, Reply

__all__ = ["parse", "render"]

CHANNEL = "console"


def parse(user_id: str, line: str) -> Incoming:
    return Incoming(channel=CHANNEL, user_id=user_id, text=line)


def render(replies: list[Reply]) -> str:
    blocks = []
    for r in replies:
        lines = [r.text, *(f"  {i}. {c.label}" for i, c in enumerate(r.choices, 1))]
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks)
