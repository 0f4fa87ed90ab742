"""Channel tests run the real app against fake provider APIs on loopback."""
from __future__ import annotations

import json
import time
from pathlib import Path

import httpx
import pytest
from twilio.request_validator import RequestValidator

from bot.config import Settings
from tests.conftest import AUTH, SID, TOKEN

PAYLOADS = Path(__file__).parent / "payloads"
SECRET = "tg-secret_0123456789"
PUBLIC = "https://layanan.okikab.example"
FROM = "whatsapp:+14155238886"


@pytest.fixture
def settings(settings: Settings, fake_telegram, fake_twilio) -> Settings:
    return settings.model_copy(update={
        "telegram_bot_token": TOKEN, "telegram_webhook_secret": SECRET,
        "telegram_api_base_url": fake_telegram.base_url, "twilio_account_sid": SID, "twilio_auth_token": AUTH,
        "twilio_whatsapp_from": FROM, "twilio_api_base_url": fake_twilio.url, "public_base_url": PUBLIC})


def tg_update(update_id: int, chat_id: int, text: str | None = None, **message) -> dict:
    msg = {"message_id": update_id % 100000, "date": int(time.time()),
           "chat": {"id": chat_id, "type": "private", "first_name": "Siti"},
           "from": {"id": chat_id, "is_bot": False, "first_name": "Siti", "language_code": "id"}, **message}
    if text is not None:
        msg["text"] = text
    return {"update_id": update_id, "message": msg}


async def post_tg(client, update: dict, secret: str | None = SECRET):
    """Deliver an update as Telegram does, performing the Bot API method the webhook answers with."""
    headers = {"X-Telegram-Bot-Api-Secret-Token": secret} if secret is not None else {}
    response = await client.post("/webhooks/telegram", json=update, headers=headers)
    await perform_webhook_reply(client, response)
    return response


@pytest.fixture
def direct_send(client):
    """Replies always through the outbound Bot API call (TELEGRAM_WEBHOOK_REPLY=false): for the tests of
    that path (flood control, provider errors)."""
    rt = client.app.state.runtime
    rt.settings = rt.settings.model_copy(update={"telegram_webhook_reply": False})
    return client


async def perform_webhook_reply(client, response) -> None:
    """What Telegram does with a webhook's response body that names a method: it calls it."""
    if response.status_code != 200 or "json" not in response.headers.get("content-type", ""):
        return
    params = dict(response.json())
    settings = client.app.state.runtime.settings
    url = f"{settings.telegram_api_base_url}{settings.telegram_bot_token}/{params.pop('method')}"
    async with httpx.AsyncClient() as telegram:
        assert (await telegram.post(url, json=params)).status_code == 200


def wa_form(sid: str, number: str, body: str = "", **extra: str) -> dict[str, str]:
    """A current Twilio WhatsApp inbound body (with ProfileName and WaId)."""
    return {"SmsMessageSid": sid, "NumMedia": "0", "ProfileName": "Budi", "MessageType": "text", "SmsSid": sid,
            "WaId": number.lstrip("+"), "SmsStatus": "received", "Body": body, "To": FROM, "NumSegments": "1",
            "ReferralNumMedia": "0", "MessageSid": sid, "AccountSid": SID, "From": f"whatsapp:{number}",
            "ApiVersion": "2010-04-01", **extra}


def sign(path: str, form: dict[str, str], base: str = PUBLIC) -> str:
    return RequestValidator(AUTH).compute_signature(base + path, form)


async def post_wa(client, form: dict[str, str], path: str = "/webhooks/whatsapp", signature: str | None = "sign"):
    headers = {"X-Twilio-Signature": sign(path, form) if signature == "sign" else signature} if signature else {}
    return await client.post(path, data=form, headers=headers)


def payload(name: str):
    text = (PAYLOADS / name).read_text()
    return json.loads(text) if name.endswith(".json") else text
