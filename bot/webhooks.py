"""Webhook routes for Telegram and WhatsApp (Twilio).

Status codes: a forged request gets 403 and changes nothing. A message that was handled, or whose
apology reached the citizen, gets 200, so providers do not redeliver it. When nothing could be
delivered (database and provider both failing), Telegram gets 503 so that it redelivers later with
its own backoff. With TELEGRAM_WEBHOOK_REPLY a Telegram turn whose answer is one plain message gets it
back in the response body as a `sendMessage`, which Telegram performs (one outbound call fewer).
Twilio does not redeliver on 5xx, so WhatsApp gets the replies back as TwiML."""
from __future__ import annotations

import logging
from typing import Any

import orjson
from fastapi import APIRouter, Request, Response
from starlette.datastructures import FormData
from twilio.twiml.messaging_response import MessagingResponse

from bot.limits import parse_json
from conversations.messages_id import MSG
from handlers.metrics import WEBHOOK_REJECTIONS

__all__ = ["router"]

log = logging.getLogger(__name__)
router = APIRouter(include_in_schema=False)
_EMPTY_TWIML = str(MessagingResponse())


def _twiml(bodies: list[str] | None = None) -> Response:
    twiml = MessagingResponse()
    for body in bodies or []:
        twiml.message(body)
    return Response(str(twiml) if bodies else _EMPTY_TWIML, media_type="application/xml")


@router.post("/webhooks/telegram")
async def telegram(request: Request) -> Response:
    rt = request.app.state.runtime
    channel = rt.telegram
    if channel is None:
        return Response(status_code=404)
    if not channel.verify(request.headers.get("X-Telegram-Bot-Api-Secret-Token")):
        WEBHOOK_REJECTIONS.labels("telegram", "bad_secret").inc()
        return Response(status_code=403)
    try:  # not UTF-8, not JSON, nested too deep (RecursionError), or a lone surrogate: unparseable
        data = parse_json(await request.body())
    except (ValueError, RecursionError):
        data = None
    if not isinstance(data, dict):
        log.warning("telegram: a body that is not a JSON object was ignored")
        WEBHOOK_REJECTIONS.labels("telegram", "unparseable").inc()
        return Response(status_code=200)
    try:
        incoming = await channel.parse(data)
    except Exception:  # a download from Telegram failed: let Telegram redeliver
        log.warning("telegram: could not fetch the attachment; asking for redelivery")
        return Response(status_code=503)
    if incoming is None:
        return Response(status_code=200)
    answer = channel.webhook_answer() if rt.settings.telegram_webhook_reply else None
    outcome = await rt.dispatcher.handle(incoming, answer or channel)
    if answer is not None and answer.body is not None:  # Telegram performs the method in the body
        return Response(orjson.dumps(answer.body), media_type="application/json")
    return Response(status_code=200 if (outcome.processed or outcome.delivered) else 503)


def _path(request: Request) -> str:
    query = request.url.query
    return request.url.path + (f"?{query}" if query else "")


async def _signed_form(request: Request) -> tuple[Any, FormData] | Response:
    """The WhatsApp channel and the form of a request Twilio really signed; else 404 or 403."""
    channel = request.app.state.runtime.whatsapp
    if channel is None:
        return Response(status_code=404)
    form = await request.form()
    if not channel.verify(_path(request), form, request.headers.get("X-Twilio-Signature")):
        WEBHOOK_REJECTIONS.labels("whatsapp", "bad_signature").inc()
        return Response(status_code=403)
    return channel, form


@router.post("/webhooks/whatsapp")
async def whatsapp(request: Request) -> Response:
    signed = await _signed_form(request)
    if isinstance(signed, Response):
        return signed
    channel, form = signed
    try:
        incoming = await channel.parse(form)
    except Exception:
        log.warning("whatsapp: could not fetch the media")
        return _twiml([MSG.error])
    if incoming is None:  # signed, but no sender or message id
        WEBHOOK_REJECTIONS.labels("whatsapp", "unparseable").inc()
        return _twiml()
    outcome = await request.app.state.runtime.dispatcher.handle(incoming, channel)
    if not outcome.delivered:  # the REST send failed: hand the replies back to Twilio as TwiML
        return _twiml(channel.render(outcome.replies))
    return _twiml()


@router.post("/webhooks/whatsapp/status")
async def whatsapp_status(request: Request) -> Response:
    signed = await _signed_form(request)
    if isinstance(signed, Response):
        return signed
    channel, form = signed
    await channel.status(form)
    return Response(status_code=204)
