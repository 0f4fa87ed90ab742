"""Security headers on every response the app serves: `SecurityHeaders`, a pure ASGI middleware that
`install(app)` wraps around the whole application, outside Starlette's error handler, so that a
500 page carries the headers too.

Each response gets these, unless its route set them already (the admin pages set their own,
stricter ones in bot/admin/web.py, and those are kept as they are):

- `X-Content-Type-Options: nosniff`, `X-Frame-Options: DENY`, `Referrer-Policy: same-origin`;
- a Content-Security-Policy for its surface. An HTML page (/chat, /pengumuman) loads only the
  app's own scripts, styles and images, with no inline script or style (`PAGE_POLICY`). Anything
  else (JSON, the Atom feed, CSV, documents, static files) is never a page: `default-src 'none'`
  (`NONE_POLICY`); a citizen's document is also sandboxed (bot/documents.py),
  so that even a file a browser took for a page could run nothing. The API docs pages
  (bot/api_docs.py: /docs, /redoc and their /admin/api/ twins) load Swagger UI and ReDoc from the
  app itself (no CDN) and Swagger UI is started by one inline script: each page sends
  `docs_policy(hashes)`, which allows the app's own files and exactly the inline scripts whose
  SHA-256 it names (no 'unsafe-inline' for scripts; styles stay inline, as ReDoc writes its own at
  run time). `DOCS_POLICY` is the same without any inline script, for any other answer on those paths;
- `Cache-Control: no-store` on the staff API (/api/v1), whose answers hold personal data.

No `Server` or `X-Powered-By` header leaves the app: uvicorn's banner is off in
`python -m bot serve` (`server_header=False`), and the middleware drops either header should a
route or a library set one.

`metrics_allowed` decides who may read `/metrics`: with METRICS_TOKEN set, whoever sends it as a
bearer token (compared in constant time); without one, only a client on loopback (after
uvicorn's proxy-header handling, so a request nginx forwards from elsewhere is not loopback)."""
from __future__ import annotations

import hmac
import ipaddress
from collections.abc import Iterable

from fastapi import FastAPI, Request
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["DOCS_POLICY", "NONE_POLICY", "PAGE_POLICY", "SecurityHeaders", "docs_policy", "install",
           "metrics_allowed"]

PAGE_POLICY = ("default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'self'; "
               "frame-ancestors 'none'")
NONE_POLICY = "default-src 'none'; frame-ancestors 'none'"


def docs_policy(script_hashes: Iterable[str] = ()) -> str:
    """The API docs pages' policy: scripts from the app and the inline ones of these hashes only."""
    scripts = " ".join(["'self'", *script_hashes])
    return (f"default-src 'none'; script-src {scripts}; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
            "font-src 'self' data:; connect-src 'self'; worker-src 'self' blob:; object-src 'none'; "
            "base-uri 'none'; form-action 'self'; frame-ancestors 'none'")


DOCS_POLICY = docs_policy()
_ALWAYS = {"X-Content-Type-Options": "nosniff", "X-Frame-Options": "DENY", "Referrer-Policy": "same-origin"}
_BANNERS = ("server", "x-powered-by")
_STAFF_API = "/api/v1/"


class SecurityHeaders:
    """Adds the headers above to each HTTP response of `app`; `docs_paths` get `DOCS_POLICY`."""

    def __init__(self, app: ASGIApp, *, docs_paths: Iterable[str] = ()) -> None:
        self.app = app
        self.docs_paths = frozenset(docs_paths)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                self._apply(path, MutableHeaders(scope=message))
            await send(message)

        await self.app(scope, receive, send_with_headers)

    def _apply(self, path: str, headers: MutableHeaders) -> None:
        for name in _BANNERS:
            if name in headers:
                del headers[name]
        for name, value in _ALWAYS.items():
            headers.setdefault(name, value)
        headers.setdefault("Content-Security-Policy", self.policy(path, headers.get("content-type", "")))
        if path.startswith(_STAFF_API):
            headers.setdefault("Cache-Control", "no-store")

    def policy(self, path: str, content_type: str) -> str:
        """The Content-Security-Policy for a response at `path` with this content type."""
        if path in self.docs_paths:
            return DOCS_POLICY
        return PAGE_POLICY if content_type.startswith("text/html") else NONE_POLICY


def install(app: FastAPI, *, docs_paths: Iterable[str] = ()) -> None:
    """Wrap `SecurityHeaders` around the app's whole middleware stack (Starlette's error handler
    included, which `add_middleware` would leave outside), when the stack is first built. The docs
    pages are `docs_paths` and FastAPI's own, if it serves them (bot/app.py turns those off)."""
    build = app.build_middleware_stack
    docs = [p for p in (app.docs_url, app.redoc_url, app.swagger_ui_oauth2_redirect_url) if p] + list(docs_paths)

    def build_with_headers() -> ASGIApp:
        return SecurityHeaders(build(), docs_paths=docs)

    app.build_middleware_stack = build_with_headers  # type: ignore[method-assign]


def metrics_allowed(request: Request, token: str) -> bool:
    """Whether this request may read /metrics (see the module's docstring)."""
    if token:
        scheme, _, given = request.headers.get("authorization", "").partition(" ")
        return scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode(), token.encode())
    host = request.client.host if request.client else ""
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
