"""WhatsApp channel through Twilio: verify X-Twilio-Signature against the public URL, parse the
form into an `Incoming` (media downloaded with the account's credentials), render replies as
numbered lists under 1,600 characters, and send them through the REST API (TWILIO_API_BASE_URL)
with a status callback. Messages we start keep the 24-hour customer-service window."""
from __future__ import annotations

import json
import logging
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

import httpx
from twilio.base.exceptions import TwilioException, TwilioRestException
from twilio.http.async_http_client import AsyncTwilioHttpClient
from twilio.request_validator import RequestValidator
from twilio.rest import Client

from conversations.messages_id import MSG
from conversations.model import Incoming, Media, Reply
from handlers.attachments import keep
from handlers.dispatch import SendFailed
from handlers.text import split_text
from handlers.whatsapp_content import ContentService, template_for
from storage.content_templates import ContentTemplates
from storage.deliveries import Deliveries
from storage.files import AttachmentStore

__all__ = ["WhatsAppChannel", "WINDOW"]

log = logging.getLogger(__name__)
CHANNEL = "whatsapp"
WINDOW = timedelta(hours=24)
BODY_LIMIT = 1600
_PERMANENT = {21211, 21610, 21614, 63003, 63024}  # invalid or unreachable number, opted out
_TOO_MANY = 20429  # too many requests


class WhatsAppChannel:
    def __init__(self, *, account_sid: str, auth_token: str, sender: str, api_base_url: str, public_base_url: str,
                 template_sid: str, attachments: AttachmentStore, deliveries: Deliveries, max_bytes: int,
                 content: ContentTemplates | None = None) -> None:
        self._http = AsyncTwilioHttpClient(timeout=10)
        self._client = Client(account_sid, auth_token, http_client=self._http)
        self._client.api.base_url = api_base_url
        self._validator = RequestValidator(auth_token)
        self._auth = (account_sid, auth_token)
        self._from = sender if sender.startswith("whatsapp:") else f"whatsapp:{sender}"
        self._api_base, self._public = api_base_url, public_base_url
        self._template = template_sid
        self._attachments, self._deliveries, self._max_bytes = attachments, deliveries, max_bytes
        # one client for media downloads: a new one per message would build a TLS context each time
        # (tens of milliseconds of CPU, measured in bench/load)
        self._media_http = httpx.AsyncClient(auth=self._auth, follow_redirects=True, timeout=20)
        # choices as buttons (handlers/whatsapp_content.py); without the durable cache, as text
        self._content_http = httpx.AsyncClient(auth=self._auth, timeout=10)
        self._content = None if content is None else ContentService(
            http=self._content_http, api_base_url=api_base_url, templates=content)

    async def stop(self) -> None:
        await self._http.close()
        await self._media_http.aclose()
        await self._content_http.aclose()

    # --- verify, parse ---

    def verify(self, path_and_query: str, form: Any, signature: str | None) -> bool:
        """Twilio signs the URL it called (our PUBLIC_BASE_URL, not what a proxy hands us) plus
        every form field; `form` must keep repeated keys (Starlette's FormData does)."""
        if not signature:
            return False
        return self._validator.validate(self._public + path_and_query, form, signature)

    async def parse(self, form: Mapping[str, str]) -> Incoming | None:
        sender = form.get("From", "")
        sid = form.get("MessageSid") or form.get("SmsMessageSid")
        if not sender or not sid:
            return None
        address = sender.removeprefix("whatsapp:")
        base = {"channel": CHANNEL, "user_id": address, "platform_id": sid, "phone": address,
                "display_name": form.get("ProfileName") or None}
        if kind := _unreadable(form):  # a voice note, sticker, location...: answered kindly, nothing fetched
            return Incoming(**base, text="", media_error=kind)
        media, error = await self._media(form)
        choice = form.get("ButtonPayload") or form.get("ListId") or None  # a tapped button or list item
        text = form.get("Body", "")
        if choice:
            text = form.get("ButtonText") or form.get("ListTitle") or text
        return Incoming(**base, text=text, choice_id=choice, media=media, media_error=error)

    async def _media(self, form: Mapping[str, str]) -> tuple[tuple[Media, ...], str | None]:
        try:
            count = min(int(form.get("NumMedia", "0") or 0), 10)
        except ValueError:
            count = 0
        if count == 0:
            return (), None
        stored: list[Media] = []
        for i in range(count):
            url = form.get(f"MediaUrl{i}", "")
            if not url.startswith(self._api_base + "/"):  # only ever fetch from Twilio
                return (), "bad_type"
            data = await self._download(url)
            if data is None:
                return (), "too_large"
            media, error = await keep(self._attachments, data, channel=CHANNEL)
            if media is None:
                return (), error
            stored.append(media)
        return tuple(stored), None

    async def _download(self, url: str) -> bytes | None:
        """The file's bytes, or None when it is larger than allowed (stopped while streaming)."""
        async with self._media_http.stream("GET", url) as response:
            response.raise_for_status()
            chunks, size = [], 0
            async for chunk in response.aiter_bytes():
                size += len(chunk)
                if size > self._max_bytes:
                    return None
                chunks.append(chunk)
        return b"".join(chunks)

    # --- render, send ---

    @staticmethod
    def render(replies: Sequence[Reply]) -> list[str]:
        """Message bodies: choices as a numbered list (number or words both work), each part
        under Twilio's 1,600 characters."""
        bodies: list[str] = []
        for reply in replies:
            text = reply.text
            if reply.choices:
                listed = "\n".join(f"{i}. {c.label}" for i, c in enumerate(reply.choices, 1))
                text = f"{text}\n\n{listed}\n\n{MSG.choose_hint}"
            bodies.extend(split_text(text, BODY_LIMIT))
        return bodies

    async def send(self, address: str, replies: Sequence[Reply], *, contact_id: int | None = None) -> list[str]:
        """Send in order, a reply with choices as buttons when it can be (always inside the 24-hour
        window: these answer the citizen's message); the Twilio message SIDs, one per message sent."""
        sids: list[str] = []
        for reply in replies:
            template = template_for(reply) if self._content is not None else None
            if template is not None and (sid := await self._content.sid(template)):
                sids.append(await self._create(address, contact_id, content_sid=sid,
                                               content_variables=json.dumps({"1": reply.text}, ensure_ascii=False)))
                continue
            sids.extend([await self._create(address, contact_id, body=body) for body in self.render([reply])])
        return sids

    @property
    def has_template(self) -> bool:
        return bool(self._template)

    @staticmethod
    def outside_window(last_inbound_at: datetime | None, now: datetime) -> bool:
        """True when a message we start must be the template: it opens a business-initiated
        conversation, which counts against the sender's daily tier."""
        return last_inbound_at is None or now - last_inbound_at >= WINDOW

    async def send_started(self, *, address: str, contact_id: int, last_inbound_at: datetime | None,
                           text: str, variables: Mapping[str, str], now: datetime,
                           template_sid: str | None = None) -> str | None:
        """A message we start (announcement, status notice). Inside the 24-hour window it goes as
        text; outside it only as the approved template with `variables` ({{1}} title, {{2}} link);
        without one it is held, reason recorded. Returns the message SID, or None when it was held."""
        if not self.outside_window(last_inbound_at, now):
            return await self._create(address, contact_id, body=text[:BODY_LIMIT])
        template = self._template if template_sid is None else template_sid  # another approved one (helpdesk)
        if template:
            return await self._create(address, contact_id, content_sid=template,
                                      content_variables=json.dumps(dict(variables), ensure_ascii=False))
        await self._deliveries.record(channel=CHANNEL, contact_id=contact_id, provider_id=None, status="held",
                                      reason="outside the 24-hour window and no WHATSAPP_TEMPLATE_SID configured")
        return None

    async def _create(self, address: str, contact_id: int | None, **content: str) -> str:
        try:
            message = await self._client.messages.create_async(
                to=f"whatsapp:{address}", from_=self._from,
                status_callback=f"{self._public}/webhooks/whatsapp/status", **content)
        except TwilioRestException as exc:
            if exc.status == 429 or exc.code == _TOO_MANY:  # slow down: the caller waits and tries again
                raise SendFailed(f"twilio rate limit {exc.code}", retry_after=1.0) from exc
            kind = "permanent" if exc.code in _PERMANENT else "transient"
            raise SendFailed(f"twilio {kind} error {exc.code}") from exc
        except (TimeoutError, TwilioException, OSError) as exc:
            raise SendFailed(type(exc).__name__) from exc
        try:
            await self._deliveries.record(channel=CHANNEL, contact_id=contact_id, provider_id=message.sid,
                                          status=str(message.status or "queued"))
        except Exception:  # the message went; losing its status row must not fail the turn
            log.warning("whatsapp: could not record a sent message")
        return str(message.sid)

    async def status(self, form: Mapping[str, str]) -> bool:
        """Apply a delivery status callback; statuses never move backwards."""
        sid, status = form.get("MessageSid"), (form.get("MessageStatus") or "").lower()
        if not sid or not status:
            return False
        return await self._deliveries.advance(provider_id=sid, status=status, error_code=form.get("ErrorCode"))


# what Twilio's MessageType (or the first file's type) says a message is, for kinds we cannot read
_KINDS = {"location": "location", "audio": "voice", "voice": "voice", "sticker": "sticker", "contacts": "contact",
          "contact": "contact", "video": "video"}


def _unreadable(form: Mapping[str, str]) -> str | None:
    kind = _KINDS.get((form.get("MessageType") or "").lower())
    if kind is None and form.get("Latitude") and form.get("Longitude"):
        kind = "location"
    media_type = (form.get("MediaContentType0") or "").lower()
    if kind is None and media_type:
        kind = ("voice" if media_type.startswith("audio/") else "video" if media_type.startswith("video/") else
                "contact" if "vcard" in media_type else "sticker" if media_type == "image/webp" else None)
    return kind
