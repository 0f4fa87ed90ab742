"""The helpdesk inbox under /admin/bantuan: the list within the staff member's area, one conversation
(transcript with the bot's lines and private notes, attachments, the citizen's report beside it),
the forms (reply with canned replies, the WhatsApp window warning, note, claim and assign, close),
canned replies kept by admin and dinsos only, the live channel, and the dashboard's figures."""
from __future__ import annotations

import asyncio
import re
from datetime import timedelta

from sqlalchemy import update

from services.helpdesk_figures import HelpdeskFigures
from storage.db import make_sessionmaker
from storage.helpdesk import Tickets
from storage.models import Ticket, utcnow
from tests.bot import test_admin
from tests.bot.test_admin import _csrf, _post, _signed_in
from tests.bot.test_admin_reports import KAG, KEDATON, PDM, PNG, SUKADANA, _clean, _file

browser = test_admin.browser


async def _ticket(client, user: str, desa: str = SUKADANA, *, channel: str = "telegram", text: str = "tolong dibantu",
                  media: bool = False, nik: str = "1602015708850003") -> int:
    """A ticket of a chat contact who filed a report in `desa` (so the ticket is placed there)."""
    rt = client.app.state.runtime
    reference = await _file(client, nik, desa, chat_user=user)
    contact = await rt.contacts.touch(channel="telegram", channel_user_id=user, at=utcnow())
    if channel != "telegram":
        contact = await rt.contacts.touch(channel=channel, channel_user_id=user, at=utcnow())
    files = [(rt.attachments.save(PNG, "image/png"), "image/png")] if media else []
    opened = await rt.helpdesk.open(contact=contact, text=text, bot_said="Laporan Anda sedang diperiksa desa.",
                                    report_reference=reference, media=files, flow="status_laporan")
    return opened.ticket_id


def _listed(page: str) -> list[int]:
    return [int(n) for n in re.findall(r'<tr data-ticket="(\d+)"', page)]


# --- the list ---
async def test_the_inbox_lists_the_area_s_tickets_for_each_role(client, browser):
    skd = await _ticket(client, "7001", SUKADANA)
    ked = await _ticket(client, "7002", KEDATON, nik="1602015708850004")
    pdm = await _ticket(client, "7003", "16.02.03.2011", nik="1602015708850005")
    expected = {"admin1": ("admin", {}, {skd, ked, pdm}), "humas1": ("humas", {}, {skd, ked, pdm}),
                "camat.kag": ("camat", {"kecamatan": KAG}, {skd, ked}),
                "kades.skd": ("kades", {"desa": SUKADANA}, {skd})}
    for who, (role, area, tickets) in expected.items():
        web = await _signed_in(browser, client, who, role, **area)
        page = (await web.get("/admin/bantuan")).text
        assert set(_listed(page)) == tickets, who
        assert f'data-count="{len(tickets)}"' in page, who  # the menu's counter: all of them wait
        assert "Kotak Masuk" in page and "tolong dibantu" not in page  # no message text on the list
    _clean(page)
    assert "telegram …002" not in page and "telegram …001" in page  # the citizen masked
    assert 'name="kecamatan"' not in page  # a kades picks no kecamatan
    camat = await _signed_in(browser, client, "camat2", "camat", kecamatan=KAG)
    outside = await camat.get(f"/admin/bantuan?kecamatan={PDM}")
    assert outside.status_code == 403 and "di luar wilayah Anda" in outside.text
    rows = (await camat.get("/admin/bantuan/daftar")).text
    assert rows.startswith('<tbody id="baris-tiket"') and set(_listed(rows)) == {skd, ked}
    assert (await camat.get("/admin/bantuan/jumlah")).json() == {"menunggu": 2}


async def test_filters_mine_unassigned_topic_and_status(client, browser):
    first, second = await _ticket(client, "7001"), await _ticket(client, "7002", KEDATON, nik="1602015708850004")
    dinsos = await _signed_in(browser, client, "dinsos1", "dinsos")
    assert (await _post(dinsos, f"/admin/bantuan/{first}", f"/admin/bantuan/{first}/tugaskan",
                        ambil="1")).status_code == 303
    cases = {"?milik=1": [first], "?belum=1": [second], "?topik=santunan": [first, second], "?topik=pengumuman": [],
             "?status=ditutup": [], f"?kecamatan={KAG}": [first, second], f"?kecamatan={PDM}": []}
    for query, expected in cases.items():
        assert sorted(_listed((await dinsos.get(f"/admin/bantuan{query}")).text)) == sorted(expected), query
    await _post(dinsos, f"/admin/bantuan/{second}", f"/admin/bantuan/{second}/tutup")
    assert _listed((await dinsos.get("/admin/bantuan?status=ditutup")).text) == [second]
    assert _listed((await dinsos.get("/admin/bantuan")).text) == [first]


# --- one conversation ---
async def test_a_ticket_outside_the_area_is_not_found_as_one_that_does_not_exist(client, browser):
    ticket = await _ticket(client, "7001", SUKADANA, media=True)
    other = await _signed_in(browser, client, "kades.ked", "kades", desa=KEDATON)
    r, missing = await other.get(f"/admin/bantuan/{ticket}"), await other.get("/admin/bantuan/999999")
    assert r.status_code == 404 and r.text == missing.text and "tolong dibantu" not in r.text
    for path in (f"/admin/bantuan/{ticket}/percakapan", f"/admin/bantuan/{ticket}/lampiran/1"):
        assert (await other.get(path)).status_code == 404, path
    token = _csrf((await other.get("/admin/bantuan")).text)
    for action, fields in (("balas", {"teks": "halo"}), ("catatan", {"teks": "x"}), ("tugaskan", {"ambil": "1"}),
                           ("tutup", {})):
        r = await other.post(f"/admin/bantuan/{ticket}/{action}", data={"csrf_token": token, **fields})
        assert r.status_code == 404, action
    assert (await client.app.state.runtime.helpdesk._tickets.get(ticket)).status == "open"


async def test_the_ticket_page_shows_the_whole_transcript_the_report_and_the_attachment(client, browser):
    ticket = await _ticket(client, "7001", SUKADANA, media=True)
    kades = await _signed_in(browser, client, "kades.skd", "kades", desa=SUKADANA)
    page = (await kades.get(f"/admin/bantuan/{ticket}")).text
    _clean(page)
    assert 'data-direction="bot"' in page and "Laporan Anda sedang diperiksa desa." in page
    assert 'data-direction="in"' in page and "tolong dibantu" in page
    assert "NIK 160201******0003" in page and "1602015708850003" not in page  # the report beside it, masked
    [url] = re.findall(r'<img src="(/admin/bantuan/\d+/lampiran/\d+)"', page)
    photo = await kades.get(url)
    assert photo.status_code == 200 and photo.content == PNG and photo.headers["cache-control"] == "private, no-store"
    assert "sandbox" in photo.headers["content-security-policy"]
    actions = [e.action for e in await client.app.state.runtime.audit.recent(limit=50)]
    assert "helpdesk.read" in actions and "helpdesk.attachment_view" in actions
    humas = await _signed_in(browser, client, "humas1", "humas")
    seen = (await humas.get(f"/admin/bantuan/{ticket}")).text
    assert "tolong dibantu" in seen and "NIK 160201" not in seen  # humas reads no reports


async def test_reply_note_claim_assign_and_close_through_the_forms(client, browser):
    ticket = await _ticket(client, "7001", SUKADANA)
    rt = client.app.state.runtime
    await rt.staff.create(username="kades.ked", role="kades", password=test_admin.PW, actor="t", desa=KEDATON)
    camat = await _signed_in(browser, client, "camat.kag", "camat", kecamatan=KAG)
    here = f"/admin/bantuan/{ticket}"
    r = await _post(camat, here, f"{here}/balas", teks="Baik Bu, kami cek ke desa.")
    assert r.status_code == 303 and r.headers["location"].endswith("ok=terkirim")
    r = await _post(camat, here, f"{here}/catatan", teks="Sudah telepon kades.")
    page = (await camat.get(r.headers["location"])).text
    assert "Catatan internal disimpan" in page and 'data-direction="note"' in page
    assert 'data-direction="out"' in page and "Baik Bu, kami cek ke desa." in page
    assert "camat.kag" in page  # the reply made the camat its assignee
    r = await _post(camat, here, f"{here}/tugaskan", username="kades.ked")
    assert r.status_code == 400 and "di luar wilayah akun" in r.text
    r = await _post(camat, here, f"{here}/tugaskan", username="tidak.ada")
    assert r.status_code == 400 and "Tidak ada akun staf aktif" in r.text
    kades = await _signed_in(browser, client, "kades.skd", "kades", desa=SUKADANA)
    assert (await _post(kades, here, f"{here}/tugaskan", ambil="1")).status_code == 303
    assert (await rt.helpdesk.summaries([await rt.helpdesk._tickets.get(ticket)]))[0]["assignee"] == "kades.skd"
    r = await _post(kades, here, f"{here}/tutup", catatan="selesai dibantu")
    assert r.headers["location"].endswith("ok=ditutup")
    closed = (await kades.get(here)).text
    assert 'data-status="closed"' in closed and 'id="form-balas"' not in closed
    r = await _post(kades, here, f"{here}/tutup")
    assert r.status_code == 409 and "sudah ditutup" in r.text


async def test_forms_without_a_valid_csrf_token_change_nothing(client, browser):
    ticket = await _ticket(client, "7001", SUKADANA)
    dinsos = await _signed_in(browser, client, "dinsos1", "dinsos")
    for action, fields in (("balas", {"teks": "halo"}), ("catatan", {"teks": "x"}), ("tugaskan", {"ambil": "1"}),
                           ("tutup", {})):
        for token in ({}, {"csrf_token": "palsu"}):
            r = await dinsos.post(f"/admin/bantuan/{ticket}/{action}", data={**token, **fields})
            assert r.status_code == 403 and "Formulir kedaluwarsa" in r.text, action
    r = await dinsos.post("/admin/bantuan/balasan", data={"judul": "x", "teks": "y"})
    assert r.status_code == 403
    tickets = client.app.state.runtime.helpdesk._tickets
    assert [m.direction for m in await tickets.messages(ticket)] == ["bot", "in"]
    assert (await tickets.get(ticket)).assignee_id is None and not await tickets.canned()


async def test_past_the_whatsapp_window_the_staff_member_is_told_before_sending(client, browser):
    ticket = await _ticket(client, "62812000001", SUKADANA, channel="whatsapp")
    dinsos = await _signed_in(browser, client, "dinsos1", "dinsos")
    here = f"/admin/bantuan/{ticket}"
    page = (await dinsos.get(here)).text
    assert "Jendela WhatsApp masih terbuka" in page and 'id="jendela-tertutup"' not in page
    async with client.app.state.runtime.db.begin() as conn:
        await conn.execute(update(Ticket).where(Ticket.id == ticket)
                           .values(last_inbound_at=utcnow() - timedelta(hours=30)))
    page = (await dinsos.get(here)).text
    assert 'id="jendela-tertutup"' in page and 'name="paham"' in page
    assert 'data-window="closed"' in (await dinsos.get("/admin/bantuan")).text
    r = await _post(dinsos, here, f"{here}/balas", teks="Mohon kirim foto KK.")
    assert r.status_code == 409 and "sudah tertutup" in r.text and "Mohon kirim foto KK." in r.text  # kept
    tickets = client.app.state.runtime.helpdesk._tickets
    assert [m.direction for m in await tickets.messages(ticket)] == ["bot", "in"]  # nothing sent
    r = await _post(dinsos, here, f"{here}/balas", teks="Mohon kirim foto KK.", paham="1")
    assert r.status_code == 303 and r.headers["location"].endswith("ok=tertunda")
    [reply] = [m for m in await tickets.messages(ticket) if m.direction == "out"]
    assert reply.delivery == "pending"


# --- canned replies ---
async def test_canned_replies_are_kept_by_admin_and_dinsos_and_picked_by_everyone(client, browser):
    ticket = await _ticket(client, "7001", SUKADANA)
    dinsos = await _signed_in(browser, client, "dinsos1", "dinsos")
    r = await _post(dinsos, "/admin/bantuan/balasan", "/admin/bantuan/balasan", judul="Salam",
                    teks="Selamat pagi, dengan petugas Dinas Sosial.")
    assert r.status_code == 303
    [canned] = await client.app.state.runtime.helpdesk._tickets.canned()
    r = await _post(dinsos, "/admin/bantuan/balasan", "/admin/bantuan/balasan", id=str(canned.id), judul="Salam pagi",
                    teks="Selamat pagi.")
    assert "Salam pagi" in (await dinsos.get(r.headers["location"])).text
    empty = await _post(dinsos, "/admin/bantuan/balasan", "/admin/bantuan/balasan", judul="", teks="")
    assert empty.status_code == 400
    for who, role, area in (("humas1", "humas", {}), ("camat1", "camat", {"kecamatan": KAG}),
                            ("kades1", "kades", {"desa": SUKADANA})):
        web = await _signed_in(browser, client, who, role, **area)
        assert (await web.get("/admin/bantuan/balasan")).status_code == 403, who
        token = _csrf((await web.get("/admin/bantuan")).text)
        r = await web.post("/admin/bantuan/balasan", data={"csrf_token": token, "judul": "x", "teks": "y"})
        assert r.status_code == 403, who
    kades = web
    page = (await kades.get(f"/admin/bantuan/{ticket}")).text
    assert f'<option value="{canned.id}" data-text="Selamat pagi.">Salam pagi</option>' in page
    here = f"/admin/bantuan/{ticket}"
    assert (await _post(kades, here, f"{here}/balas", teks="", siap=str(canned.id))).status_code == 303
    assert "Selamat pagi." in [m.text for m in await client.app.state.runtime.helpdesk._tickets.messages(ticket)]


# --- the live channel ---
async def _events(app, cookie: str, *, until: str, then=None, seconds: float = 15.0) -> tuple[int, str]:
    """Drive GET /admin/bantuan/siaran as an ASGI app: run `then()` once `event: siap` arrived, and
    stop (the client leaves) when `until` is in the stream. Returns the status and what was read."""
    status, body, gone, ran = [0], [""], asyncio.Event(), [False]
    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET", "scheme": "http",
             "path": "/admin/bantuan/siaran", "raw_path": b"/admin/bantuan/siaran", "query_string": b"",
             "root_path": "", "server": ("testserver", 80), "client": ("127.0.0.1", 50000),
             "headers": [(b"host", b"testserver"), (b"accept", b"text/event-stream"),
                         (b"cookie", f"oki_admin={cookie}".encode())]}
    first = [True]

    async def receive():
        if first[0]:
            first[0] = False
            return {"type": "http.request", "body": b"", "more_body": False}
        await gone.wait()
        return {"type": "http.disconnect"}

    async def send(message):
        if message["type"] == "http.response.start":
            status[0] = message["status"]
        elif message["type"] == "http.response.body":
            body[0] += message.get("body", b"").decode()
            if "event: siap" in body[0] and then is not None and not ran[0]:
                ran[0] = True
                await then()
            if until in body[0] or not message.get("more_body", False):
                gone.set()

    await asyncio.wait_for(app(scope, receive, send), seconds)
    return status[0], body[0]


def _cookie(web) -> str:
    return next(c.value for c in web.cookies.jar if c.name == "oki_admin")


async def test_the_live_channel_refuses_the_signed_out_and_speaks_after_a_change(client, browser):
    anonymous = await browser()
    r = await anonymous.get("/admin/bantuan/siaran")
    assert r.status_code == 303 and r.headers["location"] == "/admin/login"
    await _ticket(client, "7001", SUKADANA)
    kades = await _signed_in(browser, client, "kades.skd", "kades", desa=SUKADANA)

    async def citizen_writes():
        rt = client.app.state.runtime
        contact = await rt.contacts.touch(channel="telegram", channel_user_id="7001", at=utcnow())
        await rt.helpdesk.citizen_message(contact=contact, text="ada kabar?")

    status, stream = await _events(client.app, _cookie(kades), until="event: berubah", then=citizen_writes)
    assert status == 200
    assert re.search(r'event: siap\r?\ndata: \{"menunggu": 1\}', stream)
    assert re.search(r'event: berubah\r?\ndata: \{"menunggu": 1\}', stream)
    assert "ada kabar" not in stream  # the channel carries no message text
    assert client.app.state.inbox_live.clients == 0


# --- the dashboard ---
async def test_the_dashboard_shows_the_helpdesk_figures_of_the_area(client, browser):
    first, second = await _ticket(client, "7001", SUKADANA), await _ticket(client, "7002", "16.02.03.2011",
                                                                             nik="1602015708850005")
    rt = client.app.state.runtime
    dinsos = await _signed_in(browser, client, "dinsos1", "dinsos")
    await _post(dinsos, f"/admin/bantuan/{first}", f"/admin/bantuan/{first}/balas", teks="Halo")
    await _post(dinsos, f"/admin/bantuan/{first}", f"/admin/bantuan/{first}/tutup")
    contact = await rt.contacts.touch(channel="telegram", channel_user_id="7001", at=utcnow())
    assert await rt.helpdesk.rate(ticket_id=first, contact_id=contact.id, score=4)
    page = (await dinsos.get("/admin")).text
    assert re.search(r'id="hd-terbuka">1<', page) and re.search(r'id="hd-menunggu">1<', page)
    assert re.search(r'id="hd-kepuasan">4(\.0)?<', page) and 'data-name="dinsos1"' in page
    assert 'data-name="Kayu Agung"' in page and 'data-name="Pedamaran"' in page
    camat = await _signed_in(browser, client, "camat.kag", "camat", kecamatan=KAG)
    own = (await camat.get("/admin")).text
    assert re.search(r'id="hd-terbuka">0<', own) and 'data-name="Pedamaran"' not in own
    figures = await HelpdeskFigures(tickets=Tickets(make_sessionmaker(rt.db)), wilayah=rt.wilayah).figures(
        _staff_info(await rt.staff.accounts(), "dinsos1"))
    assert figures.total.first_reply_median is not None and figures.total.rated == 1 and second


def _staff_info(accounts, username):
    from services.staff import StaffInfo

    a = next(a for a in accounts if a.username == username)
    return StaffInfo(a.id, a.username, a.role, a.kecamatan_code, a.desa_code)
