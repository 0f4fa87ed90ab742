"""What the app accepts of a request before any route reads it, in one place: how large a body
may be on each path (`BodyLimit`, a pure ASGI middleware), and how a request that fails
validation is refused (`invalid_request`, the app's `RequestValidationError` handler).

Body sizes (`body_limit`): `/api/chat` 64 KB; `/api/chat/upload` and a staff document upload (a
report's `/documents` in the API, `/unggah` on its admin page) the attachment limit plus 64 KB
for the form around it; a coverage-list import (`/api/v1/registry/imports`, `/admin/registri/impor`)
`IMPORT_FILE` plus 1 MB; everything else, the webhooks included, 1 MB. A body whose Content-Length
says more is refused with 413 before a byte of it is read; one without (chunked) or that sends
more than it declared is stopped with 413 as soon as it grows past the limit.

A JSON body (outside /webhooks/, whose routes answer a provider themselves) is checked with
`parse_json` as its last chunk is read, before FastAPI parses it: one that is not UTF-8, nested
too deep for the parser, or holds a lone surrogate (which no database can store) is 400
(`UnreadableBody`). The check runs when the route reads the body, so a staff route still
answers 401 to a request without a token before reading anything.

A refused request never echoes what was sent: the 422 answer lists each error's `loc` (field
names and list positions only) and `type`, never pydantic's `input`, `ctx` or `msg`, and it is
built so it cannot fail (a lone surrogate in the body used to make FastAPI's own answer
unencodable: a 500 and a traceback holding the message text in the log)."""
from __future__ import annotations

import logging
import re
from typing import Any

import orjson
from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["CHAT_BODY", "DEFAULT_BODY", "FORM_OVERHEAD", "IMPORT_FILE", "IMPORT_PATHS", "BodyLimit", "BodyTooLarge",
           "UnreadableBody", "body_limit", "invalid_request", "parse_json"]

log = logging.getLogger(__name__)

KB, MB = 1024, 1024 * 1024
CHAT_BODY = 64 * KB  # a message is at most 20 000 characters (handlers/webchat.py), 80 KB of UTF-8 at worst
FORM_OVERHEAD = 64 * KB  # the multipart form around an uploaded file
IMPORT_FILE = 50 * MB  # the largest coverage list accepted (bot/api/registry.py, bot/admin/registry.py)
DEFAULT_BODY = 1 * MB  # everything else: webhooks, staff API bodies, admin forms
CHAT_UPLOAD_PATH = "/api/chat/upload"
IMPORT_PATHS = ("/api/v1/registry/imports", "/admin/registri/impor")
_STAFF_UPLOAD = re.compile(r"/api/v1/reports/[^/]+/documents|/admin/laporan/[^/]+/unggah")  # bot/staff_documents.py


def body_limit(path: str, *, attachment_bytes: int) -> int:
    """The largest request body, in bytes, accepted on `path`."""
    if path == "/api/chat":
        return CHAT_BODY
    if path == CHAT_UPLOAD_PATH or _STAFF_UPLOAD.fullmatch(path):
        return attachment_bytes + FORM_OVERHEAD
    if path in IMPORT_PATHS:
        return IMPORT_FILE + 1 * MB
    return DEFAULT_BODY


class BodyTooLarge(HTTPException):
    """Raised from `receive` when a body grows past its limit; answered with 413."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, detail=f"isi permintaan lebih dari {limit // KB} KB")


class BodyLimit:
    """Refuses a request body larger than `body_limit` allows for its path, and a JSON body that
    cannot be read (see the module's docstring)."""

    def __init__(self, app: ASGIApp, *, attachment_bytes: int) -> None:
        self.app = app
        self.attachment_bytes = attachment_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = body_limit(scope["path"], attachment_bytes=self.attachment_bytes)
        declared = _header(scope, b"content-length")
        if declared is not None and not (declared.isdigit() and len(declared) < 20):
            await _refuse(send, 400, "Content-Length tidak sah")
            return
        if declared is not None and int(declared) > limit:
            await _refuse(send, 413, BodyTooLarge(limit).detail)
            return
        received, started = 0, False
        checked: list[bytes] | None = [] if _is_json(scope) and not scope["path"].startswith(_PARSES_ITSELF) else None

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                chunk = message.get("body", b"")
                received += len(chunk)
                if received > limit:
                    raise BodyTooLarge(limit)
                if checked is not None:  # a JSON body is read whole before it is parsed: check it first
                    checked.append(chunk)
                    if not message.get("more_body", False):
                        _readable(b"".join(checked))
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except HTTPException as exc:  # read outside a route (a middleware): answer here if nothing was sent
            if started or not isinstance(exc, BodyTooLarge | UnreadableBody):
                raise
            await _refuse(send, exc.status_code, exc.detail)


class UnreadableBody(HTTPException):
    """Raised from `receive` at the end of a JSON body `parse_json` refuses; answered with 400."""

    def __init__(self) -> None:
        super().__init__(400, detail="isi permintaan bukan JSON yang dapat dibaca (UTF-8)")


def _readable(body: bytes) -> None:
    try:
        parse_json(body)
    except ValueError:
        raise UnreadableBody() from None


_PARSES_ITSELF = "/webhooks/"  # a provider gets 200 for a body it cannot fix (bot/webhooks.py)


def parse_json(body: bytes | str) -> Any:
    """The JSON document in `body`; ValueError when it is not UTF-8, not JSON, nested too deep
    for the parser (orjson stops at 1,024 levels), or holds text no database can store (a lone
    surrogate such as `\\ud83d`, which orjson refuses as it parses). One pass in C: this runs on
    every webhook and chat message (issue 20)."""
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError as exc:  # a ValueError; its message could quote the text
        raise ValueError("not a JSON document orjson accepts") from exc


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", ()):
        if key == name:
            return value.decode("latin-1")
    return None


def _is_json(scope: Scope) -> bool:
    kind = (_header(scope, b"content-type") or "").split(";", 1)[0].strip().lower()
    return kind == "application/json" or (kind.startswith("application/") and kind.endswith("+json"))


async def _refuse(send: Send, status: int, detail: str) -> None:
    body = orjson.dumps({"detail": detail})
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
                            (b"connection", b"close")]})
    await send({"type": "http.response.body", "body": body})


_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,63}$")  # a declared field name; a key the client chose is not shown


def _loc(loc: Any) -> list[int | str]:
    parts = loc if isinstance(loc, list | tuple) else (loc,)
    return [p if isinstance(p, int) else p if isinstance(p, str) and _NAME.match(p) else "?" for p in parts]


def _errors(exc: RequestValidationError) -> list[dict[str, Any]]:
    found = []
    for error in exc.errors():
        kind = error.get("type")
        found.append({"loc": _loc(error.get("loc", ())),
                      "type": kind if isinstance(kind, str) and _NAME.match(kind) else "invalid"})
    return found


async def invalid_request(request: Request, exc: Exception) -> JSONResponse:
    """422 with each error's `loc` and `type`; never raises, never echoes the input."""
    try:
        errors = _errors(exc) if isinstance(exc, RequestValidationError) else []
    except Exception:  # whatever pydantic held, the answer stays a plain 422
        errors = []
    try:
        fields = ", ".join(".".join(map(str, e["loc"])) for e in errors) or "?"
        route = getattr(request.scope.get("route"), "path", "a route")  # the template: no id from the URL
        log.info("invalid request to %s: %s", route, fields)
    except Exception:
        pass
    return JSONResponse({"detail": errors}, status_code=422)
