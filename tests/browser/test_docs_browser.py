"""The staff API docs in a real browser, offline (issue 19, item 15): /admin/api/docs draws Swagger
UI and /admin/api/redoc draws ReDoc with every request going to the app itself (nothing from a
CDN, so they work without internet; ReDoc's "powered by" logo, which it names by a CDN address,
is refused by the page's policy before it leaves the browser), and the docs and the menu lead to
the staff guide in Indonesian."""
from __future__ import annotations

from urllib.parse import urlsplit

from tests.browser.conftest import login, shot


def _watch(page) -> tuple[list[str], list[str]]:
    """Every URL the page requests, and every URL its security policy stopped before it left."""
    requests: list[str] = []
    blocked: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.on("requestfailed", lambda r: blocked.append(r.url) if r.failure == "csp" else None)
    return requests, blocked


def _only_local(requests: list[str], blocked: list[str]) -> None:
    """Nothing reached another host: every request went to the app, or never left the browser."""
    hosts = {urlsplit(url).hostname for url in requests
             if url not in blocked and not url.startswith(("data:", "blob:"))}
    assert hosts and hosts <= {"127.0.0.1", "localhost"}, hosts


def test_the_api_docs_work_offline_and_lead_to_the_staff_guide(live, page):
    live.staff("dinsos.oki", "dinsos")
    login(page, live, "dinsos.oki")
    requests, blocked = _watch(page)
    page.goto(live.url + "/admin/api/docs")
    page.wait_for_selector(".swagger-ui .info .title:has-text('Layanan OKI')")
    page.wait_for_selector(".swagger-ui .opblock-tag-section")  # the operations are drawn from the document
    assert page.locator(".swagger-ui .errors-wrapper").count() == 0
    shot(page, "api-docs")
    _only_local(requests, blocked)
    assert any("/admin/api/aset/swagger-ui-bundle.js" in url for url in requests)
    assert not blocked, blocked  # Swagger UI needs nothing its policy refuses
    guide = page.locator(".swagger-ui .info a:has-text('Panduan staf')")
    assert guide.get_attribute("href") == "/admin/panduan"  # Swagger UI opens it in a new tab
    page.goto(live.url + guide.get_attribute("href"))
    assert page.locator("#panduan h1").inner_text() == "Panduan staf Layanan OKI"
    assert page.locator("#panduan h2:has-text('Hari seorang kepala desa')").is_visible()
    assert page.locator("nav a[aria-current=page]").inner_text() == "Panduan"

    requests.clear()
    page.goto(live.url + "/admin/api/redoc")
    page.wait_for_selector("redoc h1:has-text('Layanan OKI')")
    page.wait_for_selector("redoc a[href='/admin/panduan']:has-text('Panduan staf')")
    _only_local(requests, blocked)
    # only ReDoc's "powered by" logo, which it names by a CDN address, is refused, in the browser
    assert {urlsplit(url).path for url in blocked} <= {"/redoc/logo-mini.svg"}, blocked


def test_the_docs_files_need_a_login(live, page):
    requests, blocked = _watch(page)
    page.goto(live.url + "/admin/api/aset/swagger-ui-bundle.js")
    assert page.url.endswith("/admin/login")
    page.goto(live.url + "/admin/api/docs")
    assert page.url.endswith("/admin/login")
    _only_local(requests, blocked)
