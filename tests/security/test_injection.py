"""Injection of the December security review: XSS (rows 55-58, 60), SQL injection (row 63),
header injection (row 64) and CORS (row 88), on the populated app of tests/security/world.py.

Kept elsewhere: the compose preview's Telegram HTML escaped (row 59) in
tests/handlers/test_admin_announcements.py::test_the_preview_is_the_real_message_with_the_recipients_per_channel;
an announcement title with HTML in the archive and the feed in
tests/handlers/test_broadcast.py::test_pengumuman_in_the_chat_the_archive_page_and_the_feed; formula
injection (rows 61, 62, F4) in tests/security/test_exports.py."""
from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import timedelta
from pathlib import Path

from sqlalchemy import func, select

from services.santunan import WIB, Draft
from storage.models import Announcement, Contact, Report
from tests.security.world import KAG, SUKADANA

XSS = ['<script>alert("r")</script>', '"><img src=x onerror=alert(1)>', "'><svg onload=alert(2)>"]
ATOM = "{http://www.w3.org/2005/Atom}"
CHAT_JS = Path(__file__).resolve().parents[2] / "bot" / "web" / "static" / "chat.js"


def _raw(payload: str, text: str) -> bool:
    """Whether `payload`'s markup reached `text` unescaped."""
    return any(tag in text for tag in ("<script>alert", "<img src=x", "<svg onload")) and payload in text


async def _xss_report(world) -> str:
    rt = world.app.state.runtime
    died = rt.santunan.now().astimezone(WIB).date() - timedelta(days=2)
    report = await rt.santunan.file(Draft(
        deceased_nik="1602015708850011", deceased_name=XSS[0] + " Budi", date_of_death=died, kecamatan_code=KAG,
        desa_code=SUKADANA, kk_number="1602011203150009", reporter_name=XSS[1] + " Siti",
        reporter_relationship=XSS[2], heir_name=XSS[1] + " Ani", heir_phone="+6281234567891", bank_name=XSS[0],
        bank_account=XSS[2], bank_holder=XSS[1]), filed_by="test")
    return report.reference


async def test_citizen_fields_are_escaped_on_every_admin_page(world):
    """Row 55: `<script>`, `"><img onerror>` and `'><svg onload>` in the deceased's and reporter's
    names, the relationship, the heir and the bank fields: escaped on the admin list, the report
    page, the dashboard and the list pages of every reviewer role; the escaped form is shown."""
    reference = await _xss_report(world)
    for who in ("admin", "dinsos", "camat", "kades"):
        web = await world.signed_in(who)
        for path in ("/admin", "/admin/laporan", f"/admin/laporan/{reference}"):
            page = await web.get(path)
            assert page.status_code == 200, (who, path)
            for payload in XSS:
                assert not _raw(payload, page.text), (who, path, payload)
        detail = (await web.get(f"/admin/laporan/{reference}")).text
        assert "&lt;script&gt;alert(" in detail and ("&#34;&gt;&lt;img" in detail or "&quot;&gt;&lt;img" in detail)


async def test_reflected_query_parameters_are_escaped(world):
    """Row 56: HTML in the admin list's `status`, `since` and `q` (the registry search): never
    reflected as markup."""
    web = await world.signed_in("admin")
    for path, name in (("/admin/laporan", "status"), ("/admin/laporan", "since"), ("/admin/laporan", "until"),
                       ("/admin/registri", "q"), ("/admin/registri", "kecamatan")):
        for payload in XSS:
            r = await web.get(path, params={name: payload, "cari": "1"})
            assert r.status_code in (200, 400, 422), (path, name, r.status_code)
            assert not _raw(payload, r.text), (path, name, payload)


async def test_announcement_html_is_escaped_in_the_archive_and_the_feed(world):
    """Row 57: a sent announcement with `"><script>` in the title, body and link, and `]]>` and
    `</content>` in the body: the archive page shows no markup of it; the Atom feed stays
    well-formed XML, holds the texts as text and the link as one quoted attribute."""
    rt = world.app.state.runtime
    title = '"><script>alert("t")</script>'
    body = 'Isi ]]></content><script>alert("b")</script> selesai'
    link = 'https://okikab.go.id/x"><script>alert("l")</script>'
    row = await rt.broadcasts.create(title=title, body=body, link=link, kecamatan=None, author=world.staff["humas"])
    await rt.broadcasts.approve(announcement_id=row.id, staff=world.staff["admin"])
    await rt.broadcasts.send(announcement_id=row.id, staff=world.staff["admin"])
    anonymous = await world.browser()
    page = await anonymous.get("/pengumuman")
    assert page.status_code == 200 and "<script>alert" not in page.text and "&lt;script&gt;" in page.text
    feed = await anonymous.get("/pengumuman/feed.xml")
    root = ET.fromstring(feed.content)  # well-formed: nothing closed the <content> early
    [entry] = [e for e in root.iter(f"{ATOM}entry") if e.findtext(f"{ATOM}title") == title]
    assert body in "".join(entry.itertext())
    assert link in [e.get("href") for e in entry.iter(f"{ATOM}link")]
    assert not [e for e in root.iter() if e.tag.endswith("script")]


async def test_script_and_data_links_are_refused(world):
    """Row 58: `javascript:`, `JAVASCRIPT://%0a…`, `data:`, `https:javascript:`, `vbscript:` and
    a leading-space `javascript:` as an announcement's link on the staff API: 422, nothing stored."""
    rt = world.app.state.runtime
    async with rt.db.connect() as conn:
        before = (await conn.execute(select(func.count()).select_from(Announcement))).scalar_one()
    for link in ("javascript:alert(1)", "JAVASCRIPT://%0aalert(1)", "data:text/html,<script>alert(1)</script>",
                 "https:javascript:alert(1)", "vbscript:msgbox(1)", " javascript:alert(1)", "//evil.example/x",
                 "javascript://https://okikab.go.id"):
        r = await world.client.post("/api/v1/announcements", headers=world.bearer("humas"),
                                    json={"title": "Posyandu", "body": "Posyandu hari Sabtu.", "link": link})
        assert r.status_code == 422, (link, r.status_code)
    async with rt.db.connect() as conn:
        assert (await conn.execute(select(func.count()).select_from(Announcement))).scalar_one() == before


def test_the_web_chat_renders_replies_as_text_nodes():
    """Row 60: bot/web/static/chat.js builds replies with textContent and text nodes only."""
    code = CHAT_JS.read_text()
    for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(", "new Function"):
        assert sink not in re.sub(r"//[^\n]*", "", code), sink
    assert "textContent" in code and "createTextNode" in code


SQLI = ["' OR '1'='1", "1' UNION SELECT name, sql FROM sqlite_master --", "' OR 1=1 --", "x'); DROP TABLE reports; --",
        "1;DROP TABLE reports", "%' OR '%'='"]


async def test_sql_in_every_filter_is_a_bound_parameter(world):
    """Row 63: SQL in `q`, `kategori`, `status`, `kecamatan`, `desa`, `since`, `page`, the export's
    `status` and the reference: 0 rows, 422 or 404, never more rows or a 500; the tables are intact
    afterwards."""
    c, rt = world.client, world.app.state.runtime
    admin = world.bearer("admin")
    async with rt.db.connect() as conn:
        reports = (await conn.execute(select(func.count()).select_from(Report))).scalar_one()
    for payload in SQLI:
        for path, name in (("/api/v1/registry", "q"), ("/api/v1/registry", "kategori"),
                           ("/api/v1/registry", "kecamatan"), ("/api/v1/registry/stats", "kecamatan"),
                           ("/api/v1/reports", "status"), ("/api/v1/reports", "kecamatan"),
                           ("/api/v1/reports", "since"), ("/api/v1/reports", "page"),
                           ("/api/v1/reports/export.csv", "status"), ("/api/v1/contacts", "q")):
            r = await c.get(path, params={name: payload}, headers=admin)
            assert r.status_code in (200, 403, 404, 405, 422), (path, name, payload, r.status_code)
            if r.status_code == 200 and path.endswith(("registry", "reports")):
                assert r.json()["total"] == 0, (path, name, payload)
            if r.status_code == 200 and path.endswith(".csv"):
                assert len(r.content.decode("utf-8-sig").splitlines()) == 1, (path, name, payload)
        r = await c.get(f"/api/v1/reports/SK-{payload}", headers=admin)
        assert r.status_code in (404, 422), (payload, r.status_code)
        web = await world.signed_in("admin")
        for path, name in (("/admin/laporan", "status"), ("/admin/laporan", "kecamatan"), ("/admin/registri", "q")):
            assert (await web.get(path, params={name: payload, "cari": "1"})).status_code in (200, 400, 403, 422)
    r = await c.get(f"/api/v1/reports/{world.params['reference']}' OR '1'='1", headers=admin)
    assert r.status_code == 404
    async with rt.db.connect() as conn:
        assert (await conn.execute(select(func.count()).select_from(Report))).scalar_one() == reports


async def test_crlf_in_ok_is_never_a_header(world):
    """Row 64: `?ok=` with CR LF and a header after it, on the admin pages that take `ok`: the
    response carries no injected header or cookie."""
    web = await world.signed_in("admin")
    injected = "dibuat\r\nSet-Cookie: pwned=1\r\nX-Injected: 1"
    for path in (f"/admin/staf/{world.params['staff_id']}", "/admin/staf",
                 f"/admin/pengumuman/{world.params['announcement_id']}"):
        r = await web.get(path, params={"ok": injected})
        assert r.status_code == 200, (path, r.status_code)
        assert "x-injected" not in r.headers and "pwned" not in str(r.headers.raw), path
        assert all("\n" not in v and "\r" not in v for _, v in r.headers.items()), path


async def test_no_cors_for_another_origin(world):
    """Row 88: a preflight `OPTIONS /api/chat` from `Origin: http://evil` and a cross-origin POST
    get no Access-Control-Allow-* header; a cross-site `text/plain` POST (no preflight needed)
    fails validation and creates no contact."""
    c, rt = world.client, world.app.state.runtime
    evil = {"Origin": "http://evil", "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type"}
    for r in (await c.options("/api/chat", headers=evil), await c.options("/api/v1/reports", headers=evil),
              await c.post("/api/chat", json={"user": "web-cors", "text": "halo"}, headers={"Origin": "http://evil"}),
              await c.get("/api/v1/reports", headers={"Origin": "http://evil", **world.bearer("admin")})):
        assert not [h for h in r.headers if h.lower().startswith("access-control-")], (r.request.url, r.headers)
    async with rt.db.connect() as conn:
        contacts = (await conn.execute(select(func.count()).select_from(Contact))).scalar_one()
    r = await c.post("/api/chat", content=b'{"user": "web-cors2", "text": "lapor"}',
                     headers={"Origin": "http://evil", "Content-Type": "text/plain"})
    assert 400 <= r.status_code < 500
    async with rt.db.connect() as conn:
        assert (await conn.execute(select(func.count()).select_from(Contact))).scalar_one() == contacts
