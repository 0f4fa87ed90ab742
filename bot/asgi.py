"""The app as an import string, for servers that start their own worker processes:
`python -m bot serve --workers N` hands uvicorn `bot.asgi:create` (with `factory=True`), and
each worker process builds its app from the environment and `.env`, as `serve` itself does.
Also usable directly: `uvicorn --factory bot.asgi:create --workers 4`."""
from __future__ import annotations

from fastapi import FastAPI

from bot.app import create_app
from bot.config import load_settings
from bot.logs import setup_logging

__all__ = ["create"]


def create() -> FastAPI:
    settings = load_settings()
    setup_logging(settings.log_level)
    return create_app(settings)
