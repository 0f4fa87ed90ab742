"""FastAPI factory: `create_app(settings)` builds storage, the state store, the engine and the
channels in the lifespan, and serves the web chat, the webhooks and the health checks."""
from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from fastapi import FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.staticfiles import StaticFiles
from prometheus_client import CONTENT_TYPE_LATEST
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine

from bot import admin, api_docs, limits, security
from bot.api import router as api_router
from bot.config import Settings
from bot.stalls import StallWatch
from bot.web.chat import router as web_chat_router
from bot.web.public import router as public_router
from bot.webhooks import router as webhooks
from conversations.context import Services
from conversations.flows import build_engine
from handlers.dispatch import Dispatcher
from handlers.metrics import CountedLimiter, scrape
from handlers.telegram import TelegramChannel
from handlers.webchat import WebChannel
from handlers.whatsapp import WhatsAppChannel
from services.announcements import Broadcasts, Subscriptions
from services.answers import KnowledgeBase, Tuning
from services.audit import Audit
from services.coverage import Coverage
from services.data_rights import DataRights
from services.helpdesk import Helpdesk
from services.lookups import LookupGuard, LookupLimits, WebLimits
from services.office_hours import OfficeHours
from services.privacy import NikHasher
from services.proof import ProofOfWork
from services.registry_import import RegistryImporter
from services.retention import Policy, Retention
from services.santunan import Rules, Santunan
from services.staff import LoginLimits, StaffService
from services.staff_links import StaffLinks
from services.wilayah import Wilayah, load_wilayah
from storage.announcements import Announcements
from storage.contact_cache import start_feed
from storage.contacts import Contacts
from storage.content_templates import ContentTemplates
from storage.db import make_engine, make_sessionmaker, ping
from storage.deliveries import Deliveries
from storage.files import AttachmentStore
from storage.helpdesk import Tickets
from storage.knowledge import Knowledge
from storage.outbox import Outbox
from storage.personal_data import PersonalData
from storage.ratelimit import MemoryRateLimiter, RedisRateLimiter, SqlRateLimiter
from storage.registry import Registry
from storage.reports import Reports
from storage.retention import RetentionStore
from storage.staff import StaffAccounts
from storage.state import SqlStateStore, StateStore
from storage.state_redis import RedisStateStore
from storage.web_inbox import WebInbox

__all__ = ["create_app", "Runtime", "build_runtime"]

log = logging.getLogger(__name__)
_STATIC = Path(__file__).parent / "web" / "static"
# shown at the top of /docs and /redoc (Markdown): where staff who do not program should go
_DESCRIPTION = ("API untuk staf Layanan OKI (token Bearer dari `POST /api/v1/auth/token`). "
                f"Bukan pengembang? Baca [Panduan staf]({api_docs.GUIDE_URL}) dalam Bahasa Indonesia.")


@dataclass
class Runtime:
    """Everything built from settings; one per process (the app, the console, a test).
    Channels are listed here, built from settings, never registered at import."""

    settings: Settings
    db: AsyncEngine
    store: StateStore
    dispatcher: Dispatcher
    audit: Audit
    staff: StaffService
    wilayah: Wilayah
    registry: Registry
    importer: RegistryImporter
    santunan: Santunan
    attachments: AttachmentStore
    outbox: Outbox
    broadcasts: Broadcasts
    contacts: Contacts
    staff_links: StaffLinks | None = None
    data_rights: DataRights | None = None
    retention: Retention | None = None
    lookups: LookupGuard | None = None  # the web chat's flood limits and every sensitive lookup's
    proof: ProofOfWork | None = None  # the web chat's proof of work past its free lookups
    coverage: Coverage | None = None
    helpdesk: Helpdesk | None = None
    answers: KnowledgeBase | None = None  # the knowledge base (services/answers.py)
    telegram: TelegramChannel | None = None
    whatsapp: WhatsAppChannel | None = None
    web: WebChannel | None = None  # the web chat's inbox, which the outbox delivers to
    tasks: list[asyncio.Task] = field(default_factory=list)
    contact_feed: asyncio.Task | None = None  # what other processes change in contacts (storage/contact_cache.py)
    send_limits: object | None = None  # the outbox workers' rate-limit storage, shared by those of this process

    async def start(self, *, worker: bool = False) -> None:
        # contacts remembered between turns (storage/contact_cache.py)
        if self.settings.contact_cache:
            self.contact_feed = start_feed(self.db, self.contacts.cache)
        if self.telegram:
            await self.telegram.start()
            if self.settings.telegram_mode == "polling":
                self.tasks.append(asyncio.create_task(self.telegram.poll(self._polled)))
        if worker:
            from bot.worker import Worker

            self.tasks.append(asyncio.create_task(Worker(self).run()))

    async def _polled(self, data: dict) -> None:
        incoming = await self.telegram.parse(data)
        if incoming is not None:
            await self.dispatcher.handle(incoming, self.telegram)

    async def close(self) -> None:
        for task in [*self.tasks, *([self.contact_feed] if self.contact_feed else [])]:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        if self.telegram:
            await self.telegram.stop()
        if self.whatsapp:
            await self.whatsapp.stop()
        await self.store.close()
        await self.db.dispose()


def _rules(settings: Settings) -> Rules:
    return Rules(amount=settings.santunan_amount, window_days=settings.santunan_window_days,
                 accept_late=settings.santunan_accept_late, desil_max=settings.santunan_desil_max,
                 desa_days=settings.santunan_deadline_desa_days,
                 kecamatan_days=settings.santunan_deadline_kecamatan_days,
                 payment_days=settings.santunan_deadline_payment_days, office_contact=settings.office_contact,
                 jkm_contact=settings.jkm_claim_contact)


def build_runtime(settings: Settings, *, one_process: bool = False) -> Runtime:
    """Build everything; call it with an event loop running (the Twilio client needs one).
    `one_process`: this is the only web process (`serve` without `--workers`), so without Redis the
    web chat's per-minute flood counts stay in memory instead of an upsert per message."""
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
    audit = Audit(sessions)
    registry = Registry(sessions)
    limiter = RedisRateLimiter(store.redis) if isinstance(store, RedisStateStore) else SqlRateLimiter(sessions)
    hasher = NikHasher(settings.ensure_secret_key())
    lookups = LookupGuard(limiter=limiter, limits=LookupLimits(
        free_per_hour=settings.web_lookups_free_per_hour, proved_per_hour=settings.web_lookups_per_hour,
        subject_per_hour=settings.lookups_per_subject_per_hour,
        subject_per_day=2 * settings.lookups_per_subject_per_hour), web=WebLimits(
        messages_per_minute_ip=settings.web_messages_per_minute,
        new_contacts_per_hour_ip=settings.web_new_contacts_per_hour),
        flood=MemoryRateLimiter() if one_process and isinstance(limiter, SqlRateLimiter) else None)
    coverage = Coverage(registry=registry, hasher=hasher, audit=audit, contacts=contacts,
                        limiter=CountedLimiter(limiter, name="coverage_lookup"),
                        per_hour=settings.coverage_lookups_per_hour, per_day=settings.coverage_lookups_per_day,
                        guard=lookups)
    staff_links = StaffLinks(accounts=StaffAccounts(sessions), audit=audit, wilayah=wilayah,
                             limiter=CountedLimiter(limiter, name="staff_link_code", hits=False),
                             secret_key=settings.ensure_secret_key(), base_url=settings.public_base_url)
    santunan = Santunan(reports=Reports(sessions), registry=registry, contacts=contacts, hasher=hasher, audit=audit,
                        rules=_rules(settings), alerts=staff_links, lookups=lookups)
    broadcasts = Broadcasts(repo=Announcements(sessions), audit=audit,
                            require_approval=settings.broadcast_require_approval,
                            canary_percent=settings.broadcast_canary_percent,
                            canary_wait=settings.broadcast_canary_wait_seconds,
                            canary_threshold=settings.broadcast_canary_threshold_percent,
                            telegram_channel=settings.telegram_channel_id if settings.telegram_enabled else "",
                            alerts=staff_links)
    web = WebChannel(inbox=WebInbox(sessions))  # the web chat's page: what the outbox (and the helpdesk) send it
    helpdesk = Helpdesk(tickets=Tickets(sessions), reports=Reports(sessions), registry=registry,
                        accounts=StaffAccounts(sessions), audit=audit, alerts=staff_links,
                        hours=OfficeHours.parse(settings.helpdesk_hours, settings.helpdesk_holidays),
                        acknowledge_every=timedelta(minutes=settings.helpdesk_acknowledge_minutes),
                        template_sid=settings.helpdesk_template_sid, base_url=settings.public_base_url,
                        retention_days=settings.retention_tickets_days, push=web.push)
    answers = KnowledgeBase(repo=Knowledge(sessions), audit=audit, tuning=Tuning(
        threshold=settings.faq_threshold, certainty=settings.faq_certainty, margin=settings.faq_margin,
        feedback_every=settings.faq_feedback_every))
    people = PersonalData(sessions)
    data_rights = DataRights(people=people, store=store, audit=audit)
    services = Services(subscriptions=Subscriptions(contacts=contacts, wilayah=wilayah), wilayah=wilayah,
                        coverage=coverage, santunan=santunan, broadcasts=broadcasts,
                        public_base_url=settings.public_base_url, staff_links=staff_links, data_rights=data_rights,
                        lookups=lookups, helpdesk=helpdesk, answers=answers)
    engine = build_engine(media_limit_mb=settings.attachment_max_mb, timeout=ttl,
                          keep_report=timedelta(days=settings.draft_retention_days),
                          keep_other=timedelta(hours=settings.draft_retention_hours))
    dispatcher = Dispatcher(store=store, contacts=contacts, engine=engine, services=services,
                            admit_new=lambda incoming: lookups.new_contact(ip=incoming.ip or "unknown"))
    attachments = AttachmentStore(settings.data_dir / "attachments")
    retention = Retention(store=RetentionStore(sessions), people=people, attachments=attachments, audit=audit,
                          policy=Policy(conversation_days=settings.retention_conversation_days,
                                        documents_days=settings.retention_documents_days,
                                        tickets_days=settings.retention_tickets_days,
                                        orphan_grace=timedelta(days=2) + ttl))
    staff = StaffService(sessions=sessions, wilayah=wilayah, audit=audit, secret_key=settings.ensure_secret_key(),
                         limiter=limiter, login_limits=LoginLimits(per_source=settings.login_max_failures,
                                                                   per_ip=settings.login_max_failures_per_ip,
                                                                   ceiling=settings.login_max_failures_global))
    importer = RegistryImporter(registry=registry, wilayah=wilayah, hasher=hasher, audit=audit)
    runtime = Runtime(settings=settings, db=db, store=store, dispatcher=dispatcher, audit=audit, staff=staff,
                      wilayah=wilayah, registry=registry, importer=importer, santunan=santunan,
                      attachments=attachments, outbox=Outbox(sessions), broadcasts=broadcasts,
                      contacts=contacts, staff_links=staff_links, data_rights=data_rights, retention=retention,
                      coverage=coverage, lookups=lookups, helpdesk=helpdesk, answers=answers,
                      proof=ProofOfWork(secret_key=settings.ensure_secret_key(), limiter=limiter,
                                        difficulty=settings.web_proof_difficulty))
    runtime.web = web
    if settings.telegram_enabled:
        runtime.telegram = TelegramChannel(
            token=settings.telegram_bot_token, base_url=settings.telegram_api_base_url,
            secret=settings.telegram_webhook_secret, attachments=attachments,
            max_bytes=settings.attachment_max_bytes)
    if settings.whatsapp_enabled:
        runtime.whatsapp = WhatsAppChannel(
            account_sid=settings.twilio_account_sid, auth_token=settings.twilio_auth_token,
            sender=settings.twilio_whatsapp_from, api_base_url=settings.twilio_api_base_url,
            public_base_url=settings.public_base_url, template_sid=settings.whatsapp_template_sid,
            attachments=attachments, deliveries=Deliveries(sessions), max_bytes=settings.attachment_max_bytes,
            content=ContentTemplates(sessions))
    return runtime


def settle_heap() -> None:
    """Move everything built at start-up (catalogues, indexes, libraries' tables: about 240,000 objects)
    out of the garbage collector's reach, so a full collection walks only what turns allocated since:
    3-7 ms after a few hundred turns instead of the 80-140 ms each full collection of a web process
    took while it started (measured with gc.callbacks during a bench.load run, 2026-12-03)."""
    gc.collect()
    gc.freeze()


def create_app(settings: Settings, *, one_process: bool = False) -> FastAPI:
    """The app; `one_process` as in `build_runtime`."""
    settings.ensure_secret_key()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        runtime = app.state.runtime = build_runtime(settings, one_process=one_process)
        await runtime.start(worker=settings.run_worker_in_process)
        settle_heap()
        stalls = StallWatch()
        stalls.start()
        log.info("ready: database=%s state=%s telegram=%s whatsapp=%s", settings.database_url.split("://")[0],
                 "redis" if settings.redis_url else "sql", settings.telegram_enabled and settings.telegram_mode,
                 settings.whatsapp_enabled)
        try:
            yield
        finally:
            await stalls.stop()
            gc.unfreeze()  # what start-up built may be garbage now (a test's app, say)
            await runtime.close()

    # the API description only for staff (bot/api_docs.py), not FastAPI's public /docs
    app = FastAPI(title="Layanan OKI", version="0.1.0", lifespan=lifespan, openapi_url=None, docs_url=None,
                  redoc_url=None, description=_DESCRIPTION)
    # nosniff, CSP, no framing on every response (bot/security.py)
    security.install(app, docs_paths=api_docs.DOCS_PATHS if settings.api_docs else ())
    # body sizes per path, unreadable JSON refused, and a 422 that never echoes the input (bot/limits.py)
    app.add_middleware(limits.BodyLimit, attachment_bytes=settings.attachment_max_bytes)
    app.add_exception_handler(RequestValidationError, limits.invalid_request)
    app.mount("/static", StaticFiles(directory=_STATIC), name="static")
    app.mount(admin.STATIC_URL, StaticFiles(directory=admin.STATIC_DIR), name="admin-static")
    # the paths every citizen's message takes first: a request is matched against the routes in
    # order, and the staff API's many routes cost a chat turn about 70 µs to walk past (no path is
    # in two of these routers, so the order changes nothing else)
    app.include_router(webhooks)
    app.include_router(web_chat_router)
    app.include_router(public_router)
    app.include_router(api_router)
    app.include_router(admin.router)
    if settings.api_docs:
        app.include_router(api_docs.router)
        app.include_router(api_docs.admin_router)

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

    @app.get("/metrics", include_in_schema=False)
    async def metrics(request: Request) -> Response:
        if not security.metrics_allowed(request, settings.metrics_token):  # a token, or loopback only
            return Response(status_code=404)
        return Response(await scrape(request.app.state.runtime.outbox), media_type=CONTENT_TYPE_LATEST)

    @app.get("/favicon.ico", include_in_schema=False)
    async def favicon() -> Response:
        return Response(status_code=204)

    return app
