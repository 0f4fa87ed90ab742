"""Telegram channel (python-telegram-bot 22): verify the webhook secret, parse an Update into an
`Incoming` (a button press under a message: its data as the text), render replies (reply keyboards,
inline buttons for a reply's actions, HTML escaped, split under 4,096 characters) and send
them through the Bot API at TELEGRAM_API_BASE_URL. PTB is used as a Bot API client and Update
parser; conversations live in our own engine, not in a ConversationHandler."""
from __future__ import annotations

import asyncio
import hmac
import html
import logging
import re
import warnings
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from telegram import (
    Bot,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    Message,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
    Update,
)
from telegram.constants import MessageLimit, ParseMode
from telegram.error import BadRequest, Forbidden, RetryAfter, TelegramError
from telegram.ext import Application

from conversations.messages_id import MSG
from conversations.model import Incoming, Media, Reply
from handlers.attachments import keep
from handlers.dispatch import SendFailed
from handlers.metrics import WEBHOOK_REJECTIONS
from handlers.telegram_http import AiohttpRequest
from handlers.text import split_text
from storage.files import AttachmentStore

__all__ = ["TelegramChannel", "WebhookAnswer"]

log = logging.getLogger(__name__)
CHANNEL = "telegram"
_MAX_RETRY_WAIT = 30.0  # seconds we hold a webhook for Telegram's flood control before giving up


def _parts(text: str, limit: int = MessageLimit.MAX_TEXT_LENGTH) -> list[str]:
    """HTML message parts, each within Telegram's limit even after escaping."""
    out: list[str] = []
    for part in split_text(text, limit):
        escaped = _html(part)
        out.extend([escaped] if len(escaped) <= MessageLimit.MAX_TEXT_LENGTH else _parts(part, limit // 2))
    return out


def _html(text: str) -> str:
    """Escape for parse_mode=HTML, then turn WhatsApp-style *bold* into <b>bold</b>."""
    return re.sub(r"\*([^*\n]+)\*", r"<b>\1</b>", html.escape(text, quote=False))


class TelegramChannel:
    def __init__(self, *, token: str, base_url: str, secret: str, attachments: AttachmentStore,
                 max_bytes: int) -> None:
        file_url = re.sub(r"/bot$", "/file/bot", base_url) if base_url.endswith("/bot") else base_url + "/file/bot"
        self.app = (Application.builder().token(token).base_url(base_url).base_file_url(file_url).updater(None)
                    .request(AiohttpRequest()).get_updates_request(AiohttpRequest(pool_size=1, timeout=60)).build())
        self._secret, self._attachments, self._max_bytes = secret, attachments, max_bytes

    @property
    def bot(self) -> Bot:
        return self.app.bot

    async def start(self) -> None:
        try:
            await self.app.initialize()  # getMe; Telegram being down must not stop the server
        except TelegramError as exc:
            log.warning("telegram: could not initialise the bot (%s); will retry on use", type(exc).__name__)

    async def stop(self) -> None:
        try:
            await self.app.shutdown()
        except Exception:  # never initialised
            pass

    # --- verify, parse ---

    def verify(self, header: str | None) -> bool:
        """Constant-time check of X-Telegram-Bot-Api-Secret-Token."""
        return bool(self._secret) and hmac.compare_digest((header or "").encode(), self._secret.encode())

    async def parse(self, data: Any) -> Incoming | None:
        """An Incoming for a private-chat message or button press; None for anything we ignore,
        including Updates that do not parse (old or broken shapes: logged, never retried)."""
        try:
            update = Update.de_json(data, self.bot)
        except Exception as exc:
            log.warning("telegram: unparseable update ignored (%s)", type(exc).__name__)
            WEBHOOK_REJECTIONS.labels("telegram", "unparseable").inc()
            return None
        if update is None:
            return None
        if update.callback_query and update.callback_query.message:
            query = update.callback_query
            await _quietly(query.answer())
            # the buttons under that message are used up: take them away, so an old one cannot answer later
            await _quietly(query.edit_message_reply_markup(reply_markup=None))
            return Incoming(channel=CHANNEL, user_id=str(query.message.chat.id), text=query.data or "",
                            platform_id=str(update.update_id))
        message = update.message
        if message is None or message.chat.type != "private":
            return None
        return await self._incoming(update.update_id, message)

    async def _incoming(self, update_id: int, message: Message) -> Incoming:
        user = message.from_user
        base = {"channel": CHANNEL, "user_id": str(message.chat.id), "platform_id": str(update_id),
                "display_name": (user.full_name if user else None)}
        if message.contact:
            own = user is not None and message.contact.user_id == user.id
            phone = "+" + message.contact.phone_number.lstrip("+") if own else None
            return Incoming(**base, text="", phone=phone)
        text = message.text or message.caption or ""
        target = message.photo[-1] if message.photo else message.document
        if target is None:
            if text:
                return Incoming(**base, text=text)
            return Incoming(**base, media_error=_kind(message))  # a sticker, voice note, location...
        media, error = await self._download(target)
        return Incoming(**base, text=text, media=media, media_error=error)

    async def _download(self, target: Any) -> tuple[tuple[Media, ...], str | None]:
        if target.file_size and target.file_size > self._max_bytes:
            return (), "too_large"
        try:
            file = await target.get_file()
            if file.file_size and file.file_size > self._max_bytes:
                return (), "too_large"
            data = bytes(await file.download_as_bytearray())
        except TelegramError as exc:
            log.warning("telegram: download failed (%s)", type(exc).__name__)
            raise
        if len(data) > self._max_bytes:
            return (), "too_large"
        media, error = await keep(self._attachments, data, channel=CHANNEL)
        return ((media,) if media else ()), error

    # --- render, send ---

    def render(self, replies: Sequence[Reply]) -> list[dict[str, Any]]:
        """sendMessage parameters, one dict per message, keyboard on the last part of each reply."""
        messages: list[dict[str, Any]] = []
        for i, reply in enumerate(replies):
            parts = _parts(reply.text)
            for part in parts[:-1]:
                messages.append({"text": part, "parse_mode": ParseMode.HTML})
            markup: Any = None
            if reply.request_phone:
                markup = ReplyKeyboardMarkup([[KeyboardButton(MSG.share_phone, request_contact=True)]],
                                             resize_keyboard=True, one_time_keyboard=True)
            elif reply.actions:  # buttons under the message; pressing one sends its id back as a callback
                markup = InlineKeyboardMarkup([[InlineKeyboardButton(c.label, callback_data=c.id[:64])
                                                for c in reply.actions]])
            elif reply.choices:
                markup = ReplyKeyboardMarkup([[KeyboardButton(c.label)] for c in reply.choices],
                                             resize_keyboard=True, one_time_keyboard=True)
            elif i == len(replies) - 1:
                markup = ReplyKeyboardRemove()  # no stale buttons from an earlier question
            messages.append({"text": parts[-1], "parse_mode": ParseMode.HTML, "reply_markup": markup})
        return messages

    async def send(self, address: str, replies: Sequence[Reply], *, contact_id: int | None = None,
                   patient: bool = True) -> list[str]:
        """Send in order; the message ids Telegram gave, one per message sent. On flood control
        (429) a patient send waits as told and tries again; otherwise it raises SendFailed with
        `retry_after` at once, so that the outbox can slow the whole channel down."""
        chat: int | str = int(address) if address.lstrip("-").isdigit() else address  # a chat id, or @channel
        return [await self._send_one(chat, params, patient) for params in self.render(replies)]

    async def _send_one(self, chat_id: int | str, params: dict[str, Any], patient: bool = True) -> str:
        for _attempt in range(3):
            try:
                message = await self.bot.send_message(chat_id=chat_id, **params)
                return str(message.message_id)
            except RetryAfter as exc:  # flood control: wait as told, if it is short enough
                wait = _seconds(exc)
                if not patient or wait > _MAX_RETRY_WAIT:
                    raise SendFailed(f"flood control for {wait:.0f} s", retry_after=wait) from exc
                log.info("telegram: flood control, retrying after %.1f s", wait)
                await asyncio.sleep(wait)
            except Forbidden as exc:
                raise SendFailed("bot blocked by the user") from exc
            except BadRequest as exc:  # "chat not found" will not get better by retrying
                kind = "permanent" if "chat not found" in str(exc).lower() else "transient"
                raise SendFailed(f"{kind}: {type(exc).__name__}") from exc
            except TelegramError as exc:
                raise SendFailed(type(exc).__name__) from exc
        raise SendFailed("flood control did not clear")

    def webhook_answer(self) -> WebhookAnswer:
        return WebhookAnswer(self)

    # --- polling (TELEGRAM_MODE=polling, for local use without a public URL) ---

    async def poll(self, handle) -> None:
        """Long-poll getUpdates and hand each Update's data to `handle`; runs until cancelled."""
        await self.bot.delete_webhook(drop_pending_updates=False)
        offset = None
        while True:
            try:
                updates = await self.bot.get_updates(offset=offset, timeout=25, read_timeout=35,
                                                     allowed_updates=["message", "callback_query"])
            except TelegramError as exc:
                log.warning("telegram polling: %s", type(exc).__name__)
                await asyncio.sleep(3)
                continue
            for update in updates:
                offset = update.update_id + 1
                try:
                    await handle(update.to_dict())
                except Exception:
                    log.exception("telegram polling: update not handled")


def _kind(message: Message) -> str:
    """What a message without text, photo or document is, in conversations/kinds.py's words."""
    for kind, present in (("voice", message.voice or message.audio), ("sticker", message.sticker),
                          ("location", message.location or message.venue),
                          ("video", message.video or message.video_note)):
        if present:
            return kind
    return "unsupported"


def _seconds(exc: RetryAfter) -> float:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        value = exc.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


async def _quietly(awaitable) -> None:
    try:
        await awaitable
    except TelegramError:
        pass


class WebhookAnswer:
    """The sender of one webhook request (TELEGRAM_WEBHOOK_REPLY): when the turn's answer is one plain
    message it goes back in the webhook's response body as a Bot API method, which Telegram then
    performs (core.telegram.org/bots/api#making-requests-when-getting-updates), saving an outbound
    call. Several messages, buttons under a message (their message is found again later by its
    id, which a webhook reply never tells), or a second send in the same turn go out as usual."""

    def __init__(self, channel: TelegramChannel) -> None:
        self._channel, self.body = channel, None
        self._rendered: tuple[Sequence[Reply], list[dict[str, Any]]] | None = None

    def _render(self, replies: Sequence[Reply]) -> list[dict[str, Any]]:
        if self._rendered is None or self._rendered[0] is not replies:  # asked by carries, then by send
            self._rendered = (replies, self._channel.render(replies))
        return self._rendered[1]

    def carries(self, address: str, replies: Sequence[Reply]) -> bool:
        """Whether `send` will put these replies in the response body rather than call the Bot API."""
        return (self.body is None and address.isdigit() and not any(r.actions for r in replies)
                and len(self._render(replies)) == 1)

    async def send(self, address: str, replies: Sequence[Reply], *, contact_id: int | None = None) -> list[str]:
        if self.carries(address, replies):
            params = self._render(replies)[0]
            markup = params.get("reply_markup")
            self.body = {"method": "sendMessage", "chat_id": int(address), "text": params["text"],
                         "parse_mode": str(params["parse_mode"]),
                         **({"reply_markup": markup.to_dict()} if markup is not None else {})}
            return []
        return await self._channel.send(address, replies, contact_id=contact_id)
