"""WhatsApp choices as buttons through Twilio's Content API: a reply with 2-3 choices becomes a
`twilio/quick-reply` (titles up to 20 characters), 4-10 a `twilio/list-picker` (items up to 24,
the whole label as the item's description); anything else stays the numbered text.

A label too long for a button gets its short title from the catalogue (MSG.wa_titles), never a cut
string; one that has none sends the reply as text. The template holds the choices and a `{{1}}`
body, so one template serves every question with the same choices: the question goes in
`ContentVariables`. Templates are created at run time (`POST /v1/Content`) and kept by a hash of
their content in the database (storage/content_templates.py), so each is created once across
processes and restarts. When creating one fails the reply goes as text, that is logged once, and
no new template is tried for a minute (a base URL without the Content API is not asked every time)."""
from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import re
import time
from typing import Any

import httpx

from conversations.messages_id import MSG
from conversations.model import Reply
from storage.content_templates import ContentTemplates

__all__ = ["ContentService", "content_base_url", "template_for", "title"]

log = logging.getLogger(__name__)
QUICK_MAX, LIST_MAX = 3, 10  # buttons in a session quick-reply; items in a list-picker
QUICK_TITLE, LIST_TITLE, LIST_DESCRIPTION = 20, 24, 72
BODY_MAX = 1024  # a content template's text, variables included
_SID = re.compile(r"^HX[0-9a-fA-F]{32}$")
_WAIT_FOR_OTHER = 2.0  # seconds to wait for another process creating the same template
PAUSE_AFTER_FAILURE = 60.0  # seconds new templates are not tried after a failure (known ones still go)


def content_base_url(api_base_url: str) -> str:
    """Twilio's Content API lives on its own host; a configured base URL other than Twilio's own (a
    fake in tests, a proxy) serves both."""
    return "https://content.twilio.com" if api_base_url.rstrip("/") == "https://api.twilio.com" else api_base_url


def title(label: str, limit: int) -> str | None:
    """The label as a button title within `limit` characters, from the catalogue when it is longer."""
    short = label if len(label) <= limit else MSG.wa_titles.get(label)
    return short if short and len(short) <= limit else None


def template_for(reply: Reply) -> dict[str, Any] | None:
    """The Content API body for this reply's choices, or None when it goes as numbered text."""
    choices, count = reply.choices, len(reply.choices)
    if count < 2 or count > LIST_MAX or len(reply.text) > BODY_MAX or reply.request_phone:
        return None
    limit = QUICK_TITLE if count <= QUICK_MAX else LIST_TITLE
    titles = [title(c.label, limit) for c in choices]
    if any(t is None for t in titles) or len(set(titles)) < count:
        return None
    if count <= QUICK_MAX:
        kind, content = "twilio/quick-reply", {"body": "{{1}}", "actions": [
            {"title": t, "id": c.id} for t, c in zip(titles, choices, strict=True)]}
    else:
        kind, content = "twilio/list-picker", {"body": "{{1}}", "button": MSG.wa_list_button, "items": [
            {"item": t, "id": c.id, **({"description": c.label[:LIST_DESCRIPTION]} if t != c.label else {})}
            for t, c in zip(titles, choices, strict=True)]}
    return {"language": "id", "variables": {"1": "pertanyaan"}, "types": {kind: content}}


class ContentService:
    def __init__(self, *, http: httpx.AsyncClient, api_base_url: str, templates: ContentTemplates) -> None:
        self._http, self._url, self._templates = http, content_base_url(api_base_url) + "/v1/Content", templates
        self._known: dict[str, str] = {}
        self._warned = False
        self._paused_until = 0.0  # after a failure: a base URL without the Content API is not asked each time

    async def sid(self, template: dict[str, Any]) -> str | None:
        """The Content SID of this template, created if it is new; None: send as text this time."""
        key = hashlib.sha256(json.dumps(template, sort_keys=True, ensure_ascii=False).encode()).hexdigest()
        if (known := self._known.get(key)) is None:
            if time.monotonic() < self._paused_until:
                return None
            try:
                known = await self._templates.sid(key) or await self._create(key, template)
            except Exception as exc:  # the database down: the reply still goes, as text
                self._once(exc)
                return None
        if known:
            self._known[key] = known
        return known

    def _once(self, exc: BaseException) -> None:
        self._paused_until = time.monotonic() + PAUSE_AFTER_FAILURE
        if not self._warned:  # once per process: every reply with choices would say it again
            self._warned = True
            log.warning("whatsapp: could not create a content template (%s); choices go as text", type(exc).__name__)

    async def _create(self, key: str, template: dict[str, Any]) -> str | None:
        if not await self._templates.claim(key):  # another process is creating it
            return await self._wait(key)
        try:
            response = await self._http.post(self._url, json={"friendly_name": f"oki_{key[:16]}", **template})
            response.raise_for_status()
            sid = str(response.json().get("sid") or "")
            if not _SID.match(sid):
                raise ValueError("no Content SID in the answer")
        except (httpx.HTTPError, ValueError) as exc:
            await self._templates.release(key)
            self._once(exc)
            return None
        await self._templates.created(key, sid)
        return sid

    async def _wait(self, key: str) -> str | None:
        for _ in range(int(_WAIT_FOR_OTHER / 0.1)):
            await asyncio.sleep(0.1)
            if sid := await self._templates.sid(key):
                return sid
        return None
