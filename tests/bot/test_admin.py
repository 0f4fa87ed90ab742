"""The staff admin pages under /admin: locked without a session, CSRF on every form (the login
too), a session cookie that is HttpOnly and SameSite, an area-scoped dashboard with SVG charts,
and staff accounts that only an admin manages."""
from __future__ import annotations

import re
from contextlib import AsyncExitStack
from datetime import timedelta

import httpx
import pytest
from sqlalchemy import update

from bot.admin.charts import LABEL_WIDTH, WIDTH, bar_chart, column_chart
from services.staff import StaffInfo
from storage.models import Report, Staff, utcnow
from tests.bot.test_api_registry import _token
from tests.bot.test_api_reports import body
from tests.conftest import chat

PW = "kata-sandi-rahasia"
KAG, PDM = "16.02.05", "16.02.03"  # Kayu Agung, Pedamaran
SUKADANA, KEDATON, SUKARAJA_PDM = "16.02.05.1008", "16.02.05.1007", "16.02.03.2011"
_CSRF = re.compile(r'<input type="hidden" name="csrf_token" value="([^"]+)">')


@pytest.fixture
async def browser(client):
    """Opens more browsers (cookie jars) on the same app: one per staff member in a test."""
    async with AsyncExitStack() as stack:
        async def open_browser(scheme: str = "http") -> httpx.AsyncClient:
            transport = httpx.ASGITransport(app=client.app)
            return await stack.enter_async_context(
                httpx.AsyncClient(transport=transport, base_url=f"{scheme}://testserver"))
        yield open_browser


async def _staff(client, username: str, role: str = "admin", **area) -> StaffInfo:
    return await client.app.state.runtime.staff.create(username=username, role=role, password=PW, actor="test",
                                                       **area)


def _csrf(page: str) -> str:
    return _CSRF.search(page)[1]


async def _login(web: httpx.AsyncClient, username: str, password: str = PW) -> httpx.Response:
    form = await web.get("/admin/login")
    return await web.post("/admin/login", data={"csrf_token": _csrf(form.text), "username": username,
                                                "password": password})


async def _signed_in(browser, client, username: str, role: str = "admin", **area) -> httpx.AsyncClient:
    await _staff(client, username, role, **area)
    web = await browser()
    assert (await _login(web, username)).status_code == 303
    return web


async def _post(web: httpx.AsyncClient, page: str, action: str, **fields) -> httpx.Response:
    """Open `page`, then post one of its forms with the page's CSRF token."""
    token = _csrf((await web.get(page)).text)
    return await web.post(action, data={"csrf_token": token, **fields})


async def _audit_actions(client) -> list[str]:
    return [e.action for e in await client.app.state.runtime.audit.recent(limit=200)]


def _set_cookie(response: httpx.Response, name: str) -> str:
    return next(v for v in response.headers.get_list("set-cookie") if v.startswith(f"{name}="))


# --- locked without a session ---
@pytest.mark.parametrize("path", ["/admin", "/admin/staf", "/admin/staf/baru", "/admin/staf/1", "/admin/laporan",
                                  "/admin/registri", "/admin/pengumuman"])
async def test_every_page_redirects_to_the_login_without_a_session(client, path):
    r = await client.get(path)
    assert r.status_code == 303 and r.headers["location"] == "/admin/login"


async def test_a_forged_or_tampered_session_cookie_is_no_session(client, browser):
    web = await _signed_in(browser, client, "adm")
    value = web.cookies["oki_admin"]
    token, started, signature = value.split("~")
    # the cookie jar files a cookie for the host "testserver" under "testserver.local" (RFC 2965);
    # under "testserver" it would never be sent, and every value would look refused
    genuine = await browser()
    genuine.cookies.set("oki_admin", value, domain="testserver.local", path="/admin")
    assert (await genuine.get("/admin")).status_code == 200
    for forged in (f"{token}~{int(started) + 3600}~{signature}", f"{token}~{started}~{'0' * 32}", token, "x~1~y"):
        other = await browser()
        other.cookies.set("oki_admin", forged, domain="testserver.local", path="/admin")
        assert (await other.get("/admin")).status_code == 303, forged


async def test_a_session_ends_twelve_hours_after_the_login_however_active(client, browser, monkeypatch):
    import bot.admin.session as session_module

    web = await _signed_in(browser, client, "adm")
    real = session_module.time.time
    monkeypatch.setattr(session_module, "time", type("Clock", (), {"time": staticmethod(lambda: real() + 11 * 3600)}))
    assert (await web.get("/admin")).status_code == 200
    monkeypatch.setattr(session_module, "time", type("Clock", (), {"time": staticmethod(lambda: real() + 12 * 3600)}))
    assert (await web.get("/admin")).status_code == 303


# --- the login ---
async def test_the_login_form_carries_a_csrf_token_and_the_security_headers(client):
    r = await client.get("/admin/login")
    assert r.status_code == 200 and 'lang="id"' in r.text and "Masuk" in r.text
    assert len(_csrf(r.text)) == 64
    assert "HttpOnly" in _set_cookie(r, "oki_csrf") and "SameSite=lax" in _set_cookie(r, "oki_csrf")
    csp = r.headers["content-security-policy"]
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp and "unsafe-inline" not in csp
    assert r.headers["x-content-type-options"] == "nosniff" and r.headers["cache-control"] == "no-store"
    assert not re.search(r"""(src|href|action)=["']?(https?:)?//""", r.text)
    assert "<script>" not in r.text and "style=" not in r.text


async def test_a_login_without_a_valid_csrf_token_is_refused_before_the_password_is_checked(client, browser):
    await _staff(client, "adm")
    web = await browser()
    assert "Masuk" in (await web.get("/admin/login")).text  # the browser has a nonce cookie
    stranger = await browser()
    foreign = _csrf((await stranger.get("/admin/login")).text)  # valid, but for another browser
    for fields in ({}, {"csrf_token": ""}, {"csrf_token": "0" * 64}, {"csrf_token": foreign}):
        r = await web.post("/admin/login", data={"username": "adm", "password": PW, **fields})
        assert r.status_code == 403 and "tidak berlaku" in r.text, fields
        assert "oki_admin" not in r.cookies and "oki_admin" not in web.cookies
    assert "auth.login" not in await _audit_actions(client)


async def test_a_wrong_password_is_refused_with_a_message(client, browser):
    await _staff(client, "adm")
    web = await browser()
    r = await _login(web, "adm", "salah-salah-salah")
    assert r.status_code == 400 and "Nama pengguna atau kata sandi salah" in r.text
    assert 'value="adm"' in r.text and "salah-salah-salah" not in r.text
    assert "oki_admin" not in web.cookies
    r = await _login(web, "adm", "")
    assert r.status_code == 400 and "Isi nama pengguna dan kata sandi" in r.text


async def test_repeated_failures_hold_that_source_back_with_a_kind_message(client, browser):
    await _staff(client, "adm")
    web = await browser()
    codes = [(await _login(web, "adm", "salah-salah-salah")).status_code for _ in range(4)]
    r = await _login(web, "adm", "salah-salah-salah")
    assert codes == [400] * 4 and r.status_code == 429
    assert re.search(r"coba lagi dalam \d+ menit", r.text) and 0 < int(r.headers["retry-after"]) <= 900
    assert (await _login(web, "adm")).status_code == 429  # the right password, from the same address


async def test_the_right_password_starts_a_session_and_shows_the_dashboard(client, browser):
    await _staff(client, "adm")
    web = await browser()
    r = await _login(web, "adm")
    assert r.status_code == 303 and r.headers["location"] == "/admin"
    cookie = _set_cookie(r, "oki_admin")
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Path=/admin" in cookie and "Secure" not in cookie
    assert "Max-Age=1800" in cookie
    page = await web.get("/admin")
    assert page.status_code == 200 and "<svg" in page.text and "Dasbor" in page.text
    assert page.headers["cache-control"] == "no-store" and "frame-ancestors 'none'" in page.headers[
        "content-security-policy"]
    assert "oki_admin=" in page.headers["set-cookie"]  # each page renews the session
    assert not re.search(r"""(src|href|action)=["']?(https?:)?//""", page.text)
    assert "<script>" not in page.text and "style=" not in page.text
    assert (await web.get("/admin/login")).headers["location"] == "/admin"  # already signed in
    assert "auth.login" in await _audit_actions(client)


async def test_the_cookies_are_secure_over_https(client, browser):
    await _staff(client, "adm")
    web = await browser("https")
    r = await _login(web, "adm")
    assert r.status_code == 303
    assert "Secure" in _set_cookie(r, "oki_admin") and "Secure" in _set_cookie(r, "oki_csrf")


async def test_the_assets_are_served_by_the_app(client):
    css = await client.get("/admin/static/admin.css")
    js = await client.get("/admin/static/admin.js")
    assert css.status_code == 200 and css.headers["content-type"].startswith("text/css")
    assert js.status_code == 200 and "javascript" in js.headers["content-type"]
    assert "http" not in css.text and "@import" not in css.text


# --- logout ---
async def test_logout_ends_the_session_and_needs_csrf(client, browser):
    web = await _signed_in(browser, client, "adm")
    refused = await web.post("/admin/logout", data={"csrf_token": "0" * 64})
    assert refused.status_code == 403 and (await web.get("/admin")).status_code == 200
    r = await _post(web, "/admin", "/admin/logout")
    assert r.status_code == 303 and r.headers["location"] == "/admin/login?keluar=1"
    assert "Max-Age=0" in _set_cookie(r, "oki_admin") or 'oki_admin=""' in _set_cookie(r, "oki_admin")
    assert "oki_admin" not in web.cookies
    assert (await web.get("/admin")).status_code == 303
    assert "Anda sudah keluar" in (await web.get("/admin/login?keluar=1")).text
    assert "auth.logout" in await _audit_actions(client)


# --- the dashboard ---
async def _file_reports(client) -> list[str]:
    headers = await _token(client, "pelapor", "admin")
    references = []
    for nik, kecamatan, desa in (("1602015708850003", "Kayu Agung", SUKADANA),
                                 ("1602015708850004", "Kayu Agung", KEDATON),
                                 ("1602015708850005", "Pedamaran", SUKARAJA_PDM)):
        r = await client.post("/api/v1/reports", json=body(nik=nik, kecamatan=kecamatan, desa=desa), headers=headers)
        assert r.status_code == 201, r.text
        references.append(r.json()["reference"])
    return references


def _figure(page: str, name: str) -> int:
    return int(re.search(rf'id="{name}">(\d+)<', page)[1])


async def test_the_dashboard_counts_only_the_staff_members_area(client, browser):
    references = await _file_reports(client)
    async with client.app.state.runtime.db.begin() as conn:  # the Sukadana report is past its deadline
        await conn.execute(update(Report).where(Report.reference == references[0])
                           .values(stage_due=utcnow() - timedelta(days=1)))
    pages = {}
    for who, role, area in (("adm", "admin", {}), ("dinsos1", "dinsos", {}), ("camat.kag", "camat", {"kecamatan": KAG}),
                            ("camat.pdm", "camat", {"kecamatan": PDM}), ("kades.kdt", "kades", {"desa": KEDATON})):
        web = await _signed_in(browser, client, who, role, **area)
        pages[who] = (await web.get("/admin")).text
    expected = {"adm": (3, 1), "dinsos1": (3, 1), "camat.kag": (2, 1), "camat.pdm": (1, 0), "kades.kdt": (1, 0)}
    for who, (total, overdue) in expected.items():
        assert (_figure(pages[who], "total-laporan"), _figure(pages[who], "lewat-tenggat")) == (total, overdue), who
    assert "<title>Kayu Agung: 2</title>" in pages["camat.kag"] and "Pedamaran" not in pages["camat.kag"]
    assert "<title>Kayu Agung: 2</title>" in pages["adm"] and "<title>Pedamaran: 1</title>" in pages["adm"]
    assert "<title>Air Sugihan: 0</title>" in pages["adm"]  # every kecamatan, with or without reports
    assert "Kec. Kayu Agung" in pages["camat.kag"] and "Kel. Kedaton, Kec. Kayu Agung" in pages["kades.kdt"]
    assert re.search(r'<tr data-status="diajukan"><td><a href="/admin/laporan\?status=diajukan">Diajukan</a></td>'
                     r'<td class="num"><a href="/admin/laporan\?status=diajukan">2</a></td></tr>', pages["camat.kag"])


async def test_humas_sees_no_report_figures(client, browser):
    await _file_reports(client)
    web = await _signed_in(browser, client, "humas1", "humas")
    page = (await web.get("/admin")).text
    assert "total-laporan" not in page and "Laporan santunan" not in page and "<svg" in page


async def test_the_dashboard_shows_lookups_subscribers_and_broadcasts(client, browser):
    rt = client.app.state.runtime
    for _ in range(3):
        await rt.audit.record(actor="contact:1", action="coverage.lookup", target="registry:abc",
                              detail={"outcome": "not_found"})
    await rt.audit.record(actor="contact:1", action="coverage.lookup_refused", detail={"retry_after_s": 60})
    await chat(client, "warga-1", "langganan semua")
    await chat(client, "warga-2", "langganan semua")
    author = await _staff(client, "humas1", "humas")
    for n in range(6):
        await rt.broadcasts.create(title=f"Pengumuman {n}", body="Isi", link=None, kecamatan=None, author=author)
    web = await _signed_in(browser, client, "adm")
    page = (await web.get("/admin")).text
    lookups = re.search(r'aria-label="Cek kepesertaan per hari[^"]*".*?</svg>', page, re.S)[0]
    per_day = [int(n) for n in re.findall(r'<g class="column"><title>[^<]*: (\d+)</title>', lookups)]
    assert per_day == [0] * 13 + [3]  # today, the last column; refused lookups are not counted
    assert '<tr data-channel="web"><td>Web chat</td><td class="num">2</td></tr>' in page
    shown = re.findall(r'<tr data-broadcast="(\d+)">', page)
    assert len(shown) == 5 and "Pengumuman 5" in page and "Pengumuman 0" not in page and "Draf" in page


# --- staff accounts ---
async def test_only_an_admin_may_open_or_change_staff_accounts(client, browser):
    web = await _signed_in(browser, client, "dinsos1", "dinsos")
    page = (await web.get("/admin")).text
    assert "Akun Staf" not in page and "Laporan Santunan" in page
    for path in ("/admin/staf", "/admin/staf/baru", "/admin/staf/1"):
        r = await web.get(path)
        assert r.status_code == 403 and "Akses ditolak" in r.text, path
    token = _csrf(page)
    r = await web.post("/admin/staf/baru", data={"csrf_token": token, "username": "penyusup", "role": "admin",
                                                 "password": "sandi-penyusup-1"})
    assert r.status_code == 403
    assert "penyusup" not in [a.username for a in await client.app.state.runtime.staff.accounts()]
    humas = await _signed_in(browser, client, "humas1", "humas")
    assert (await humas.get("/admin/laporan")).status_code == 403
    assert (await humas.get("/admin/pengumuman")).status_code == 200


async def test_an_admin_creates_disables_enables_and_resets_a_staff_account(client, browser):
    admin = await _signed_in(browser, client, "adm")
    r = await _post(admin, "/admin/staf/baru", "/admin/staf/baru", username="camat.kag", role="camat",
                    password="sandi-camat-awal", kecamatan=KAG, desa=SUKADANA)  # the desa is ignored for a camat
    assert r.status_code == 303 and r.headers["location"].endswith("?ok=dibuat")
    page = (await admin.get(r.headers["location"])).text
    assert "Akun staf sudah dibuat" in page and "Kec. Kayu Agung" in page
    made = next(a for a in await client.app.state.runtime.staff.accounts() if a.username == "camat.kag")
    assert (made.role, made.kecamatan_code, made.desa_code, made.active) == ("camat", KAG, None, True)
    listing = (await admin.get("/admin/staf")).text
    assert 'data-username="camat.kag"' in listing and 'data-username="adm"' in listing

    camat = await browser()
    assert (await _login(camat, "camat.kag", "sandi-camat-awal")).status_code == 303
    detail = f"/admin/staf/{made.id}"
    r = await _post(admin, detail, f"{detail}/status", aktif="tidak")
    assert r.status_code == 303 and "sesinya langsung berakhir" in (await admin.get(r.headers["location"])).text
    assert (await camat.get("/admin")).status_code == 303  # signed out at once
    assert (await _login(camat, "camat.kag", "sandi-camat-awal")).status_code == 400
    r = await _post(admin, detail, f"{detail}/status", aktif="ya")
    assert r.status_code == 303 and "Aktif" in (await admin.get(detail)).text

    mismatch = await _post(admin, detail, f"{detail}/sandi", password="sandi-baru-camat", password2="sandi-lain-camat")
    assert mismatch.status_code == 400 and "tidak sama" in mismatch.text
    short = await _post(admin, detail, f"{detail}/sandi", password="pendek", password2="pendek")
    assert short.status_code == 400 and "sedikitnya 10 karakter" in short.text
    r = await _post(admin, detail, f"{detail}/sandi", password="sandi-baru-camat", password2="sandi-baru-camat")
    assert r.status_code == 303
    assert (await _login(camat, "camat.kag", "sandi-camat-awal")).status_code == 400
    assert (await _login(camat, "camat.kag", "sandi-baru-camat")).status_code == 303

    r = await _post(admin, detail, f"{detail}/wilayah", kecamatan=PDM)
    assert r.status_code == 303 and "Kec. Pedamaran" in (await admin.get(detail)).text
    assert (await camat.get("/admin")).status_code == 303  # the area changed: sign in again
    actions = await _audit_actions(client)
    for action in ("staff.create", "staff.disable", "staff.enable", "staff.reset_password", "staff.set_area"):
        assert action in actions, action


async def test_account_problems_are_explained_in_indonesian(client, browser):
    admin = await _signed_in(browser, client, "adm")
    await _staff(client, "kades.skd", "kades", desa=SUKADANA)
    cases = (({"username": "kades.skd", "role": "humas"}, "sudah dipakai"),
             ({"username": "Camat Baru!", "role": "humas"}, "Nama pengguna harus"),
             ({"username": "camat.baru", "role": "camat"}, "memerlukan satu kecamatan"),
             ({"username": "kades.baru", "role": "kades", "kecamatan": KAG}, "memerlukan satu desa"),
             ({"username": "humas.baru", "role": "humas", "password": "humas.baru"}, "tidak boleh sama"),
             ({"username": "humas.baru", "role": "bupati"}, "Pilih peran"))
    for fields, says in cases:
        r = await _post(admin, "/admin/staf/baru", "/admin/staf/baru", **{"password": "sandi-awal-baru", **fields})
        assert r.status_code == 400 and says in r.text, fields
        assert "sandi-awal-baru" not in r.text
    me = next(a for a in await client.app.state.runtime.staff.accounts() if a.username == "adm")
    r = await _post(admin, f"/admin/staf/{me.id}", f"/admin/staf/{me.id}/status", aktif="tidak")
    assert r.status_code == 400 and "akun Anda sendiri" in r.text
    assert (await admin.get("/admin/staf/9999")).status_code == 404


async def test_a_form_with_a_wrong_csrf_token_changes_nothing(client, browser):
    admin = await _signed_in(browser, client, "adm")
    other_admin = await _signed_in(browser, client, "adm2")
    target = await _staff(client, "kades.skd", "kades", desa=SUKADANA)
    detail = f"/admin/staf/{target.id}"
    anonymous = _csrf((await (await browser()).get("/admin/login")).text)
    foreign = _csrf((await other_admin.get(detail)).text)  # valid for another admin's session
    for token in ("", "0" * 64, anonymous, foreign):
        for action, fields in ((f"{detail}/status", {"aktif": "tidak"}),
                               (f"{detail}/sandi", {"password": "sandi-penyusup-1", "password2": "sandi-penyusup-1"}),
                               (f"{detail}/wilayah", {"desa": KEDATON}),
                               ("/admin/staf/baru", {"username": "penyusup", "role": "admin",
                                                     "password": "sandi-penyusup-1"})):
            r = await admin.post(action, data={"csrf_token": token, **fields})
            assert r.status_code == 403 and "Formulir kedaluwarsa" in r.text, (action, token[:8])
    accounts = {a.username: a for a in await client.app.state.runtime.staff.accounts()}
    assert "penyusup" not in accounts
    assert accounts["kades.skd"].active and accounts["kades.skd"].desa_code == SUKADANA
    kades = await browser()
    assert (await _login(kades, "kades.skd")).status_code == 303  # the password is unchanged


async def test_a_disabled_account_in_the_database_is_signed_out(client, browser):
    web = await _signed_in(browser, client, "adm")
    async with client.app.state.runtime.db.begin() as conn:
        await conn.execute(update(Staff).where(Staff.username == "adm").values(active=False))
    assert (await web.get("/admin")).status_code == 303


# --- the charts ---
def test_bar_lengths_are_proportional_and_labels_escaped():
    svg = bar_chart([("Kayu Agung", 10), ("<b>Tulung</b>", 5), ("Pampangan", 0)], title="Laporan & kecamatan")
    widths = [float(w) for w in re.findall(r'<rect class="bar" [^>]*width="([\d.]+)"', svg)]
    assert widths[0] == 2 * widths[1] and widths[2] == 0 and widths[0] == WIDTH - LABEL_WIDTH - 56
    assert "&lt;b&gt;Tulung&lt;/b&gt;" in svg and "<b>" not in svg and "Laporan &amp; kecamatan" in svg
    assert str(svg).startswith("<svg") and "style=" not in svg and "http" not in svg


def test_columns_are_proportional_and_an_empty_chart_draws():
    svg = column_chart([("1", 4), ("2", 2), ("3", 0)], notes=["Senin 1 Sep", "Selasa 2 Sep"], title="Cek")
    heights = [float(h) for h in re.findall(r'<rect class="bar" [^>]*height="([\d.]+)"', svg)]
    assert heights[0] == 2 * heights[1] and heights[2] == 0
    assert "<title>Senin 1 Sep: 4</title>" in svg and "<title>3: 0</title>" in svg
    assert "<svg" in column_chart([], title="Kosong") and "<svg" in bar_chart([], title="Kosong")


async def test_text_with_a_nul_character_or_an_impossible_id_gets_a_page_not_a_crash(client, browser):
    """PostgreSQL can neither store nor compare text holding a NUL, and ids are 64-bit: the pages
    answer such requests with a 400 page and change nothing (CI runs this on PostgreSQL)."""
    admin = await _signed_in(browser, client, "adm")
    r = await _post(admin, "/admin/staf/baru", "/admin/staf/baru", username="camat\x00x", role="camat",
                    password="sandi-camat-awal", kecamatan=KAG)
    assert r.status_code == 400 and "tidak dapat dibaca" in r.text
    assert [a.username for a in await client.app.state.runtime.staff.accounts()] == ["adm"]
    for path in ("/admin/registri?q=ab%00c&cari=1", "/admin/laporan/SK-%00", f"/admin/staf/{2**64}"):
        r = await admin.get(path)
        assert r.status_code == 400 and "tidak dapat dibaca" in r.text, path
