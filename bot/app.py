"""FastAPI factory: `create_app(settings)` builds storage, the state store, the engine and the
channels in the lifespan, and serves the web chat, health checks and the chat API."""
from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import FileResponse, JSONResponse
from fastapi.staticfiles import StaticFiles
from redis.asyncio import Redis

from bot.config import Settings
from conversations.context import Services
from conversations.flows import build_engine
from handlers import webchat
from handlers.dispatch import Dispatcher
from services.announcements import Subscriptions
from services.wilayah import load_wilayah
from storage.contacts import Contacts
from storage.db import make_engine, make_sessionmaker, ping
from storage.state import RedisStateStore, SqlStateStore, StateStore

__all__ = ["create_app", "Runtime", "build_runtime"]

log = logging.getLogger(__name__)
_STATIC = Path(__file__).parent / "web" / "static"


@dataclass
class Runtime:
    """Everything built from settings; one per process (the app, the console, a test)."""

    settings: Settings
    db: object
    store: StateStore
    dispatcher: Dispatcher

    async def close(self) -> None:
        await self.store.close()
        await self.db.dispose()


def build_runtime(settings: Settings) -> Runtime:
    db = make_engine(settings.database_url)
    sessions = make_sessionmaker(db)
    ttl = timedelta(minutes=settings.conversation_timeout_minutes)
    store: StateStore
    if settings.redis_url:
        store = RedisStateStore(redis=Redis.from_url(settings.redis_url), ttl=ttl)
    else:
        store = SqlStateStore(engine=db, sessions=sessions, ttl=ttl)
    contacts = Contacts(sessions)
    wilayah = load_wilayah()
    services = Services(subscriptions=Subscriptions(contacts=contacts, wilayah=wilayah), wilayah=wilayah)
    dispatcher = Dispatcher(store=store, contacts=contacts, engine=build_engine(), services=services)
    return Runtime(settings=settings, db=db, store=store, dispatcher=dispatcher)


def create_app(settings: Settings) -> FastAPI:
    settings.ensure_secret_key()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.runtime = build_runtime(settings)
        log.info("ready: database=%s state=%s", settings.database_url.split("://")[0],
                 "redis" if settings.redis_url else "sql")
        try:
            yield
        finally:
            await app.state.runtime.close()

    app = FastAPI(title="Layanan OKI", version="0.1.0", lifespan=lifespan)
    app.mount("/static", StaticFiles(directory=_STATIC), name="static")

    @app.get("/healthz", include_in_schema=False)
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/readyz", include_in_schema=False)
    async def readyz(request: Request) -> JSONResponse:
        rt: Runtime = request.app.state.runtime
        failed = []
        try:
            await ping(rt.db)
        except Exception:
            failed.append("database")
        if settings.redis_url:
            try:
                await rt.store.ping()
            except Exception:
                failed.append("redis")
        if failed:
            return JSONResponse({"status": "unavailable", "failed": failed}, status_code=503)
        return JSONResponse({"status": "ok"})

    @app.get("/chat", include_in_schema=False)
    async def chat_page() -> FileResponse:
        return FileResponse(_STATIC / "chat.html", media_type="text/html")

    @app.post("/api/chat", tags=["web chat"])
    async def chat(body: webchat.ChatIn, request: Request) -> dict:
        rt: Runtime = request.app.state.runtime
        return webchat.render(await rt.dispatcher.handle(webchat.parse(body)))

    return app
