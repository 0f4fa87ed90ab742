"""Issue 19, items 11 and 12 in a real browser. Announcements: the approver sees a counter in the
menu and the draft in "Menunggu persetujuan Anda", and their linked chat got a notice with the link;
the author sends a test to their own chat (first told how to link one); the recipients are split by
area and channel; the recipients not reached download as a CSV. Import: a dry run shows the
misspelt kecamatan and "Impor sekarang" imports the same file; the history lists both; the
template downloads."""
from __future__ import annotations

import csv
import io

from playwright.sync_api import expect

from storage.models import OutboxMessage, utcnow
from tests.browser.conftest import login, shot
from tests.services.test_registry_import import BUDI, SITI, _csv

PDM = "16.02.03"  # Pedamaran


def _subscribe(live, count: int, *, kecamatan: str | None, first: int) -> list:
    async def go():
        made = []
        for i in range(count):
            c = await live.runtime.contacts.touch(channel="telegram", channel_user_id=str(first + i), at=utcnow())
            await live.runtime.contacts.subscribe(contact_id=c.id, kecamatan=kecamatan, via="telegram", at=utcnow())
            made.append(c)
        return made
    return live.run(go())


def _link(live, username: str, chat_id: str) -> None:
    async def go():
        account = next(a for a in await live.runtime.staff.accounts() if a.username == username)
        contact = await live.runtime.contacts.touch(channel="telegram", channel_user_id=chat_id, at=utcnow())
        code = (await live.runtime.staff_links.issue_code(staff=await live.runtime.staff.get(staff_id=account.id))).code
        await live.runtime.staff_links.redeem(code=code, contact=contact)
    live.run(go())


def _told(fake_telegram, chat_id: str, words: str) -> list[str]:
    return [c.params["text"] for c in fake_telegram.accepted("sendMessage")
            if str(c.params["chat_id"]) == chat_id and words in c.params["text"]]


def _delivered(page, found):
    """What `found()` returns once the in-process worker has delivered it (it sends on its own clock)."""
    for _ in range(150):
        if result := found():
            return result
        page.wait_for_timeout(100)
    return found()


def test_an_approver_is_counted_listed_and_told_and_the_author_tests_on_their_own_chat(live, page, browser,
                                                                                        fake_telegram):
    _subscribe(live, 25, kecamatan=None, first=910_000)
    _subscribe(live, 10, kecamatan=PDM, first=920_000)
    live.staff("humas.satu", "humas")
    live.staff("humas.dua", "humas")
    _link(live, "humas.dua", "555002")
    login(page, live, "humas.satu")
    page.goto(live.url + "/admin/pengumuman/baru")
    page.fill("#title", "Posyandu Pedamaran")
    page.fill("#body", "Sabtu pukul 08.00 di balai desa.")
    page.check(f"input[name=kecamatan][value='{PDM}']")
    expect(page.locator("#recipient-sum")).to_have_text("35 = 25 seluruh OKI + 10 Pedamaran")  # the live preview
    page.click("button[data-action=save]")
    page.wait_for_selector("#announcement-state[data-state=draft]")
    detail = page.url.split("?")[0]
    assert page.locator("#recipient-areas tbody tr").count() == 2
    shot(page, "announcement-breakdown")

    page.click("button[data-action=test-send]")  # no linked chat yet: told how to link one
    expect(page.locator("#test-no-chat")).to_contain_text("belum menautkan chat")
    assert page.locator("#test-no-chat a").get_attribute("href") == "/admin/akun/tautkan"
    _link(live, "humas.satu", "555001")
    page.click("button[data-action=test-send]")
    expect(page.locator("p.notice")).to_contain_text("Pesan uji dikirim ke chat Anda")
    [test] = _delivered(page, lambda: _told(fake_telegram, "555001", "UJI COBA"))
    assert "Posyandu Pedamaran" in test
    assert not [c for c in fake_telegram.accepted("sendMessage") if str(c.params["chat_id"]).startswith("9")]

    second = browser.new_context(viewport={"width": 1200, "height": 900}).new_page()
    try:
        login(second, live, "humas.dua")
        expect(second.locator("#jumlah-persetujuan")).to_have_text("1")  # on the dashboard, filled by inbox.js
        second.click("nav >> text=Pengumuman")
        expect(second.locator("#approval-queue")).to_contain_text("Posyandu Pedamaran")
        shot(second, "announcement-approval-queue")
        second.click("#approval-queue a")
        assert second.url == detail
        second.click("button[data-action=approve]")
        second.wait_for_selector("#approval")
        expect(second.locator("#jumlah-persetujuan")).to_be_hidden()
    finally:
        second.context.close()
    notices = _delivered(page, lambda: _told(fake_telegram, "555002", "menunggu persetujuan Anda"))
    assert len(notices) == 1 and detail in notices[0]  # the approver's chat, with the deep link


def test_the_recipients_not_reached_download_as_a_csv_with_masked_addresses(live, page):
    reached = _subscribe(live, 3, kecamatan=PDM, first=930_000)
    live.staff("humas.satu", "humas")
    live.staff("humas.dua", "humas")

    async def sent_with_failures():
        rt, accounts = live.runtime, {a.username: a for a in await live.runtime.staff.accounts()}
        author, approver = [await rt.staff.get(staff_id=accounts[n].id) for n in ("humas.satu", "humas.dua")]
        row = await rt.broadcasts.create(title="Jadwal vaksin", body="Senin.", link=None, kecamatan=[PDM],
                                         author=author)
        await rt.broadcasts.approve(announcement_id=row.id, staff=approver)
        await rt.broadcasts.send(announcement_id=row.id, staff=approver)
        async with rt.db.begin() as conn:  # two more recipients the provider refused
            for i, c in enumerate(reached[:2]):
                await conn.execute(OutboxMessage.__table__.insert().values(
                    kind="broadcast", priority=10, announcement_id=row.id, contact_id=c.id, channel="telegram",
                    address=f"94000{i}", body="{}", status="failed", attempts=5, last_error="bot diblokir",
                    next_attempt_at=utcnow(), created_at=utcnow()))
        return row.id
    announcement_id = live.run(sent_with_failures())
    login(page, live, "humas.satu")
    page.goto(f"{live.url}/admin/pengumuman/{announcement_id}")
    with page.expect_download() as download:
        page.click("#failed-download")
    rows = list(csv.DictReader(io.StringIO(open(download.value.path(), encoding="utf-8-sig").read())))
    assert [(r["Penerima"], r["Kanal"], r["Kecamatan langganan"], r["Keadaan"], r["Keterangan"]) for r in rows] == [
        ("•••000", "Telegram", "Pedamaran", "gagal", "bot diblokir"), ("•••001", "Telegram", "Pedamaran", "gagal",
                                                                       "bot diblokir")]
    assert all(r["Waktu (WIB)"] for r in rows)


def test_a_dry_run_then_import_now_then_the_history_and_the_template(live, page, tmp_path):
    live.staff("dinsos.oki", "dinsos")
    typo = [*BUDI[:6], "Pedamran", *BUDI[7:]]
    unknown = ["1602031203900002", "ANI", "12-03-1990", "", "pekerja rentan", "", "Kayu Agungg Raya", "",
               "01/01/2025", "31/12/2026", ""]
    path = tmp_path / "peserta-desember.csv"
    path.write_bytes(_csv([SITI, typo, unknown]))
    login(page, live, "dinsos.oki")
    page.click("nav >> text=Registri")
    with page.expect_download() as template:
        page.click("#template-csv")
    header = next(csv.reader(open(template.value.path(), encoding="utf-8-sig")))
    assert header[:3] == ["nik", "nama", "tanggal_lahir"]

    page.set_input_files("#berkas", str(path))
    page.check("input[name=uji]")
    page.click("button[data-action=import]")
    page.wait_for_selector("#import-result[data-finished=ok]", timeout=60_000)
    expect(page.locator("#place-suggestions")).to_contain_text("'Pedamran' dibaca sebagai Pedamaran")
    expect(page.locator("#place-suggestions")).to_contain_text("'Kayu Agungg Raya': maksud Anda Kayu Agung?")
    assert live.run(live.runtime.registry.count()) == 0
    shot(page, "registry-dry-run")
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("button[data-action=import-now]")
    page.wait_for_selector("#import-result[data-finished=ok]", timeout=60_000)
    expect(page.locator("p.notice")).to_have_text("Impor selesai dan tersimpan.")
    assert page.locator("#sum-new").inner_text() == "2"
    assert live.run(live.runtime.registry.count()) == 2

    page.click("text=Riwayat impor")
    rows = page.locator("#import-history tbody tr")
    expect(rows).to_have_count(2)
    assert rows.nth(0).get_attribute("data-kind") == "impor" and rows.nth(1).get_attribute("data-kind") == "uji"
    assert "peserta-desember.csv" in rows.nth(0).inner_text() and "dinsos.oki" in rows.nth(0).inner_text()
    assert rows.nth(1).locator("[data-count=warned]").inner_text() == "1"
    shot(page, "registry-history")
