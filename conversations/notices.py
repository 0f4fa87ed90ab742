"""Texts for messages we start (not replies): rendered from what the services put in the outbox,
so that every user-facing string stays in the catalogue."""
from __future__ import annotations

import json

from conversations.messages_id import MSG

__all__ = ["render_notice"]


def render_notice(body: str) -> str:
    """The message for an outbox body: a JSON notice from a service, or plain text as written."""
    try:
        notice = json.loads(body)
    except ValueError:
        return body
    if not isinstance(notice, dict):
        return body
    if notice.get("notice") == "announcement":
        link = f"\n{notice['link']}" if notice.get("link") else ""
        return MSG.announcement.format(title=notice["title"], body=notice["body"], link=link)
    if notice.get("notice") != "report_status":
        return body
    lines = [MSG.notice_status.format(reference=notice["reference"], status=MSG.status_names[notice["status"]])]
    if notice.get("note"):
        lines.append(MSG.notice_note.format(note=notice["note"]))
    if notice["status"] == "perlu_perbaikan":
        lines.append(MSG.notice_fix.format(reference=notice["reference"]))
    return "\n".join(lines)
