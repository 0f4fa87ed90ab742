"""What the security tests share: the staff routes listed from the app itself, who may use each
(read from its dependencies), and `World`, a populated app with one signed-in client per staff
member and a real id for every path parameter."""
from __future__ import annotations

import re
import time
from collections.abc import Iterator
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import httpx
from fastapi import FastAPI
from fastapi.routing import APIRoute, iter_route_contexts

from bot.admin import session as admin_session
from bot.admin.live import InboxLive
from bot.admin.registry import ImportJob, ImportJobs
from bot.admin.session import current_session
from bot.api.deps import get_current_staff
from services.santunan import WIB, Draft
from services.staff import ROLES, StaffInfo
from storage.models import utcnow
from tests.services.test_coverage import _csv

__all__ = ["ADMIN_PUBLIC", "API_PUBLIC", "KAG", "MEMBERS", "OWNER", "PASSWORD", "PDM", "PNG", "Route", "World",
           "build_world", "fill", "staff_routes"]

API_PUBLIC = {"/api/v1/auth/token"}  # the only staff-API route without a token: the sign-in itself
ADMIN_PUBLIC = {"/admin/login"}  # and the admin pages' login form
KAG, PDM = "16.02.05", "16.02.03"  # Kayu Agung, Pedamaran
SUKADANA, KEDATON = "16.02.05.1008", "16.02.05.1007"  # two desa of Kayu Agung
PASSWORD = "kata-sandi-rahasia"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
# the in-area member of each role tried for it, in the order a check wanting one admitted role picks
MEMBERS = ("admin", "dinsos", "humas", "camat", "kades")
# who opens a page that only one person may: a draft is edited by its author (humas); an import job
# is followed by whoever started it (admin, whom MEMBERS picks anyway)
OWNER = {"/admin/pengumuman/{announcement_id}/ubah": "humas"}
_PARAM = re.compile(r"\{([^}:]+)(?::[^}]*)?\}")
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@dataclass(frozen=True)
class Route:
    """One method of one staff route: where it is, which surface, whether it needs a signed-in
    staff member, and the roles its dependencies admit."""

    method: str
    path: str
    surface: str  # "api" or "admin"
    signed_in: bool
    roles: frozenset[str]
    query: frozenset[str]  # the query parameters it declares

    def __str__(self) -> str:
        return f"{self.method} {self.path}"


def _dependencies(route: APIRoute) -> Iterator:
    stack = [route.dependant]
    while stack:
        dependant = stack.pop()
        yield dependant
        stack.extend(dependant.dependencies)


def _route(method: str, path: str, surface: str, route: APIRoute) -> Route:
    signed_in, roles, query = False, set(ROLES), set()
    for dependant in _dependencies(route):
        signed_in |= dependant.call in (get_current_staff, current_session)
        roles &= set(getattr(dependant.call, "roles", ROLES))
        query |= {p.name for p in dependant.query_params}
    # "/faq/{entry_id:int}" is "/faq/{entry_id}" in the API description and to `fill`
    return Route(method, re.sub(r"{(\w+):\w+}", r"{\1}", path), surface, signed_in, frozenset(roles),
                 frozenset(query))


def staff_routes(app: FastAPI) -> list[Route]:
    """Every method of every staff route the app serves: /api/v1 but the sign-in, and /admin but
    the login form. Listed from the app, so a route added later is in the list by itself."""
    found = []
    for context in iter_route_contexts(app.routes):
        route, path = context.original_route, context.path
        if not isinstance(route, APIRoute):
            continue
        if path.startswith("/api/v1/") and path not in API_PUBLIC:
            surface = "api"
        elif (path == "/admin" or path.startswith("/admin/")) and path not in ADMIN_PUBLIC:
            surface = "admin"
        else:
            continue
        found += [_route(method, path, surface, route) for method in sorted(context.methods or ())]
    return found


def fill(path: str, values: dict[str, str]) -> str:
    """The path with each {parameter} replaced by its value; KeyError names a parameter nobody filled."""
    def value(match: re.Match) -> str:
        name = match[1]
        if name not in values:
            raise KeyError(f"{path}: no value for the path parameter {{{name}}}; add one in tests/security/world.py")
        return values[name]

    return _PARAM.sub(value, path)


@dataclass
class World:
    """The app with data in it: staff of every role (plus a camat and a kades of another area),
    one report with a document, a chat contact, one announcement, one registry import, one admin
    import job and one helpdesk ticket (with a photo) about the report."""

    client: httpx.AsyncClient
    staff: dict[str, StaffInfo]
    params: dict[str, str]  # a real value for each path parameter
    web: dict[str, httpx.AsyncClient] = field(default_factory=dict)  # a signed-in admin-page browser per staff
    stack: AsyncExitStack = field(default_factory=AsyncExitStack)

    @property
    def app(self) -> FastAPI:
        return self.client.app  # type: ignore[attr-defined]

    def bearer(self, who: str, *, now: datetime | None = None) -> dict[str, str]:
        """An Authorization header for `who`, issued `now` (an expired one for a time long past)."""
        token, _ = self.app.state.runtime.staff.issue_token(self.staff[who], now=now)
        return {"Authorization": f"Bearer {token}"}

    def expired_bearer(self, who: str = "admin") -> dict[str, str]:
        return self.bearer(who, now=utcnow() - timedelta(days=1))

    def session_cookie(self, who: str, *, now: datetime | None = None) -> str:
        """A signed `oki_admin` cookie value for `who`, as the login sets it, holding a token issued `now`."""
        staff = self.app.state.runtime.staff
        started = int((now or utcnow()).timestamp())
        token, _ = staff.issue_token(self.staff[who], now=now, session_id=staff.new_session_id(),
                                     not_after=datetime.fromtimestamp(started + admin_session.MAX_SESSION, UTC))
        key = admin_session._key(SimpleNamespace(app=self.app))
        return f"{token}~{started}~{admin_session._signature(key, token, started)}"

    def expired_cookie(self, who: str = "admin") -> str:
        return self.session_cookie(who, now=utcnow() - timedelta(days=1))

    async def browser(self, cookie: str | None = None) -> httpx.AsyncClient:
        """A new cookie jar on the app, signed in with `cookie` when given."""
        web = await self.stack.enter_async_context(
            httpx.AsyncClient(transport=httpx.ASGITransport(app=self.app), base_url="http://testserver"))
        if cookie is not None:
            web.cookies.set(admin_session.SESSION_COOKIE, cookie, domain="testserver.local", path="/admin")
        return web

    async def signed_in(self, who: str) -> httpx.AsyncClient:
        if who not in self.web:
            self.web[who] = await self.browser(self.session_cookie(who))
        return self.web[who]

    async def csrf(self, who: str) -> str:
        """A valid CSRF token for `who`'s browser, from a page every role may open."""
        page = await (await self.signed_in(who)).get("/admin/akun/tautkan")
        assert page.status_code == 200, page.text
        return _CSRF.search(page.text)[1]


async def build_world(client: httpx.AsyncClient) -> World:
    rt = client.app.state.runtime  # type: ignore[attr-defined]
    accounts = {"admin": ("admin", {}), "dinsos": ("dinsos", {}), "humas": ("humas", {}),
                "camat": ("camat", {"kecamatan": KAG}), "kades": ("kades", {"desa": SUKADANA}),
                "camat_other": ("camat", {"kecamatan": PDM}), "kades_other": ("kades", {"desa": KEDATON})}
    staff = {who: await rt.staff.create(username=who.replace("_", "."), role=role, password=PASSWORD, actor="test",
                                        **area) for who, (role, area) in accounts.items()}
    key = rt.attachments.save(PNG, "image/png")
    died = rt.santunan.now().astimezone(WIB).date() - timedelta(days=1)
    report = await rt.santunan.file(Draft(
        deceased_nik="1602015708850003", deceased_name="Ahmad Sanusi", date_of_death=died, kecamatan_code=KAG,
        desa_code=SUKADANA, kk_number="1602011203150001", reporter_name="Rahmawati", reporter_relationship="anak",
        heir_name="Rahmawati", heir_phone="+6281234567890", documents=[("sktm", key, "image/png", len(PNG))]),
        filed_by="test")
    contact = await rt.contacts.touch(channel="telegram", channel_user_id="700100", at=utcnow())
    announcement = await rt.broadcasts.create(title="Posyandu", body="Posyandu hari Sabtu.", link=None,
                                              kecamatan=None, author=staff["humas"])
    imported = await rt.importer.run(source=_csv(), filename="daftar.csv", actor=staff["admin"].actor, dry_run=False)
    job = ImportJob(id="job-1", owner=staff["admin"].id, filename="daftar.csv", dry_run=False, total=imported.total,
                    done=imported.total, finished=True, summary=imported.as_dict(), ended=time.monotonic())
    client.app.state.registry_jobs = ImportJobs()  # type: ignore[attr-defined]
    client.app.state.registry_jobs.add(job)  # type: ignore[attr-defined]
    # a helpdesk ticket of the same contact about the report (so placed in Sukadana), with a photo; the
    # live inbox's streams end at once here, so that a GET of /admin/bantuan/siaran answers
    ticket = await rt.helpdesk.open(contact=contact, text="tolong", report_reference=report.reference,
                                    media=[(rt.attachments.save(PNG, "image/png"), "image/png")])
    photo = next(m for m in await rt.helpdesk._tickets.messages(ticket.ticket_id) if m.media_key)
    client.app.state.inbox_live = InboxLive(rt.helpdesk._tickets.latest_change, interval=0.05,  # type: ignore[attr-defined]
                                            stream_seconds=0.1)
    entry = await rt.answers.create(actor="test", values={"question": "Kapan pasar malam buka?", "answer": "Sabtu."})
    await rt.answers.unanswered("kapan ada lomba perahu bidar", now=utcnow())
    [asked] = await rt.answers.unanswered_list()
    params = {"entry_id": str(entry.id), "item_id": str(asked["id"]),
              "reference": report.reference, "name": key.rsplit("/", 1)[1], "announcement_id": str(announcement.id),
              "ticket_id": str(ticket.ticket_id), "message_id": str(photo.id),
              "import_id": str(imported.import_id), "job_id": job.id, "staff_id": str(staff["kades"].id),
              "contact_id": str(contact.id), "fmt": "csv", "action": "pause"}
    return World(client=client, staff=staff, params=params)
