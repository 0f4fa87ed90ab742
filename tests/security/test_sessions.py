"""Ended sessions stay ended (review F5, F16): after a password reset, a logout, a disable and
enable, an area change or "sign out everywhere", the old bearer token gets 401 and the old
`oki_admin` cookie is sent to the login, on the API and on the admin pages; and no session renews
itself past MAX_SESSION. Each test replays what an attacker who kept a token or a cookie would send."""
from __future__ import annotations

import re
import time
from contextlib import AsyncExitStack
from datetime import UTC, datetime
from types import SimpleNamespace

import httpx
import jwt
import pytest
from sqlalchemy import func, select

from bot.admin import session as admin_session
from services.staff import StaffInfo
from storage.db import make_sessionmaker
from storage.models import RevokedSession

_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
ADMIN, VICTIM = "sess_admin", "sess_victim"
KAG, PDM = "16.02.05", "16.02.03"


def _pw(username: str) -> str:
    return f"Bars-{username}-Pw9!"


@pytest.fixture
async def web(client):
    """Opens browsers (cookie jars) on the app, each from a client address of its own."""
    async with AsyncExitStack() as stack:
        async def open_browser(ip: str = "10.0.0.1") -> httpx.AsyncClient:
            transport = httpx.ASGITransport(app=client.app, client=(ip, 1234))
            return await stack.enter_async_context(httpx.AsyncClient(transport=transport,
                                                                     base_url="http://testserver"))
        yield open_browser


async def _staff(client, username: str, role: str = "admin", **area) -> StaffInfo:
    return await client.app.state.runtime.staff.create(username=username, role=role, password=_pw(username),
                                                       actor="test", **area)


async def _admin_login(browser: httpx.AsyncClient, username: str) -> str:
    form = await browser.get("/admin/login")
    r = await browser.post("/admin/login", data={"csrf_token": _CSRF.search(form.text)[1], "username": username,
                                                 "password": _pw(username)})
    assert r.status_code == 303, r.text
    return browser.cookies["oki_admin"]


async def _api_token(client, username: str) -> dict[str, str]:
    r = await client.post("/api/v1/auth/token", data={"username": username, "password": _pw(username)})
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


async def _post(browser: httpx.AsyncClient, page: str, action: str, **fields) -> httpx.Response:
    token = _CSRF.search((await browser.get(page)).text)[1]
    return await browser.post(action, data={"csrf_token": token, **fields})


async def _replay(web, cookie: str, path: str = "/admin/laporan") -> httpx.Response:
    """The kept cookie value, sent from another browser (the attacker's)."""
    other = await web("10.9.9.9")
    other.cookies.set("oki_admin", cookie, domain="testserver.local", path="/admin")
    return await other.get(path)


def _bearer_of(cookie: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {cookie.split('~')[0]}"}


async def _refused_everywhere(client, web, cookie: str, token: dict[str, str]) -> None:
    for headers in (token, _bearer_of(cookie)):
        assert (await client.get("/api/v1/auth/me", headers=headers)).status_code == 401
    r = await _replay(web, cookie)
    assert r.status_code == 303 and r.headers["location"] == "/admin/login"
    renewed = [v for v in r.headers.get_list("set-cookie") if v.startswith("oki_admin=")]
    assert all(v.startswith('oki_admin=""') for v in renewed), renewed  # only ever deleted, never renewed


async def _victim_signed_in(client, web, role: str = "kades", **area) -> tuple[StaffInfo, str, dict[str, str]]:
    victim = await _staff(client, VICTIM, role, **area)
    cookie = await _admin_login(await web("10.0.0.2"), VICTIM)
    token = await _api_token(client, VICTIM)
    assert (await _replay(web, cookie, "/admin")).status_code == 200  # the control: both work before
    assert (await client.get("/api/v1/auth/me", headers=_bearer_of(cookie))).status_code == 200
    return victim, cookie, token


async def test_a_password_reset_ends_old_tokens_and_cookies(client, web):
    admin = await web()
    await _staff(client, ADMIN)
    await _admin_login(admin, ADMIN)
    victim, cookie, token = await _victim_signed_in(client, web, "dinsos")
    page = f"/admin/staf/{victim.id}"
    new = "Another-Long-Phrase-77!"
    r = await _post(admin, page, f"{page}/sandi", password=new, password2=new)
    assert r.status_code == 303
    await _refused_everywhere(client, web, cookie, token)
    assert (await client.post("/api/v1/auth/token", data={"username": VICTIM, "password": new})).status_code == 200


async def test_logout_ends_that_session_cookie_and_bearer_alike(client, web):
    await _staff(client, VICTIM, "dinsos")
    browser, elsewhere = await web(), await web("10.0.0.3")
    cookie = await _admin_login(browser, VICTIM)
    other_login = await _admin_login(elsewhere, VICTIM)
    api = await _api_token(client, VICTIM)
    r = await _post(browser, "/admin", "/admin/logout")
    assert r.status_code == 303 and "keluar=1" in r.headers["location"]
    r = await _replay(web, cookie)
    assert r.status_code == 303 and r.headers["location"] == "/admin/login"
    assert (await client.get("/api/v1/auth/me", headers=_bearer_of(cookie))).status_code == 401
    assert (await client.get("/api/v1/reports", headers=_bearer_of(cookie))).status_code == 401
    # only that login ended: the same person's other login and API token go on
    assert (await _replay(web, other_login, "/admin")).status_code == 200
    assert (await client.get("/api/v1/auth/me", headers=api)).status_code == 200
    async with make_sessionmaker(client.app.state.runtime.db)() as s:
        row = (await s.scalars(select(RevokedSession))).one()
    assert row.session_id == jwt.decode(cookie.split("~")[0], options={"verify_signature": False})["sid"]
    started = int(cookie.split("~")[1])
    assert row.expires_at == datetime.fromtimestamp(started + admin_session.MAX_SESSION, UTC)


async def test_disable_then_enable_does_not_revive_old_tokens(client, web):
    admin = await web()
    await _staff(client, ADMIN)
    await _admin_login(admin, ADMIN)
    victim, cookie, token = await _victim_signed_in(client, web, "camat", kecamatan=KAG)
    page = f"/admin/staf/{victim.id}"
    assert (await _post(admin, page, f"{page}/status", aktif="tidak")).status_code == 303
    assert (await _post(admin, page, f"{page}/status", aktif="ya")).status_code == 303
    await _refused_everywhere(client, web, cookie, token)
    assert (await client.get("/api/v1/auth/me", headers=await _api_token(client, VICTIM))).status_code == 200


async def test_an_area_change_ends_old_tokens_and_cookies(client, web):
    admin = await web()
    await _staff(client, ADMIN)
    await _admin_login(admin, ADMIN)
    victim, cookie, token = await _victim_signed_in(client, web, "camat", kecamatan=KAG)
    page = f"/admin/staf/{victim.id}"
    assert (await _post(admin, page, f"{page}/wilayah", kecamatan=PDM)).status_code == 303
    # moving back restores the claims the old tokens carry: they must stay dead all the same
    assert (await _post(admin, page, f"{page}/wilayah", kecamatan=KAG)).status_code == 303
    await _refused_everywhere(client, web, cookie, token)


async def test_sign_out_everywhere_is_a_button_and_is_audited(client, web):
    admin = await web()
    made_admin = await _staff(client, ADMIN)
    await _admin_login(admin, ADMIN)
    victim, cookie, token = await _victim_signed_in(client, web, "humas")
    page = f"/admin/staf/{victim.id}"
    assert f'action="{page}/keluar"' in (await admin.get(page)).text
    r = await _post(admin, page, f"{page}/keluar")
    assert r.status_code == 303
    assert "Semua sesi akun ini sudah diakhiri" in (await admin.get(r.headers["location"])).text
    await _refused_everywhere(client, web, cookie, token)
    entries = await client.app.state.runtime.audit.recent(limit=50)
    entry = next(e for e in entries if e.action == "staff.sign_out_everywhere")
    assert (entry.actor, entry.target) == (made_admin.actor, victim.actor)
    assert (await admin.get("/admin")).status_code == 200  # the admin's own session is untouched


def _cookie(client, staff: StaffInfo, *, started: int) -> str:
    """A signed cookie of a login made at `started`, holding a fresh token of that login."""
    service = client.app.state.runtime.staff
    token, _ = service.issue_token(staff, session_id=service.new_session_id(),
                                   not_after=datetime.fromtimestamp(started + admin_session.MAX_SESSION, UTC))
    key = admin_session._key(SimpleNamespace(app=client.app))
    return f"{token}~{started}~{admin_session._signature(key, token, started)}"


async def test_a_session_is_never_renewed_past_its_maximum(client, web):
    victim = await _staff(client, VICTIM, "dinsos")
    started = int(time.time()) - admin_session.MAX_SESSION + 600  # ten minutes before the login's end
    r = await _replay(web, _cookie(client, victim, started=started), "/admin")
    assert r.status_code == 200
    renewed = next(v for v in r.headers.get_list("set-cookie") if v.startswith("oki_admin="))
    value = renewed.split(";")[0].split("=", 1)[1].strip('"')
    token, kept_started, _ = value.split("~")
    claims = jwt.decode(token, options={"verify_signature": False})
    assert int(kept_started) == started
    assert claims["exp"] <= started + admin_session.MAX_SESSION  # not the usual 30 minutes from now
    assert int(re.search(r"Max-Age=(\d+)", renewed)[1]) <= 600


async def test_an_api_token_is_no_admin_session(client, web):
    await _staff(client, VICTIM, "dinsos")
    token = (await _api_token(client, VICTIM))["Authorization"].split()[1]
    key = admin_session._key(SimpleNamespace(app=client.app))
    started = int(time.time())
    cookie = f"{token}~{started}~{admin_session._signature(key, token, started)}"
    assert (await _replay(web, cookie, "/admin")).status_code == 303


async def test_logouts_leave_no_dead_rows_behind(client, web):
    runtime = client.app.state.runtime
    await _staff(client, VICTIM, "dinsos")
    await runtime.staff.end_session(session_id="long-gone", until=datetime(2020, 1, 1, tzinfo=UTC))
    browser = await web()
    await _admin_login(browser, VICTIM)
    assert (await _post(browser, "/admin", "/admin/logout")).status_code == 303
    async with make_sessionmaker(runtime.db)() as s:
        assert await s.scalar(select(func.count()).select_from(RevokedSession)) == 1
