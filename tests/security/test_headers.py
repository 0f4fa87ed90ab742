"""Security headers on every response the app serves (bot/security.py), listed from the app: each
route and method (GETs signed in as someone they admit, with real ids, and everything signed out),
every file of every static mount, an unknown path and a 500. The public pages keep working under
their policy: /chat and /pengumuman load only their own script and style, with nothing inline.
The admin pages keep their own stricter headers, set once. And the real server sends no banner."""
from __future__ import annotations

import http.client
import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
from fastapi.routing import APIRoute, iter_route_contexts
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from bot.admin.web import SECURITY_HEADERS
from bot.api_docs import DOCS_PATHS
from bot.documents import DOCUMENT_POLICY
from bot.security import DOCS_POLICY, NONE_POLICY, PAGE_POLICY
from tests.security.world import MEMBERS, OWNER, World, fill, staff_routes

ROOT = Path(__file__).resolve().parents[2]
DOCS = set(DOCS_PATHS)  # the API docs pages, which load Swagger UI and ReDoc from the app (bot/api_docs.py)


def _problems(what: str, r: httpx.Response) -> list[str]:
    """What is missing from or wrong in one response's headers."""
    h = r.headers
    found = []
    expected = {"x-content-type-options": "nosniff", "x-frame-options": "DENY", "referrer-policy": "same-origin"}
    found += [f"{name}: {h.get(name)!r}" for name, value in expected.items() if h.get(name) != value]
    policies = h.get_list("content-security-policy")
    if len(policies) != 1 or "frame-ancestors 'none'" not in policies[0]:
        found.append(f"content-security-policy: {policies!r}")
    found += [f"{banner}: {h[banner]!r}" for banner in ("server", "x-powered-by") if banner in h]
    page = h.get("content-type", "").startswith("text/html")
    if page and policies and r.url.path not in DOCS and ("unsafe-inline" in policies[0]
                                                         or not re.search(r"default-src '(self|none)'", policies[0])):
        found.append(f"a page's policy allows more than the app itself: {policies[0]!r}")
    own = [DOCUMENT_POLICY] if "/documents/" in r.url.path and r.status_code == 200 else [NONE_POLICY]
    if r.url.path.startswith("/api/v1/") and (policies != own or h.get("cache-control") is None):
        found.append(f"staff API: {policies!r}, cache-control {h.get('cache-control')!r}")
    return [f"{what} -> {r.status_code}: {p}" for p in found]


async def _signed_in_get(world: World, path: str) -> httpx.Response | None:
    """A GET of a staff route by a role it admits (as tests/security/test_routes.py picks), else None."""
    route = next((r for r in staff_routes(world.app) if r.path == path and r.method == "GET"), None)
    if route is None:
        return None
    who = OWNER.get(path) or next(m for m in MEMBERS if m in route.roles)
    url = fill(path, world.params)
    if route.surface == "api":
        return await world.client.get(url, headers=world.bearer(who))
    return await (await world.signed_in(who)).get(url)


def _static_files(app) -> list[str]:
    urls = []
    for context in iter_route_contexts(app.routes):
        route = context.original_route
        if isinstance(route, Mount) and isinstance(route.app, StaticFiles):
            root = Path(route.app.directory)
            urls += [f"{context.path}/{f.relative_to(root)}" for f in sorted(root.rglob("*")) if f.is_file()]
    return urls


async def test_every_response_carries_the_security_headers(world):
    problems, checked = [], 0
    anonymous = await world.browser()
    for context in iter_route_contexts(world.app.routes):
        route = context.original_route
        if not isinstance(route, APIRoute | Route):
            continue
        for method in sorted((context.methods or set()) - {"HEAD"}):
            url = fill(context.path, world.params)
            r = await anonymous.request(method, url, json={} if method != "GET" else None)
            problems += _problems(f"{method} {context.path} signed out", r)
            checked += 1
            if method == "GET" and (signed := await _signed_in_get(world, context.path)) is not None:
                assert signed.status_code == 200, (context.path, signed.status_code)
                problems += _problems(f"GET {context.path} signed in", signed)
                checked += 1
    statics = _static_files(world.app)
    assert "/static/chat.js" in statics and "/admin/static/admin.js" in statics
    for url in [*statics, "/tidak-ada", "/admin/tidak-ada", "/api/v1/tidak-ada"]:
        r = await anonymous.get(url)
        problems += _problems(f"GET {url}", r)
        checked += 1
    assert checked > 100, checked
    assert not problems, f"{len(problems)} of {checked} responses:\n" + "\n".join(problems)


async def test_each_surface_gets_its_policy(world):
    anonymous = await world.browser()
    chat, feed, health = [await anonymous.get(p) for p in ("/chat", "/pengumuman/feed.xml", "/healthz")]
    assert chat.headers["content-security-policy"] == PAGE_POLICY
    assert feed.headers["content-security-policy"] == health.headers["content-security-policy"] == NONE_POLICY
    report = await world.client.get(f"/api/v1/reports/{world.params['reference']}", headers=world.bearer("admin"))
    assert report.headers["content-security-policy"] == NONE_POLICY and report.headers["cache-control"] == "no-store"
    document = await world.client.get(report.json()["documents"][0]["url"], headers=world.bearer("admin"))
    assert document.headers["cache-control"] == "private, no-store"  # the route's own, kept
    assert document.headers["content-security-policy"] == DOCUMENT_POLICY  # sandboxed, a download (F17)
    assert document.headers["content-disposition"].startswith("attachment; filename=")
    token = await world.client.post("/api/v1/auth/token", data={"username": "admin", "password": "x" * 12})
    assert token.status_code == 401 and token.headers["cache-control"] == "no-store"
    docs = await (await world.signed_in("kades")).get("/admin/api/docs")
    # the docs' own policy, once: the app's scripts and the page's inline script by its hash
    [policy] = docs.headers.get_list("content-security-policy")
    assert docs.status_code == 200 and policy.startswith(DOCS_POLICY.split("; style-src")[0] + " 'sha256-")
    assert (await world.client.get("/redoc", headers=world.bearer("humas"))).headers["content-security-policy"] \
        == DOCS_POLICY


async def test_the_admin_pages_keep_their_own_stricter_headers_once(world):
    for r in (await (await world.browser()).get("/admin/login"), await (await world.signed_in("admin")).get("/admin")):
        assert r.status_code == 200
        for name, value in SECURITY_HEADERS.items():
            assert r.headers.get_list(name) == [value], name


async def _loads_only_its_own_assets(client: httpx.AsyncClient, path: str) -> str:
    """The page at `path`, after checking that everything it loads is the app's own and is served,
    and that it has no inline script, style or event handler its policy would block."""
    page = await client.get(path)
    assert page.status_code == 200 and page.headers["content-security-policy"] == PAGE_POLICY
    assert "default-src 'self'" in PAGE_POLICY and "script-src" not in PAGE_POLICY  # scripts: 'self' only
    html = page.text
    assets = re.findall(r'<script[^>]*\ssrc="([^"]+)"', html) + re.findall(r'<link[^>]*\shref="([^"]+)"', html)
    assert assets, html[:300]
    for url in assets:
        assert url.startswith("/") and not url.startswith("//"), url  # same origin
        r = await client.get(url)
        assert r.status_code == 200, url
        kind = r.headers["content-type"]
        assert url.endswith((".js", ".css", ".xml")) and kind.split(";")[0] in (
            "text/javascript", "application/javascript", "text/css", "application/atom+xml"), (url, kind)
        if url.endswith(".js"):
            assert not re.search(r"https?://", r.text), f"{url} reaches another origin"
    assert not re.search(r"<script(?![^>]*\ssrc=)[^>]*>", html), "an inline script"
    assert "<style" not in html and not re.search(r"\sstyle=", html), "an inline style"
    assert not re.search(r"\son[a-z]+=", html), "an inline event handler"
    return html


async def test_the_public_pages_load_their_own_script_and_style_under_the_policy(world):
    rt = world.app.state.runtime
    row = await rt.broadcasts.create(title="Posyandu <b>", body="Sabtu <script>alert(1)</script>", link=None,
                                     kecamatan=None, author=world.staff["humas"])
    await rt.broadcasts.approve(announcement_id=row.id, staff=world.staff["admin"])
    await rt.broadcasts.send(announcement_id=row.id, staff=world.staff["admin"])
    anonymous = await world.browser()
    chat = await _loads_only_its_own_assets(anonymous, "/chat")
    assert '<script src="/static/chat.js" defer>' in chat and 'href="/static/chat.css"' in chat
    archive = await _loads_only_its_own_assets(anonymous, "/pengumuman")
    assert 'href="/static/pengumuman.css"' in archive and "Posyandu &lt;b&gt;" in archive


async def test_a_server_error_carries_the_headers_too(world):
    async def broken() -> dict:
        raise RuntimeError("boom")

    world.app.add_api_route("/test/broken", broken)
    transport = httpx.ASGITransport(app=world.app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        r = await c.get("/test/broken")
    assert r.status_code == 500 and "boom" not in r.text
    assert _problems("GET /test/broken", r) == []


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_the_served_app_sends_no_server_banner(sqlite_url, tmp_path):
    port = _free_port()
    env = {"PATH": os.environ["PATH"], "PYTHONPATH": str(ROOT), "DATABASE_URL": sqlite_url,
           "DATA_DIR": str(tmp_path), "SECRET_KEY": "k" * 40, "WORKER_IN_PROCESS": "false"}
    log = tmp_path / "serve.log"
    server = subprocess.Popen([sys.executable, "-m", "bot", "serve", "--port", str(port)], cwd=ROOT, env=env,
                              stdout=subprocess.DEVNULL, stderr=log.open("wb"))
    try:
        deadline, response = time.monotonic() + 30, None
        while response is None:
            assert server.poll() is None and time.monotonic() < deadline, log.read_text()[-2000:]
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
                conn.request("GET", "/chat")
                response = conn.getresponse()
            except OSError:
                time.sleep(0.2)
        headers = {k.lower(): v for k, v in response.getheaders()}
        assert response.status == 200
        assert "server" not in headers and "x-powered-by" not in headers, headers
        assert headers["x-content-type-options"] == "nosniff" and headers["content-security-policy"] == PAGE_POLICY
    finally:
        server.terminate()
        server.wait(timeout=30)
