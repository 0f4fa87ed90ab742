"""F15 of the December security review: the API description and /metrics are not public.

- `/openapi.json` answers a staff bearer token (any role) and nobody else (401); `/docs` and
  `/redoc` show the page to a bearer token and send a browser to `/admin/api/docs` and
  `/admin/api/redoc`, which (with `/admin/api/openapi.json`) need a signed-in admin session.
- The pages load Swagger UI and ReDoc from the app itself (behind the same login), never a CDN,
  under a policy that lets run only the app's scripts and the page's own inline script (its hash).
- `API_DOCS=false`: none of it exists (404), signed in or not.
- `/metrics`: with METRICS_TOKEN set, only `Authorization: Bearer <token>`; without it, only a
  loopback client. Anyone else gets 404."""
from __future__ import annotations

import base64
import hashlib
import re

import httpx

from bot.api_docs import ASSET_URL, ASSETS
from bot.app import create_app
from bot.security import DOCS_POLICY, docs_policy

DOCS_PAGES = ("/docs", "/redoc", "/openapi.json", "/admin/api/docs", "/admin/api/redoc", "/admin/api/openapi.json")


def _own_policy(page: httpx.Response) -> str:
    """The policy a docs page must carry: the app's scripts plus exactly its own inline scripts."""
    inline = re.findall(r"<script>(.*?)</script>", page.text, re.S)
    return docs_policy(f"'sha256-{base64.b64encode(hashlib.sha256(s.encode()).digest()).decode()}'" for s in inline)


def _loads_nothing_from_elsewhere(page: httpx.Response) -> None:
    sources = re.findall(r'(?:src|href)="([^"]*)"', page.text)
    assert sources and all(s.startswith(ASSET_URL + "/") for s in sources), sources
    policy = page.headers["content-security-policy"]
    assert "http" not in policy and "'unsafe-inline'" not in policy.split("script-src")[1].split(";")[0]


async def test_the_api_description_needs_a_staff_token(world):
    c = world.client
    for headers in ({}, {"Authorization": "Bearer bukan.token.sah"}, world.expired_bearer("admin"),
                    {"Authorization": "Basic YWRtaW46eA=="}):
        r = await c.get("/openapi.json", headers=headers)
        assert r.status_code == 401 and "paths" not in r.text, (headers, r.status_code)
    for who in ("admin", "kades", "humas"):
        r = await c.get("/openapi.json", headers=world.bearer(who))
        assert r.status_code == 200 and "/api/v1/reports" in r.json()["paths"], who
        assert r.headers["cache-control"] == "no-store"


async def test_the_docs_pages_send_a_browser_to_the_admin_pages(world):
    anonymous = await world.browser()
    for page, target in (("/docs", "/admin/api/docs"), ("/redoc", "/admin/api/redoc")):
        r = await anonymous.get(page)
        assert r.status_code == 307 and r.headers["location"] == target
        assert "swagger" not in r.text.lower() and "redoc" not in r.text.lower()
        r = await anonymous.get(target)
        assert r.status_code == 303 and r.headers["location"] == "/admin/login"
        assert (await world.client.get(page, headers={"Authorization": "Bearer x"})).status_code == 401
        with_token = await world.client.get(page, headers=world.bearer("dinsos"))
        assert with_token.status_code == 200 and "/openapi.json" in with_token.text
        assert with_token.headers["content-security-policy"] == _own_policy(with_token)
        _loads_nothing_from_elsewhere(with_token)
    assert (await anonymous.get("/admin/api/openapi.json")).status_code == 303


async def test_a_signed_in_browser_reads_the_docs_under_admin(world):
    browser = await world.signed_in("kades")
    page = await browser.get("/admin/api/docs")
    assert page.status_code == 200 and "/admin/api/openapi.json" in page.text and "swagger" in page.text.lower()
    assert page.headers.get_list("content-security-policy") == [_own_policy(page)] != [DOCS_POLICY]
    _loads_nothing_from_elsewhere(page)
    redoc = await browser.get("/admin/api/redoc")
    assert redoc.status_code == 200 and redoc.headers["content-security-policy"] == DOCS_POLICY  # no inline script
    _loads_nothing_from_elsewhere(redoc)
    spec = await browser.get("/admin/api/openapi.json")
    assert spec.status_code == 200 and "/api/v1/announcements" in spec.json()["paths"]
    assert "/admin/api/docs" not in spec.json()["paths"] and "/metrics" not in spec.json()["paths"]
    # the cookie's path is /admin: the same browser gets no description at /openapi.json
    assert (await browser.get("/openapi.json")).status_code == 401


async def test_swagger_ui_and_redoc_files_are_served_to_staff_only(world):
    anonymous, browser = await world.browser(), await world.signed_in("humas")
    for name, media_type in ASSETS.items():
        url = f"{ASSET_URL}/{name}"
        r = await anonymous.get(url)
        assert r.status_code == 303 and r.headers["location"] == "/admin/login", name
        r = await browser.get(url)
        assert r.status_code == 200 and r.headers["content-type"].startswith(media_type), name
        assert len(r.content) > 1000
    bundle = (await browser.get(f"{ASSET_URL}/swagger-ui-bundle.js")).text
    assert "SwaggerUIBundle" in bundle
    assert (await browser.get(f"{ASSET_URL}/../session.py")).status_code == 404  # only the files listed


async def test_with_api_docs_off_there_is_no_description_at_all(world, settings):
    app = create_app(settings.model_copy(update={"api_docs": False}))
    async with app.router.lifespan_context(app):
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as c:
            token, _ = app.state.runtime.staff.issue_token(world.staff["admin"])
            for path in DOCS_PAGES:
                r = await c.get(path, headers={"Authorization": f"Bearer {token}"})
                assert r.status_code == 404, (path, r.status_code)
            assert app.openapi()["paths"]  # the document still exists for the tests that read it


async def _metrics(app, *, client: tuple[str, int] = ("127.0.0.1", 50000), headers: dict | None = None) -> int:
    transport = httpx.ASGITransport(app=app, client=client)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        r = await c.get("/metrics", headers=headers or {})
    assert r.status_code != 200 or "# TYPE" in r.text
    return r.status_code


async def test_metrics_without_a_token_answer_loopback_only(client):
    app = client.app
    assert await _metrics(app) == 200
    assert await _metrics(app, client=("::1", 50000)) == 200
    for outside in ("203.0.113.7", "10.0.0.5", "testclient"):
        assert await _metrics(app, client=(outside, 50000)) == 404, outside


async def test_metrics_with_a_token_need_it_from_everyone(settings):
    app = create_app(settings.model_copy(update={"metrics_token": "rahasia-prometheus"}))
    async with app.router.lifespan_context(app):
        good = {"Authorization": "Bearer rahasia-prometheus"}
        assert await _metrics(app, headers=good) == 200
        assert await _metrics(app, client=("203.0.113.7", 50000), headers=good) == 200
        for headers in (None, {"Authorization": "Bearer rahasia-prometheu"}, {"Authorization": "rahasia-prometheus"},
                        {"Authorization": "Bearer rahasia-prometheus-lagi"}):
            assert await _metrics(app, headers=headers) == 404, headers  # loopback is not enough
