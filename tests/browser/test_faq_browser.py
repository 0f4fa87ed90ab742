"""The knowledge base in a real browser: a citizen's question nobody answered shows in the admin's
unanswered list, a staff member makes an answer from it ("Buat jawaban dari ini", prefilled) and
edits a seeded one, and the web chat answers with the new texts at once. Screenshot of the page:
docs/screenshots/tanya-jawab.png."""
from __future__ import annotations

from tests.browser.conftest import login, shot
from tests.browser.test_helpdesk_browser import open_chat, say

ODD = "kapan ada lomba perahu bidar di kayuagung?"


def _last_bot(citizen) -> str:
    return citizen.locator(".bubble.bot").last.inner_text()


def test_staff_answer_an_unanswered_question_and_edit_an_answer_seen_in_the_web_chat(live, page, browser):
    citizen = open_chat(browser, live)
    say(citizen, ODD)
    assert "belum bisa saya jawab" in citizen.locator(".bubble.bot").all_inner_texts()[-1]

    live.staff("humas.dewi", "humas")
    login(page, live, "humas.dewi")
    page.click("nav >> text=Tanya Jawab")
    row = page.locator("#tabel-belum-terjawab tr[data-unanswered]").first
    assert "lomba perahu bidar" in row.inner_text() and "1" in row.inner_text()
    shot(page, "tanya-jawab")
    row.locator("text=Buat jawaban dari ini").click()
    assert page.input_value("#question") == ODD  # prefilled from the citizen's words
    page.fill("#answer", "Lomba bidar di Sungai Komering setiap 17 Agustus.")
    page.click("#form-jawaban button[type=submit]")
    page.wait_for_selector("#pemberitahuan")
    assert page.locator("#tabel-belum-terjawab").count() == 0  # answered: off the list

    say(citizen, "lomba perahu bidar kayuagung kapan")
    assert "Sungai Komering" in _last_bot(citizen)

    page.click("#tabel-jawaban >> text=Berapa besar santunan kematian dari Pemkab OKI?")
    page.fill("#answer", "Santunan kematian Pemkab OKI Rp1.000.000, ditransfer ke rekening ahli waris.")
    page.click("#form-jawaban button[type=submit]")
    page.wait_for_selector("#pemberitahuan")
    say(citizen, "berapa besar santunan kematian?")
    assert "ditransfer ke rekening ahli waris" in _last_bot(citizen)
