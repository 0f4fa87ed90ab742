"""The front door, `GET /`: what the service does, its three services, and every way in: WhatsApp
(a wa.me link with "halo" prefilled and its QR code, when the sender number is set), Telegram
(t.me/<bot> when TELEGRAM_BOT_USERNAME is set), the web chat, the announcement archive and its feed,
and the staff admin. No personal data; the same page for everyone."""
from __future__ import annotations

import re
from html import escape

import segno
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from conversations.messages_id import MSG

__all__ = ["router", "whatsapp_link", "telegram_link"]

router = APIRouter(include_in_schema=False)


def whatsapp_link(sender: str) -> str | None:
    """wa.me/<number>?text=halo for the configured sender (whatsapp:+62…), or None when unset."""
    digits = re.sub(r"\D", "", sender)
    return f"https://wa.me/{digits}?text=halo" if len(digits) >= 8 else None


def telegram_link(username: str) -> str | None:
    name = username.strip().lstrip("@")
    return f"https://t.me/{name}" if re.fullmatch(r"[A-Za-z][A-Za-z0-9_]{3,31}", name) else None


def _channels(settings) -> str:
    parts = []
    if wa := whatsapp_link(settings.twilio_whatsapp_from):
        qr = segno.make(wa, error="m").svg_inline(scale=4, title=MSG.landing_qr_title)
        parts.append(f'<li><a href="{escape(wa)}">{MSG.landing_whatsapp}</a>'
                     f'<figure class="qr">{qr}<figcaption>{MSG.landing_qr_caption}</figcaption></figure></li>')
    if tg := telegram_link(settings.telegram_bot_username):
        parts.append(f'<li><a href="{escape(tg)}">{MSG.landing_telegram}</a></li>')
    parts.append(f'<li><a href="/chat">{MSG.landing_web}</a></li>')
    return "".join(parts)


@router.get("/", response_class=HTMLResponse)
async def landing(request: Request) -> HTMLResponse:
    settings = request.app.state.runtime.settings
    services = "".join(f"<li><strong>{name}</strong>: {what}</li>" for name, what in MSG.landing_services)
    return HTMLResponse(MSG.landing_page.format(services=services, channels=_channels(settings)))
