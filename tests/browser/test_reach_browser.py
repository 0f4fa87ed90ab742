"""The reach work in a real browser: the front door at phone width, the web chat sending a photo on
a throttled (slow 3G) connection with a thumbnail and a progress bar, the page's controls all named
for a screen reader, and WhatsApp-style buttons as a test page renders the templates we create."""
from __future__ import annotations

import html

import pytest

from conversations.model import Choice, Reply
from handlers.whatsapp_content import template_for
from tests.bot.test_reach_web import ANSWERS, JPEG
from tests.browser.conftest import live_server, shot

SLOW_3G = {"offline": False, "latency": 400, "downloadThroughput": 50_000, "uploadThroughput": 50_000}
PHONE = {"width": 360, "height": 740}


@pytest.fixture
def live_wa(db_url, tmp_path, request, fake_twilio):
    """The app with WhatsApp and a Telegram username configured, so the front door shows both."""
    with live_server(db_url, tmp_path, request, twilio_account_sid=fake_twilio.account_sid,
                     twilio_auth_token=fake_twilio.auth_token, twilio_whatsapp_from="whatsapp:+6281100001111",
                     twilio_api_base_url=fake_twilio.url, telegram_bot_username="layanan_oki_bot") as server:
        yield server


@pytest.fixture
def phone(browser):
    context = browser.new_context(viewport=PHONE, locale="id-ID", device_scale_factor=2, is_mobile=True)
    page = context.new_page()
    page.set_default_timeout(30_000)
    yield page
    context.close()


def _unnamed_controls(page) -> list[str]:
    """Buttons, text boxes and links in Chromium's accessibility tree that have no name."""
    cdp = page.context.new_cdp_session(page)
    nodes = cdp.send("Accessibility.getFullAXTree")["nodes"]
    roles = {"button", "textbox", "link", "combobox"}
    return [n["role"]["value"] for n in nodes if not n.get("ignored") and n.get("role", {}).get("value") in roles
            and not (n.get("name") or {}).get("value", "").strip()]


def test_the_front_door_at_phone_width(live_wa, phone):
    phone.goto(live_wa.url + "/")
    assert phone.locator("h1").inner_text() == "Layanan OKI"
    assert phone.locator('a[href="https://wa.me/6281100001111?text=halo"]').count() == 1
    assert phone.locator('a[href="https://t.me/layanan_oki_bot"]').count() == 1
    assert phone.locator(".qr svg").is_visible()
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]  # nothing sideways
    assert _unnamed_controls(phone) == []
    shot(phone, "landing-phone")
    phone.click('a.cta[href="/chat"]')
    phone.wait_for_selector(".bubble.bot:not(.error)")


def test_the_web_chat_sends_a_photo_on_slow_3g_with_thumbnail_and_progress(live_wa, phone, tmp_path):
    errors: list[str] = []
    phone.on("pageerror", lambda e: errors.append(str(e)))
    phone.goto(live_wa.url + "/chat")
    phone.wait_for_selector(".choices button")
    assert phone.get_attribute("#messages", "aria-live") == "polite"
    assert _unnamed_controls(phone) == []  # attach, send, the text box and every choice have a name
    for text in ANSWERS:
        phone.fill("#chat-input", text)
        phone.press("#chat-input", "Enter")
        phone.wait_for_selector("#send-button:not([disabled])")
    assert "SKTM" in phone.locator(".bubble.bot").last.inner_text()
    photo = tmp_path / "sktm.jpg"
    photo.write_bytes(JPEG + b"\x00" * 150_000)  # about three seconds of upload on slow 3G
    phone.context.new_cdp_session(phone).send("Network.emulateNetworkConditions", SLOW_3G)
    phone.set_input_files("#file-input", str(photo))
    phone.wait_for_selector(".bubble.user.file progress")  # shown while it goes
    phone.wait_for_selector(".bubble.user.file img.thumb[src^='data:image/jpeg']")
    phone.locator(".bubble.user.file progress").wait_for(state="detached", timeout=60_000)
    assert "akta" in phone.locator(".bubble.bot").last.inner_text().lower()
    assert _unnamed_controls(phone) == []
    shot(phone, "webchat-upload-phone")
    assert errors == []


def test_whatsapp_style_buttons_as_rendered_from_our_templates(phone):
    """No WhatsApp client here: a test page draws the quick-reply and list-picker templates the Content
    API is given, for the README's picture."""
    yes_no = template_for(Reply("Apakah Anda keluarga almarhum/almarhumah?", (Choice("ya", "Ya"),
                                                                             Choice("tidak", "Tidak"))))
    menu_labels = ("Cek kepesertaan BPJS Ketenagakerjaan", "Lapor kematian (santunan)", "Cek status laporan",
                   "Pengumuman terbaru", "Bantuan")
    menu = template_for(Reply("Pilih layanan:", tuple(Choice(str(i), x) for i, x in enumerate(menu_labels))))
    quick = yes_no["types"]["twilio/quick-reply"]
    picker = menu["types"]["twilio/list-picker"]
    buttons = "".join(f"<button>{html.escape(a['title'])}</button>" for a in quick["actions"])
    items = "".join(f"<li><b>{html.escape(i['item'])}</b><small>{html.escape(i.get('description', ''))}</small></li>"
                    for i in picker["items"])
    phone.set_content(f"""<html lang="id"><body style="font-family:sans-serif;background:#efe7dd;margin:12px">
      <div style="background:#fff;border-radius:8px;padding:10px">Apakah Anda keluarga almarhum/almarhumah?</div>
      <div style="display:flex;gap:6px;margin:4px 0 16px">{buttons.replace('<button>', '<button style="flex:1;'
      'background:#fff;border:0;border-radius:8px;padding:10px;color:#0a7cff">')}</div>
      <div style="background:#fff;border-radius:8px;padding:10px">Pilih layanan:<hr>
      <div style="text-align:center;color:#0a7cff">&#9776; {html.escape(picker['button'])}</div></div>
      <ul style="background:#fff;border-radius:8px;padding:10px;list-style:none;margin-top:8px">
      {items.replace('<small>', '<br><small style="color:#667">')}</ul></body></html>""")
    assert phone.locator("button").count() == 2 and phone.locator("li").count() == 5
    shot(phone, "whatsapp-buttons")
