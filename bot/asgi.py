"""The app as an import string, for servers that start their own worker processes:
`python -m bot serve --workers N` hands uvicorn `bot.asgi:create` (with `factory=True`), and
each worker process builds its app from the environment and `.env`, as `serve` itself does.
Also usable directly: `uvicorn --factory bot.asgi:create --workers 4`; `create_behind_proxy` is the
same app for granian (`python -m bot serve --server granian`)."""
from __future__ import annotations

from fastapi import FastAPI
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from bot.app import create_app
from bot.config import load_settings
from bot.logs import setup_logging

__all__ = ["create", "create_behind_proxy"]


def create() -> FastAPI:
    settings = load_settings()
    setup_logging(settings.log_level)
    return create_app(settings)


def create_behind_proxy() -> ProxyHeadersMiddleware:
    """`create` behind uvicorn's proxy-header handling (X-Forwarded-For and -Proto only from
    TRUSTED_PROXIES), for servers without their own: `serve --server granian`."""
    settings = load_settings()
    setup_logging(settings.log_level)
    return ProxyHeadersMiddleware(create_app(settings), trusted_hosts=settings.trusted_proxies)
