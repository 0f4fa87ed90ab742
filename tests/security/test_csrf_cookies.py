"""Admin cookies and CSRF, as the December security review attacked them (rows 39-41).

Kept elsewhere, not repeated: the flags of `oki_admin` over http and `oki_csrf` on the login form
(tests/bot/test_admin.py::test_the_right_password_starts_a_session_and_shows_the_dashboard,
::test_the_login_form_carries_a_csrf_token_and_the_security_headers), Secure over an https
request (::test_the_cookies_are_secure_over_https); an empty token, a made-up one, the login
form's anonymous token and another staff member's token on every staff form
(::test_a_form_with_a_wrong_csrf_token_changes_nothing); a logout with a wrong token
(::test_logout_ends_the_session_and_needs_csrf)."""
from __future__ import annotations

import re

import httpx
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from bot.app import create_app
from tests.security.world import PASSWORD

_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
NEW_STAFF = {"username": "penyusup", "role": "admin", "password": "sandi-penyusup-yang-panjang-1"}


def _cookie(response: httpx.Response, name: str) -> str:
    return next(v for v in response.headers.get_list("set-cookie") if v.startswith(f"{name}="))


async def _login(web: httpx.AsyncClient, username: str, headers: dict[str, str] | None = None) -> httpx.Response:
    form = await web.get("/admin/login", headers=headers)
    assert form.status_code == 200, form.text
    # sent by hand: the cookie jar keeps a Secure cookie back from this http:// test client
    cookie = {"Cookie": f"oki_csrf={form.cookies['oki_csrf']}"}
    return await web.post("/admin/login", headers={**(headers or {}), **cookie}, data={
        "csrf_token": _CSRF.search(form.text)[1], "username": username, "password": PASSWORD})


def _flags(cookie: str) -> set[str]:
    return {part.strip().split("=")[0].lower() for part in cookie.split(";")[1:]}


async def test_cookies_are_secure_behind_a_tls_proxy_and_only_a_trusted_one(world):
    """Row 39: with `X-Forwarded-Proto: https` from the trusted proxy (uvicorn's proxy headers, as
    `python -m bot serve` runs it with TRUSTED_PROXIES), both cookies are HttpOnly, SameSite=Lax,
    Path=/admin and Secure; the same header from an untrusted address changes nothing."""
    trusted = world.app.state.runtime.settings.trusted_proxies
    proxied = ProxyHeadersMiddleware(world.app, trusted_hosts=trusted)
    https = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.9"}
    for client, secure in ((("127.0.0.1", 50000), True), (("198.51.100.7", 50000), False)):
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=proxied, client=client),
                                     base_url="http://testserver") as web:
            r = await _login(web, "admin", headers=https)
            assert r.status_code == 303, r.text
            for name in ("oki_admin", "oki_csrf"):
                cookie = _cookie(r, name)
                assert {"httponly", "path"} <= _flags(cookie) and "samesite=lax" in cookie.lower(), cookie
                assert "Path=/admin" in cookie
                assert ("secure" in _flags(cookie)) is secure, (client, cookie)


async def test_cookies_are_secure_when_the_public_url_is_https(settings, tmp_path):
    """Row 39: with PUBLIC_BASE_URL on https, the cookies are Secure even when the app itself is
    reached over http (a proxy that does not forward the scheme)."""
    app = create_app(settings.model_copy(update={"public_base_url": "https://layanan.okikab.example"}))
    async with app.router.lifespan_context(app):
        await app.state.runtime.staff.create(username="adm", role="admin", password=PASSWORD, actor="test")
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as web:
            r = await _login(web, "adm")
            assert r.status_code == 303
            assert all("secure" in _flags(_cookie(r, n)) for n in ("oki_admin", "oki_csrf"))


async def _accounts(world) -> set[str]:
    return {a.username for a in await world.app.state.runtime.staff.accounts()}


async def test_every_other_csrf_variant_is_refused_and_creates_nothing(world):
    """Row 40: `POST /admin/staf/baru` as the signed-in admin with no token field at all, a valid
    token sent without the `oki_csrf` cookie, the token in the query string instead of the form,
    and the form as a JSON body: 403 each, and no account is created. The same valid token in
    the form, with the cookie, does create it (the control)."""
    admin = await world.signed_in("admin")
    token = await world.csrf("admin")
    before = await _accounts(world)
    bare = await world.browser(admin.cookies.get("oki_admin", path="/admin"))  # the session, no oki_csrf
    attempts = [
        await admin.post("/admin/staf/baru", data=NEW_STAFF),
        await bare.post("/admin/staf/baru", data={"csrf_token": token, **NEW_STAFF}),
        await admin.post("/admin/staf/baru", params={"csrf_token": token}, data=NEW_STAFF),
        await admin.post("/admin/staf/baru", json={"csrf_token": token, **NEW_STAFF}),
    ]
    assert [r.status_code for r in attempts] == [403, 403, 403, 403], [r.text[:80] for r in attempts]
    assert await _accounts(world) == before
    control = await admin.post("/admin/staf/baru", data={"csrf_token": token, **NEW_STAFF})
    assert control.status_code == 303 and "penyusup" in await _accounts(world)


async def test_logout_by_get_is_405_and_the_session_lives_on(world):
    """Row 41: `GET /admin/logout` (an <img> on another site could make one): 405, the cookie is
    neither cleared nor ended."""
    admin = await world.signed_in("admin")
    r = await admin.get("/admin/logout")
    assert r.status_code == 405
    assert "oki_admin" not in r.headers.get("set-cookie", "")
    assert (await admin.get("/admin")).status_code == 200
