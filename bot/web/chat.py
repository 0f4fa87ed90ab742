"""The web chat's HTTP side: the page, and `POST /api/chat` with its flood limits.

Before a message reaches the dispatcher its client address (uvicorn resolves X-Forwarded-For from
TRUSTED_PROXIES only) and its web-chat id are counted (services/lookups.py `message`): past the
limit the answer is 429 with Retry-After, which the page shows as "busy". A solved proof of work
(`altcha`, services/proof.py) is checked here, and a reply that asks for one carries a fresh
challenge, which the page solves and sends back with the same text. `GET /api/chat/messages` is
what the outbox sent this web user since the page's cursor (handlers/webchat.py `WebChannel`),
polled by the page and counted per address in a bucket of its own."""
from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import FileResponse, JSONResponse
from starlette.datastructures import UploadFile as StarletteUpload

from bot.web import handoff
from handlers import webchat

__all__ = ["client_ip", "router"]

router = APIRouter()
_STATIC = Path(__file__).parent / "static"


def client_ip(request: Request) -> str:
    """The client's address as uvicorn resolved it through the trusted proxies; never a raw header."""
    return request.client.host if request.client else "unknown"


def _too_many(wait: float) -> JSONResponse:
    seconds = max(1, int(wait + 0.999))
    return JSONResponse({"detail": "Terlalu banyak pesan; coba lagi sebentar lagi"}, status_code=429,
                        headers={"Retry-After": str(seconds)})


@router.get("/chat", include_in_schema=False)
async def chat_page() -> FileResponse:
    return FileResponse(_STATIC / "chat.html", media_type="text/html")


@router.post("/api/chat", tags=["web chat"])
async def chat(body: webchat.ChatIn, request: Request) -> JSONResponse:
    rt = request.app.state.runtime
    ip = client_ip(request)
    if wait := await rt.lookups.message(ip=ip, user=body.user):
        return _too_many(wait)
    if (handed := await handoff.answer(rt.store, rt.contacts, user=body.user, text=body.text)) is not None:
        return JSONResponse(handed)  # SIMPAN PERCAKAPAN / LANJUT <code> (bot/web/handoff.py)
    proof = await rt.proof.verify(body.altcha) if body.altcha else False
    outcome = await rt.dispatcher.handle(webchat.parse(body, ip=ip, proof=proof))
    if outcome.retry_after:
        return _too_many(outcome.retry_after)
    answer = webchat.render(outcome.replies)
    if any(reply.proof for reply in outcome.replies):
        answer["challenge"] = rt.proof.challenge()
    return JSONResponse(answer)


@router.post("/api/chat/upload", tags=["web chat"])
async def upload(request: Request) -> JSONResponse:
    """A photo or PDF from the page (multipart `user`, `file`): the same answer as POST /api/chat."""
    rt = request.app.state.runtime
    form = await request.form(max_files=1, max_fields=4)
    user, file = form.get("user"), form.get("file")
    if not isinstance(user, str) or not re.fullmatch(webchat.USER_PATTERN, user) or len(user) > webchat.USER_MAX:
        return JSONResponse({"detail": "user tidak valid"}, status_code=422)
    ip = client_ip(request)
    if wait := await rt.lookups.message(ip=ip, user=user):
        return _too_many(wait)
    data = await _read(file, rt.settings.attachment_max_bytes) if isinstance(file, StarletteUpload) else b""
    incoming = await webchat.parse_upload(rt.attachments, user=user, data=data, ip=ip,
                                          max_bytes=rt.settings.attachment_max_bytes)
    outcome = await rt.dispatcher.handle(incoming)
    if outcome.retry_after:
        return _too_many(outcome.retry_after)
    return JSONResponse(webchat.render(outcome.replies))


async def _read(file: StarletteUpload, limit: int) -> bytes | None:
    """The file's bytes, or None when it is over the limit (read no further than one byte past it)."""
    data = await file.read(limit + 1)
    return None if len(data) > limit else data


@router.get("/api/chat/messages", tags=["web chat"])
async def pushed(request: Request,
                 user: Annotated[str, Query(min_length=1, max_length=webchat.USER_MAX, pattern=webchat.USER_PATTERN)],
                 after: Annotated[str | None, Query(pattern=webchat.CURSOR_PATTERN)] = None) -> JSONResponse:
    """What was sent to this web user outside a reply, oldest first, after the cursor."""
    rt = request.app.state.runtime
    if wait := await rt.lookups.poll(ip=client_ip(request)):
        return _too_many(wait)
    return JSONResponse(await rt.web.messages(user=user, after=after), headers={"Cache-Control": "no-store"})
