"""Getting an announcement checked before it goes out (issue 19, item 11): the drafts waiting for an
approver, listed with a counter in the menu, and a notice with a link in each approver's linked chat;
a test send to one's own linked chat only; the recipients split by area and channel; and the
recipients not reached as a CSV whose addresses are masked for humas."""
from __future__ import annotations

import csv
import io
import json

from sqlalchemy import select

from conversations.notices import render_notice
from storage.models import AuditEntry, OutboxMessage, utcnow
from tests.handlers import test_admin_announcements as pages
from tests.handlers.test_admin_announcements import BASE, KAG, PDM, _post, _signed_in
from tests.handlers.test_broadcast import _subscribers

browser, settings = pages.browser, pages.settings  # the same fixtures: signed-in clients, no worker in the app


async def _link(rt, username: str, user: str, channel: str = "telegram"):
    """Link a chat to the account, as TAUTKAN <code> from that chat does."""
    account = next(a for a in await rt.staff.accounts() if a.username == username)
    contact = await rt.dispatcher._contacts.touch(channel=channel, channel_user_id=user, at=utcnow())
    code = (await rt.staff_links.issue_code(staff=await rt.staff.get(staff_id=account.id))).code
    await rt.staff_links.redeem(code=code, contact=contact)
    return contact


async def _notices(rt, contact_id: int) -> list[str]:
    async with rt.db.connect() as conn:
        rows = await conn.execute(select(OutboxMessage.body).where(OutboxMessage.contact_id == contact_id,
                                                                   OutboxMessage.kind == "notification")
                                  .order_by(OutboxMessage.id))
        return [render_notice(body) for (body,) in rows]


async def _draft(web, title: str = "Vaksinasi gratis", kecamatan: list[str] | None = None):
    r = await _post(web, f"{BASE}/baru", f"{BASE}/baru", {"title": title, "body": "Besok pukul 08.00.",
                                                          "kecamatan": kecamatan or []})
    assert r.status_code == 303
    return r.headers["location"].split("?")[0]


async def test_a_new_draft_waits_for_the_other_approvers_who_are_told_in_their_linked_chats(client, browser):
    rt = client.app.state.runtime
    author = await _signed_in(browser, client, "humas.satu")
    approver = await _signed_in(browser, client, "humas.dua")
    admin = await _signed_in(browser, client, "admin.oki", "admin")
    own, theirs, admins = (await _link(rt, "humas.satu", "5001"), await _link(rt, "humas.dua", "5002"),
                           await _link(rt, "admin.oki", "5003"))
    page = await _draft(author)

    for who, chat in ((approver, theirs), (admin, admins)):
        listing = (await who.get(BASE)).text
        assert 'id="approval-queue"' in listing and "Menunggu persetujuan Anda (1)" in listing
        assert 'id="jumlah-persetujuan" data-source="/admin/pengumuman/menunggu.json" data-count="1"' in listing
        assert (await who.get(f"{BASE}/menunggu.json")).json() == {"menunggu": 1}
        [notice] = await _notices(rt, chat.id)
        assert "Vaksinasi gratis" in notice and "humas.satu" in notice and page in notice  # the deep link
    assert await _notices(rt, own.id) == []  # the author is not asked to approve their own words
    assert 'id="approval-queue"' not in (await author.get(BASE)).text
    assert (await author.get(f"{BASE}/menunggu.json")).json() == {"menunggu": 0}

    assert (await _post(approver, page, f"{page}/approve")).status_code == 303
    assert (await admin.get(f"{BASE}/menunggu.json")).json() == {"menunggu": 0}  # approved: off the queue


async def test_a_test_send_goes_to_ones_own_linked_chat_only_and_is_audited(client, browser):
    rt = client.app.state.runtime
    await _subscribers(rt, 3)
    author = await _signed_in(browser, client, "humas.satu")
    page = await _draft(author)

    unlinked = await _post(author, page, f"{page}/uji")
    assert unlinked.headers["location"].endswith("?ok=tanpa-chat")
    explained = (await author.get(unlinked.headers["location"])).text
    assert 'id="test-no-chat"' in explained and 'href="/admin/akun/tautkan"' in explained

    chat = await _link(rt, "humas.satu", "5001")
    sent = await _post(author, page, f"{page}/uji")
    assert sent.headers["location"].endswith("?ok=uji")
    assert "Pesan uji dikirim ke chat Anda" in (await author.get(sent.headers["location"])).text
    [notice] = await _notices(rt, chat.id)
    assert notice.startswith("🧪 UJI COBA") and "Vaksinasi gratis" in notice and "Besok pukul 08.00." in notice
    async with rt.db.connect() as conn:
        broadcast = (await conn.execute(select(OutboxMessage.id).where(OutboxMessage.kind == "broadcast"))).all()
        audited = [json.loads(d) for (d,) in await conn.execute(
            select(AuditEntry.detail).where(AuditEntry.action == "announcement.test_send"))]
    assert broadcast == []  # no subscriber got anything
    assert [a["queued"] for a in audited] == [False, True]


async def test_the_recipients_are_split_by_subscribed_area_and_channel(client, browser):
    rt = client.app.state.runtime
    await _subscribers(rt, 3, kecamatan=PDM, channel="whatsapp")
    for i in range(6):  # two follow all of OKI, four only Kayu Agung (not in the target)
        c = await rt.dispatcher._contacts.touch(channel="telegram", channel_user_id=str(800 + i), at=utcnow())
        await rt.dispatcher._contacts.subscribe(contact_id=c.id, kecamatan=None if i < 2 else KAG, via="telegram",
                                                at=utcnow())
    author = await _signed_in(browser, client, "humas.satu")
    preview = (await author.get(f"{BASE}/pratinjau.json", params={"title": "Judul", "body": "Isi",
                                                                   "kecamatan": PDM})).json()
    assert preview["recipients"]["total"] == 5
    assert preview["sum"] == "3 Pedamaran + 2 seluruh OKI"
    assert [(a["name"], a["whatsapp"], a["telegram"]) for a in preview["areas"]] == [("Pedamaran", 3, 0),
                                                                                     ("seluruh OKI", 0, 2)]
    page = (await author.get(await _draft(author, kecamatan=[PDM]))).text
    assert "5 = 3 Pedamaran + 2 seluruh OKI" in page and 'id="recipient-areas"' in page


async def _failed(rt, announcement_id: int, contacts) -> None:
    async with rt.db.begin() as conn:
        for c in contacts:
            await conn.execute(OutboxMessage.__table__.insert().values(
                kind="broadcast", priority=10, announcement_id=announcement_id, contact_id=c.id, channel=c.channel,
                address=c.channel_user_id, body="{}", status="failed", attempts=5, last_error="nomor tidak aktif",
                next_attempt_at=utcnow(), created_at=utcnow()))


async def test_the_failed_recipients_csv_masks_addresses_for_humas_and_shows_them_to_admin(client, browser):
    rt = client.app.state.runtime
    contacts = await _subscribers(rt, 1, kecamatan=PDM, channel="whatsapp") + await _subscribers(rt, 1)
    author = await _signed_in(browser, client, "humas.satu")
    admin = await _signed_in(browser, client, "admin.oki", "admin")
    page = await _draft(author)
    announcement_id = int(page.rsplit("/", 1)[1])
    await _failed(rt, announcement_id, contacts)

    masked = await author.get(f"{page}/gagal.csv")
    assert masked.status_code == 200 and "attachment" in masked.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(masked.content.decode("utf-8-sig"))))
    assert [(r["Penerima"], r["Kanal"], r["Kecamatan langganan"], r["Keadaan"]) for r in rows] == [
        ("0812****000", "WhatsApp", "Pedamaran", "gagal"), ("•••000", "Telegram", "Seluruh OKI", "gagal")]
    assert rows[0]["Keterangan"] == "nomor tidak aktif" and rows[0]["Waktu (WIB)"]
    assert "+628120000000" not in masked.text and "700000" not in masked.text
    full = list(csv.DictReader(io.StringIO((await admin.get(f"{page}/gagal.csv")).content.decode("utf-8-sig"))))
    # whole for an admin ("+" gets the spreadsheet-safe "'" in front, as in every export: services/sheets.py)
    assert [r["Penerima"] for r in full] == ["'+628120000000", "700000"]


async def test_an_edit_that_withdraws_an_approval_asks_the_approvers_again(client, browser):
    rt = client.app.state.runtime
    author = await _signed_in(browser, client, "humas.satu")
    approver = await _signed_in(browser, client, "humas.dua")
    chat = await _link(rt, "humas.dua", "5002")
    page = await _draft(author)
    assert (await _post(approver, page, f"{page}/approve")).status_code == 303
    edited = await _post(author, f"{page}/ubah", f"{page}/ubah", {"title": "Vaksinasi gratis (diubah)",
                                                                   "body": "Lusa pukul 08.00."})
    assert edited.headers["location"].endswith("?ok=diubah-ulang")
    assert len(await _notices(rt, chat.id)) == 2 and "(diubah)" in (await _notices(rt, chat.id))[1]
    assert (await approver.get(f"{BASE}/menunggu.json")).json() == {"menunggu": 1}
