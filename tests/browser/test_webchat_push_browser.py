"""The web chat in a real browser receives what the outbox sends it: a status notice for a report
the web user filed appears on /chat without a reload (the in-process worker delivers it, the page
polls GET /api/chat/messages), a pushed message's choices are buttons that answer, and after a
reload nothing is shown twice (the cursor is kept in localStorage beside the user id)."""
from __future__ import annotations

from conversations.model import Choice, Reply
from services.staff import StaffInfo
from storage.models import utcnow
from tests.bot.test_admin_reports import SUKADANA, _draft
from tests.guardrail_fields import PAPER

KADES = StaffInfo(9, "kades.skd", "kades", SUKADANA[:8], SUKADANA)
PUSH_WAIT = 30_000  # the page backs off while nothing comes: 4.5 s, 7 s, 10 s, ... between polls


def test_a_notice_pushed_to_a_web_user_appears_without_a_reload(live, page):
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(live.url + "/chat")
    page.wait_for_selector(".bubble.bot:not(.error)")  # the greeting and its menu
    user = page.evaluate("localStorage.getItem('layanan-oki-user')")
    rt = live.runtime
    contact = live.run(rt.contacts.touch(channel="web", channel_user_id=user, at=utcnow()))
    report = live.run(rt.santunan.file(_draft(live, "1602015708850003", SUKADANA), filed_by=f"contact:{contact.id}",
                                       contact=contact))
    live.run(rt.santunan.transition(reference=report.reference, to="diverifikasi_desa", note="catatan-internal-q7",
                                    message_to_family="Sudah dicek ke rumah duka", staff=KADES, details=PAPER))
    notice = page.wait_for_selector(f".bubble.pushed:has-text('{report.reference}')", timeout=PUSH_WAIT)
    assert "Sudah dicek ke rumah duka" in notice.inner_text() and "catatan-internal-q7" not in notice.inner_text()
    assert page.locator(".bubble.pushed").count() == 1

    live.run(rt.web.send(user, [Reply("Ada yang bisa kami bantu lagi?", (Choice("menu", "Menu utama"),))]))
    button = page.wait_for_selector(".choices button:has-text('Menu utama')", timeout=PUSH_WAIT)
    button.click()
    page.wait_for_selector(".bubble.user:has-text('Menu utama')")
    assert page.locator(".bubble.pushed").count() == 2
    cursor = page.evaluate("localStorage.getItem('layanan-oki-cursor')")
    assert cursor.startswith(user + " ") and cursor.split(" ")[1].isdigit()

    page.reload()
    page.wait_for_selector(".bubble.bot:not(.error)")
    page.wait_for_timeout(4000)  # the first poll after the greeting has come back by now
    assert page.locator(".bubble.pushed").count() == 0  # already shown before the reload: not again
    live.run(rt.web.send(user, [Reply("Pesan baru setelah dimuat ulang")]))
    page.wait_for_selector(".bubble.pushed:has-text('Pesan baru setelah dimuat ulang')", timeout=PUSH_WAIT)
    assert page.locator(".bubble.pushed").count() == 1
    assert errors == []
