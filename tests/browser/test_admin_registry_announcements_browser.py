"""The coverage registry upload and the announcement composer in a real browser: an upload shows its
progress and then the summary; an announcement is composed with a live preview, approved by a
second person and sent, and its delivery progress reaches 100%."""
from __future__ import annotations

import csv
import io

from playwright.sync_api import expect

from services.demo import COLUMNS, registry_rows
from storage.models import utcnow
from tests.browser.conftest import login, shot


def _csv(tmp_path, rows: int):
    data = list(registry_rows(count=rows, seed=3))
    data[5]["nik"] = "123"  # two rows the importer must refuse, with reasons
    data[9]["nama"] = ""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS)
    writer.writeheader()
    writer.writerows(data)
    path = tmp_path / "peserta.csv"
    path.write_text(out.getvalue(), encoding="utf-8")
    return path


def test_a_registry_upload_shows_progress_then_the_summary(live, page, tmp_path):
    live.staff("dinsos.oki", "dinsos")
    login(page, live, "dinsos.oki")
    page.click("nav >> text=Registri")
    shot(page, "registry")
    page.set_input_files("#berkas", str(_csv(tmp_path, 3000)))
    page.click("button[data-action=import]")
    assert page.locator("#import-progress").count() == 1  # the job page, with its progress bar
    page.wait_for_selector("#import-result[data-finished=ok]", timeout=120_000)
    assert page.locator("#import-progress").get_attribute("value") == "100"
    assert page.locator("#sum-total").inner_text() == "3000"
    assert page.locator("#sum-rejected").inner_text() == "2"
    assert page.locator("#rejected-download").is_visible()
    shot(page, "registry-import")
    page.goto(live.url + "/admin/registri?cari=1&q=" + "a")
    assert page.locator("#registry-results").is_visible()


def test_an_announcement_composed_previewed_approved_and_sent_reaches_100_percent(live, page, browser, fake_telegram):
    async def subscribers():
        for i in range(40):
            c = await live.runtime.contacts.touch(channel="telegram", channel_user_id=str(900_000 + i), at=utcnow())
            await live.runtime.contacts.subscribe(contact_id=c.id, kecamatan=None, via="telegram", at=utcnow())
    live.run(subscribers())
    live.staff("humas.satu", "humas")
    live.staff("humas.dua", "humas")
    login(page, live, "humas.satu")
    page.click("nav >> text=Pengumuman")
    page.click("a[data-action=new]")
    page.fill("#title", "Vaksinasi gratis")
    page.fill("#body", "Besok pukul 08.00 di puskesmas Kayu Agung.")
    expect(page.locator("#preview-telegram")).to_contain_text("Vaksinasi gratis")  # the live preview follows
    assert "BERHENTI" in page.locator("#preview-whatsapp").inner_text()  # every broadcast says how to stop
    assert page.locator("[data-recipients=total]").inner_text() == "40"
    shot(page, "announcement-compose")
    page.click("button[data-action=save]")
    page.wait_for_selector("#announcement-state[data-state=draft]")
    assert page.locator("button[data-action=approve]").count() == 0  # the author cannot approve
    detail = page.url

    second = browser.new_context(viewport={"width": 1200, "height": 900}).new_page()
    try:
        login(second, live, "humas.dua")
        second.goto(detail)
        second.click("button[data-action=approve]")
        second.wait_for_selector("#approval")
        assert "humas.dua" in second.locator("#approval").inner_text()
    finally:
        second.context.close()

    page.goto(detail)
    page.once("dialog", lambda dialog: dialog.accept())  # "send to 40 people?" - yes
    page.click("button[data-action=send]")
    expect(page.locator("#delivery-percent")).to_have_text("100", timeout=60_000)  # updated while it sends
    expect(page.locator("#delivery-progress")).to_have_js_property("value", 100)
    shot(page, "announcement-sent")
    sent = {c.params["chat_id"] for c in fake_telegram.accepted("sendMessage") if "Vaksinasi" in c.params["text"]}
    assert len(sent) == 40
