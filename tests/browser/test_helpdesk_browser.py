"""The helpdesk inbox in a real browser: a staff member has the inbox open, a citizen on the web chat
asks for a person, the ticket appears without a reload, the staff member answers, and the citizen's
next message reaches the open conversation page by itself. Screenshots of the inbox at desktop and
phone width go to docs/screenshots/inbox.png and inbox-phone.png (linked from the README)."""
from __future__ import annotations

from tests.browser.conftest import login, shot

QUESTION = "Saya mau tanya santunan kematian ayah saya"
ANSWER = "Baik Bu, laporan Ibu sedang kami periksa. Mohon ditunggu."


def open_chat(browser, live):
    """A second browser, a citizen's phone, on /chat once the page has greeted them."""
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="id-ID")
    citizen = context.new_page()
    citizen.set_default_timeout(15_000)
    citizen.goto(live.url + "/chat")
    citizen.wait_for_selector(".bubble.bot")  # the greeting, sent by the page itself
    return citizen


def _citizen_asks_for_a_person(browser, live):
    """A second browser on /chat: 'petugas', then a question; the page, as the citizen left it."""
    citizen = open_chat(browser, live)
    for text in ("petugas", QUESTION):
        say(citizen, text)
    return citizen


def say(citizen, text: str) -> None:
    """Send `text` from the web chat once it is not busy, and wait for POST /api/chat to answer (the
    bot may stay silent: while a person has the conversation, it acknowledges only now and then)."""
    citizen.wait_for_selector("#send-button:not([disabled])")
    with citizen.expect_response(lambda r: r.url.endswith("/api/chat") and r.request.method == "POST"):
        citizen.fill("#chat-input", text)
        citizen.press("#chat-input", "Enter")
    citizen.wait_for_selector("#send-button:not([disabled])")


def _inbox_open(live, page):
    live.staff("dinsos.rina", "dinsos")
    login(page, live, "dinsos.rina")
    page.set_viewport_size({"width": 1366, "height": 800})
    page.click("nav >> text=Kotak Masuk")
    page.wait_for_selector("#status-langsung[data-state=live]")
    assert page.locator("tr[data-ticket]").count() == 0
    page.evaluate("window.__stayed = true")  # gone if the page reloads


def _answer(page) -> None:
    page.click("tr[data-ticket] a")
    page.wait_for_selector("#transkrip li[data-direction=in]")
    assert QUESTION in page.locator("#transkrip").inner_text()
    page.fill("#teks-balas", ANSWER)
    page.click("#kirim-balasan")
    page.wait_for_selector("#pemberitahuan")
    assert "Balasan dikirim" in page.locator("#pemberitahuan").inner_text()
    assert ANSWER in page.locator("#transkrip li[data-direction=out]").inner_text()


def test_a_new_ticket_appears_live_and_the_staff_member_answers(live, page, browser):
    _inbox_open(live, page)
    citizen = _citizen_asks_for_a_person(browser, live)
    row = page.wait_for_selector("tr[data-ticket]", timeout=10_000)  # no reload: the live channel
    assert page.evaluate("window.__stayed") is True
    assert "web" in row.inner_text().lower() and QUESTION not in row.inner_text()  # masked, no message text
    page.wait_for_function("() => document.getElementById('jumlah-kotak-masuk').textContent.trim() === '1'")
    shot(page, "inbox")
    page.set_viewport_size({"width": 390, "height": 844})
    shot(page, "inbox-phone")
    page.set_viewport_size({"width": 1366, "height": 800})
    _answer(page)
    page.wait_for_selector("#status-langsung[data-state=live]")
    page.evaluate("window.__stayed = true")
    say(citizen, "Terima kasih, saya tunggu")
    page.wait_for_function("() => document.querySelectorAll('#transkrip li[data-direction=in]').length === 3",
                           timeout=10_000)  # the citizen's next message, on the open page by itself
    assert page.evaluate("window.__stayed") is True
    shot(page, "inbox-ticket")
    citizen.context.close()


def test_the_citizens_web_chat_shows_the_answer_without_a_reload(live, page, browser):
    _inbox_open(live, page)
    citizen = _citizen_asks_for_a_person(browser, live)
    page.wait_for_selector("tr[data-ticket]", timeout=10_000)
    _answer(page)
    citizen.evaluate("window.__stayed = true")
    try:
        citizen.wait_for_function("t => [...document.querySelectorAll('.bubble.bot')]"
                                  ".some(b => b.textContent.includes(t))", arg=ANSWER, timeout=8_000)
        assert citizen.evaluate("window.__stayed") is True
    finally:
        citizen.context.close()
