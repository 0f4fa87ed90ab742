"""The admin page where every staff member links their own chat (/admin/akun/tautkan): a code made
with a CSRF-checked form, the linked state, "Putuskan"; and the admin's view of any account's chat."""
from __future__ import annotations

import re

from storage.models import utcnow
from tests.bot.test_admin import _audit_actions, _csrf, _post, _signed_in, browser  # noqa: F401 (a fixture)

PAGE = "/admin/akun/tautkan"
SUKADANA = "16.02.05.1008"
_CODE = re.compile(r'<span class="number" id="kode">([A-Z0-9]+)</span>')


async def _send_from_telegram(client, chat_id: str, code: str):
    """What TAUTKAN <code> from this Telegram chat does (the chat side is tested in tests/handlers)."""
    rt = client.app.state.runtime
    contact = await rt.contacts.touch(channel="telegram", channel_user_id=chat_id, at=utcnow())
    return await rt.staff_links.redeem(code=code, contact=contact)


async def test_the_page_needs_a_session(client):
    assert (await client.get(PAGE)).headers["location"] == "/admin/login"
    assert (await client.post(f"{PAGE}/kode")).headers["location"] == "/admin/login"


async def test_a_kades_links_their_own_telegram_and_lets_it_go(client, browser):  # noqa: F811
    web = await _signed_in(browser, client, "kades.sukadana", "kades", desa=SUKADANA)
    page = await web.get(PAGE)
    assert page.status_code == 200 and "Belum ada" in page.text and 'href="/admin/akun/tautkan"' in page.text
    refused = await web.post(f"{PAGE}/kode", data={"csrf_token": "x"})
    assert refused.status_code == 403 and not _CODE.search(refused.text)
    made = await _post(web, PAGE, f"{PAGE}/kode")
    code = _CODE.search(made.text)[1]
    assert made.status_code == 200 and f"TAUTKAN {code}" in made.text and "15 menit" in made.text
    assert (await _send_from_telegram(client, "931", code)).username == "kades.sukadana"
    linked = await web.get(PAGE)
    assert "Telegram, sejak" in linked.text and "Putuskan" in linked.text
    assert (await web.post(f"{PAGE}/putuskan", data={"csrf_token": "x"})).status_code == 403
    gone = await web.post(f"{PAGE}/putuskan", data={"csrf_token": _csrf(linked.text)})
    assert gone.status_code == 303 and gone.headers["location"] == f"{PAGE}?ok=putus"
    assert "Belum ada" in (await web.get(PAGE)).text
    actions = await _audit_actions(client)
    assert {"staff.link_code", "staff.link", "staff.unlink"} <= set(actions)


async def test_the_admin_sees_an_account_s_chat_and_can_let_it_go(client, browser):  # noqa: F811
    kades_web = await _signed_in(browser, client, "kades.sukadana", "kades", desa=SUKADANA)
    code = _CODE.search((await _post(kades_web, PAGE, f"{PAGE}/kode")).text)[1]
    await _send_from_telegram(client, "932", code.lower())
    admin = await _signed_in(browser, client, "adm", "admin")
    kades = next(a for a in await client.app.state.runtime.staff.accounts() if a.username == "kades.sukadana")
    detail = await admin.get(f"/admin/staf/{kades.id}")
    assert "Telegram, sejak" in detail.text and "Putuskan chat" in detail.text
    done = await _post(admin, f"/admin/staf/{kades.id}", f"/admin/staf/{kades.id}/chat")
    assert done.status_code == 303
    assert "Belum ada" in (await admin.get(f"/admin/staf/{kades.id}")).text
    assert await client.app.state.runtime.staff_links.chat_of(staff_id=kades.id) is None
    assert (await _post(kades_web, PAGE, f"/admin/staf/{kades.id}/chat")).status_code == 403  # admins only
