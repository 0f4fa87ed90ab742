"""The staff admin in a real browser (Debian's chromium through Playwright): login, the dashboard's
chart, the staff accounts page. A screenshot of each page goes to docs/screenshots/."""
from __future__ import annotations

from tests.browser.conftest import PASSWORD, login, shot


def test_login_then_the_dashboard_shows_its_chart(live, page):
    live.staff("admin.dinas", "admin")
    page.goto(live.url + "/admin")
    assert page.url.endswith("/admin/login")  # locked without a login
    shot(page, "login")
    page.fill("input[name=username]", "admin.dinas")
    page.fill("input[name=password]", "salah-sandi")
    page.click("form button[type=submit]")
    assert page.url.endswith("/admin/login") and page.locator("text=sandi").first.is_visible()
    page.fill("input[name=username]", "admin.dinas")
    page.fill("input[name=password]", PASSWORD)
    page.click("form button[type=submit]")
    page.wait_for_url(live.url + "/admin")
    chart = page.locator("svg").first
    assert chart.is_visible() and chart.bounding_box()["width"] > 100  # drawn, and drawn visibly
    cookies = {c["name"]: c for c in page.context.cookies()}
    session = [c for c in cookies.values() if c["httpOnly"]]
    assert session and all(c["sameSite"] in ("Lax", "Strict") for c in session)


def test_the_admin_manages_staff_accounts(live, page):
    live.staff("admin.dinas", "admin")
    live.staff("kades.lama", "kades", desa="16.02.05.1008")
    login(page, live, "admin.dinas")
    page.click("nav >> text=Akun Staf")
    assert page.locator("text=kades.lama").first.is_visible()
    shot(page, "staff")


def test_the_dashboard_fits_a_phone_screen(live, browser):
    live.staff("camat.kayuagung", "camat", kecamatan="16.02.05")
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    page = context.new_page()
    try:
        login(page, live, "camat.kayuagung")
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390  # nothing sideways to scroll on a phone
        shot(page, "dashboard-phone")
    finally:
        context.close()
