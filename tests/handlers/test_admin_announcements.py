"""The announcement pages under /admin/pengumuman, against the fake Telegram and Twilio: compose
with the real preview and the recipients per channel, approval by a second person only, send now or
at a WIB time, a delivery progress bar that reaches 100% as the outbox drains, pause, resume and
cancel by form, kind refusals, roles and CSRF."""
from __future__ import annotations

import re
from contextlib import AsyncExitStack
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from sqlalchemy import func, select

from bot.worker import Worker
from conversations.notices import render_notice
from services.announcements import notice_body
from services.santunan import WIB
from storage.models import OutboxMessage, utcnow
from tests.bot.test_admin import _csrf, _login, _staff
from tests.handlers.test_broadcast import _drain, _subscribers

KAG, PDM = "16.02.05", "16.02.03"  # Kayu Agung, Pedamaran
BASE = "/admin/pengumuman"


@pytest.fixture
def settings(settings):
    """No worker inside the app (on by default with SQLite): it would send on its own clock, and these
    tests watch the outbox drain step by step."""
    return settings.model_copy(update={"worker_in_process": False})


@pytest.fixture
async def browser(client):
    async with AsyncExitStack() as stack:
        async def open_browser() -> httpx.AsyncClient:
            transport = httpx.ASGITransport(app=client.app)
            # https: PUBLIC_BASE_URL is https here, so the session and CSRF cookies are Secure
            return await stack.enter_async_context(httpx.AsyncClient(transport=transport,
                                                                     base_url="https://testserver"))
        yield open_browser


async def _signed_in(browser, client, username: str, role: str = "humas", **area) -> httpx.AsyncClient:
    await _staff(client, username, role, **area)
    web = await browser()
    assert (await _login(web, username)).status_code == 303
    return web


async def _post(web: httpx.AsyncClient, page: str, action: str, data: dict | None = None) -> httpx.Response:
    """Open `page`, then post to `action` with the page's CSRF token (and, to approve, the text version
    the page shows)."""
    text = (await web.get(page)).text
    fields = {"csrf_token": _csrf(text)}
    if version := re.search(r'name="versi" value="([0-9a-f]+)"', text):
        fields["versi"] = version[1]
    return await web.post(action, data={**fields, **(data or {})})


async def _compose(web: httpx.AsyncClient, title: str = "Vaksinasi anak", **fields) -> int:
    data = {"title": title, "body": "Besok *pagi* di puskesmas.", "link": "", **fields}
    r = await _post(web, f"{BASE}/baru", f"{BASE}/baru", data)
    assert r.status_code == 303, r.text
    return int(re.fullmatch(rf"{BASE}/(\d+)\?ok=dibuat", r.headers["location"])[1])


async def _state(client, announcement_id: int) -> str:
    return (await client.app.state.runtime.broadcasts.get(announcement_id)).state


async def _outbox_rows(client, announcement_id: int) -> int:
    async with client.app.state.runtime.db.connect() as conn:
        return await conn.scalar(select(func.count()).select_from(OutboxMessage)
                                 .where(OutboxMessage.announcement_id == announcement_id))


def _actions(page: str) -> set[str]:
    return set(re.findall(r'data-action="(\w+)"', page)) - {"new", "save"}


# --- compose and preview ---
async def test_the_preview_is_the_real_message_with_the_recipients_per_channel(client, browser):
    rt = client.app.state.runtime
    await _subscribers(rt, 3)  # Telegram, all of OKI
    await _subscribers(rt, 2, kecamatan=KAG, channel="whatsapp")
    contact = await rt.dispatcher._contacts.touch(channel="telegram", channel_user_id="900001", at=utcnow())
    await rt.dispatcher._contacts.subscribe(contact_id=contact.id, kecamatan=PDM, via="telegram", at=utcnow())
    web = await _signed_in(browser, client, "humas1")
    form = await web.get(f"{BASE}/baru")
    assert form.status_code == 200 and form.text.count('name="kecamatan"') == 18
    for marker in ('id="preview-telegram"', 'id="preview-whatsapp"', 'id="recipient-count"',
                   '<script src="/admin/static/compose.js" defer></script>'):
        assert marker in form.text
    assert "<script>" not in form.text and "style=" not in form.text and "BERHENTI" in form.text

    query = {"title": "Vaksinasi <Anak>", "body": "Besok *pagi* & lusa.", "link": "https://okikab.go.id/v",
             "kecamatan": [KAG]}
    preview = (await web.get(f"{BASE}/pratinjau.json", params=query)).json()
    expected = render_notice(notice_body(title=query["title"], body=query["body"], link=query["link"]))
    assert preview["whatsapp"] == expected and "Vaksinasi <Anak>" in preview["whatsapp"]
    assert "Vaksinasi &lt;Anak&gt;" in preview["telegram"] and "<b>pagi</b> &amp; lusa" in preview["telegram"]
    assert "Ketik BERHENTI untuk berhenti" in preview["telegram"] and "https://okikab.go.id/v" in preview["telegram"]
    assert preview["recipients"] == {"telegram": 3, "whatsapp": 2, "web": 0, "total": 5}
    elsewhere = (await web.get(f"{BASE}/pratinjau.json", params={**query, "kecamatan": [PDM]})).json()
    assert elsewhere["recipients"] == {"telegram": 4, "whatsapp": 0, "web": 0, "total": 4}
    everyone = (await web.get(f"{BASE}/pratinjau.json", params={"title": "x", "body": "y"})).json()
    assert everyone["recipients"] == {"telegram": 4, "whatsapp": 2, "web": 0, "total": 6}
    js = await client.get("/admin/static/compose.js")
    assert js.status_code == 200 and "data-preview" in js.text


async def test_a_draft_with_problems_is_shown_again_with_the_reasons(client, browser):
    web = await _signed_in(browser, client, "humas1")
    r = await _post(web, f"{BASE}/baru", f"{BASE}/baru", {"title": "Hi", "body": "Isi yang cukup.",
                                                          "link": "okikab.go.id", "kecamatan": ["16.99.99"]})
    assert r.status_code == 400
    for says in ("Judul harus 3–120 karakter", "Tautan harus diawali http://", "Pilih kecamatan dari daftar"):
        assert says in r.text, says
    assert 'value="okikab.go.id"' in r.text and "Isi yang cukup." in r.text  # kept as typed
    assert (await client.app.state.runtime.broadcasts.page(limit=10))[1] == 0


# --- approve, send, progress ---
async def test_the_author_cannot_approve_a_second_person_can_and_delivery_reaches_100(client, browser,
                                                                                        fake_telegram):
    rt = client.app.state.runtime
    await _subscribers(rt, 5)
    author, second = await _signed_in(browser, client, "humas1"), await _signed_in(browser, client, "humas2")
    aid = await _compose(author, kecamatan=[KAG])
    detail = f"{BASE}/{aid}"
    page = (await author.get(f"{detail}?ok=dibuat")).text
    assert "Draf tersimpan" in page and 'id="awaiting-approval"' in page
    assert _actions(page) == {"edit", "cancel"}
    version = re.search(r'name="versi" value="(\w+)"', (await second.get(detail)).text)[1]
    refused = await author.post(f"{detail}/approve", data={"csrf_token": _csrf(page), "versi": version})
    assert refused.status_code == 403 and "bukan oleh penulisnya" in refused.text
    assert (await rt.broadcasts.get(aid)).approved_by is None
    not_yet = await _post(author, detail, f"{detail}/send")
    assert not_yet.status_code == 409 and "belum disetujui" in not_yet.text and await _outbox_rows(client, aid) == 0

    assert _actions((await second.get(detail)).text) == {"approve", "cancel"}
    r = await _post(second, detail, f"{detail}/approve")
    assert r.status_code == 303 and "sudah disetujui" in (await second.get(r.headers["location"])).text
    assert _actions((await author.get(detail)).text) == {"edit", "send", "schedule", "cancel"}

    preview = (await author.get(f"{BASE}/pratinjau.json", params={"title": "Vaksinasi anak",
                                                                   "body": "Besok *pagi* di puskesmas."})).json()
    r = await _post(author, detail, f"{detail}/send")
    assert r.status_code == 303 and await _state(client, aid) == "sending" and await _outbox_rows(client, aid) == 5
    page = (await author.get(detail)).text
    assert '<progress id="delivery-progress" aria-label="Kemajuan pengiriman" max="100" value="0">' in page
    assert f'data-poll="{detail}/stats.json"' in page and "progress.js" in page
    assert _actions(page) == {"pause", "cancel"}
    stats = (await author.get(f"{detail}/stats.json")).json()
    assert (stats["recipients"], stats["queued"], stats["percent"], stats["finished"]) == (5, 5, 0, False)

    await _drain(Worker(rt))
    stats = (await author.get(f"{detail}/stats.json")).json()
    assert stats == {"recipients": 5, "queued": 0, "sent": 5, "delivered": 0, "failed": 0, "skipped": 0,
                     "percent": 100, "state": "sending", "state_name": "Sedang dikirim", "finished": True}
    assert [c.params["text"] for c in fake_telegram.named("sendMessage")] == [preview["telegram"]] * 5
    await rt.broadcasts.finish_sent()
    page = (await author.get(detail)).text
    assert 'value="100"' in page and "Terkirim" in page and "data-poll" not in page and not _actions(page)
    listing = (await second.get(BASE)).text
    assert f'<tr data-announcement="{aid}" data-state="sent">' in listing


async def test_pause_resume_and_cancel_by_form_with_kind_refusals(client, browser, fake_telegram):
    rt = client.app.state.runtime
    rt.broadcasts.require_approval = False
    await _subscribers(rt, 4)
    web = await _signed_in(browser, client, "humas1")
    aid = await _compose(web, "Jeda dulu")
    detail = f"{BASE}/{aid}"
    assert (await _post(web, detail, f"{detail}/send")).status_code == 303
    assert (await _post(web, detail, f"{detail}/pause")).status_code == 303 and await _state(client, aid) == "paused"
    page = (await web.get(f"{detail}?ok=pause")).text
    assert "Pengiriman dijeda" in page and _actions(page) == {"resume", "cancel"} and "data-poll" not in page
    assert await Worker(rt).send_due() == 0  # nothing goes while paused
    again = await _post(web, detail, f"{detail}/pause")
    assert again.status_code == 409 and "karena pengumuman ini sedang dijeda" in again.text
    assert (await _post(web, detail, f"{detail}/resume")).status_code == 303 and await _state(client, aid) == "sending"
    cancelled = await _post(web, detail, f"{detail}/cancel")
    assert cancelled.status_code == 303 and await _state(client, aid) == "cancelled"
    assert await Worker(rt).send_due() == 0 and fake_telegram.named("sendMessage") == []
    late = await _post(web, detail, f"{detail}/resume")
    assert late.status_code == 409 and "sudah dibatalkan" in late.text
    assert (await _post(web, detail, f"{detail}/terbang")).status_code == 404
    assert (await web.get(f"{BASE}/9999")).status_code == 404


async def test_a_schedule_is_read_as_wib_and_must_be_in_the_future(client, browser):
    rt = client.app.state.runtime
    rt.broadcasts.require_approval = False
    web = await _signed_in(browser, client, "humas1")
    aid = await _compose(web, "Nanti sore")
    detail = f"{BASE}/{aid}"
    past = await _post(web, detail, f"{detail}/schedule", {"waktu": "2020-01-01T08:00"})
    assert past.status_code == 400 and "belum lewat" in past.text and await _state(client, aid) == "draft"
    at = (datetime.now(WIB) + timedelta(hours=2)).replace(second=0, microsecond=0)
    r = await _post(web, detail, f"{detail}/schedule", {"waktu": at.strftime("%Y-%m-%dT%H:%M")})
    assert r.status_code == 303
    row = await rt.broadcasts.get(aid)
    assert row.state == "scheduled" and row.send_at.astimezone(UTC) == at.astimezone(UTC)
    assert f"{at.hour:02d}.{at.minute:02d} WIB" in (await web.get(detail)).text
    assert _actions((await web.get(detail)).text) == {"pause", "cancel"}


# --- edit ---
async def test_only_the_author_edits_a_draft_and_an_edit_withdraws_the_approval(client, browser):
    rt = client.app.state.runtime
    author, second = await _signed_in(browser, client, "humas1"), await _signed_in(browser, client, "humas2")
    aid = await _compose(author)
    detail = f"{BASE}/{aid}"
    stale = (await second.get(detail)).text
    form = (await author.get(f"{detail}/ubah")).text
    assert 'value="Vaksinasi anak"' in form and 'id="preview-telegram"' in form
    r = await author.post(f"{detail}/ubah", data={"csrf_token": _csrf(form), "title": "Vaksinasi anak SD",
                                                   "body": "Kamis pagi.", "kecamatan": [KAG, PDM]})
    assert r.status_code == 303 and r.headers["location"].endswith("?ok=diubah")
    row = await rt.broadcasts.get(aid)
    assert (row.title, row.body, row.link, row.kecamatan) == ("Vaksinasi anak SD", "Kamis pagi.", None,
                                                              f'["{PDM}", "{KAG}"]')
    # the second person approves what they read: a text changed since is refused
    r = await second.post(f"{detail}/approve", data={"csrf_token": _csrf(stale),
                                                     "versi": re.search(r'name="versi" value="(\w+)"', stale)[1]})
    assert r.status_code == 400 and "baru saja diubah" in r.text and (await rt.broadcasts.get(aid)).approved_by is None
    assert (await _post(second, detail, f"{detail}/approve")).status_code == 303
    assert (await second.get(f"{detail}/ubah")).status_code == 403
    r = await _post(second, f"{detail}/ubah", f"{detail}/ubah", {"title": "Diubah orang lain", "body": "Isi lain."})
    assert r.status_code == 403 and "Hanya penulisnya" in r.text
    r = await _post(author, f"{detail}/ubah", f"{detail}/ubah", {"title": "Vaksinasi anak SD", "body": "Jumat pagi."})
    assert r.status_code == 303 and r.headers["location"].endswith("?ok=diubah-ulang")
    assert "perlu disetujui lagi" in (await author.get(r.headers["location"])).text
    row = await rt.broadcasts.get(aid)
    assert row.approved_by is None and row.body == "Jumat pagi." and row.kecamatan is None
    assert "announcement.edit" in [e.action for e in await rt.audit.recent(limit=50)]


# --- roles and CSRF ---
async def test_only_humas_and_admin_open_the_pages(client, browser):
    humas = await _signed_in(browser, client, "humas1")
    aid = await _compose(humas)
    for who, role, area in (("dinsos1", "dinsos", {}), ("camat.kag", "camat", {"kecamatan": KAG})):
        web = await _signed_in(browser, client, who, role, **area)
        for path in (BASE, f"{BASE}/baru", f"{BASE}/pratinjau.json?title=a&body=b", f"{BASE}/{aid}",
                     f"{BASE}/{aid}/stats.json", f"{BASE}/{aid}/ubah"):
            assert (await web.get(path)).status_code == 403, (who, path)
        token = _csrf((await web.get("/admin")).text)
        assert (await web.post(f"{BASE}/{aid}/cancel", data={"csrf_token": token})).status_code == 403
    admin = await _signed_in(browser, client, "adm", "admin")
    listing = await admin.get(BASE)
    assert listing.status_code == 200 and "Vaksinasi anak" in listing.text and "Menunggu persetujuan" in listing.text
    assert await _state(client, aid) == "draft"


async def test_a_form_without_a_valid_csrf_token_changes_nothing(client, browser, fake_telegram):
    rt = client.app.state.runtime
    await _subscribers(rt, 2)
    author, second = await _signed_in(browser, client, "humas1"), await _signed_in(browser, client, "humas2")
    aid = await _compose(author)
    detail = f"{BASE}/{aid}"
    foreign = _csrf((await author.get(detail)).text)  # valid, but for another staff member's session
    for token in ("", "0" * 64, foreign):
        for action, fields in ((f"{detail}/approve", {}), (f"{detail}/send", {}), (f"{detail}/cancel", {}),
                               (f"{detail}/schedule", {"waktu": "2099-01-01T08:00"}),
                               (f"{detail}/ubah", {"title": "Disusupi", "body": "Isi susupan."}),
                               (f"{BASE}/baru", {"title": "Disusupi", "body": "Isi susupan."})):
            r = await second.post(action, data={"csrf_token": token, **fields})
            assert r.status_code == 403 and "Formulir kedaluwarsa" in r.text, (action, token[:8])
    row = await rt.broadcasts.get(aid)
    assert (row.state, row.approved_by, row.title) == ("draft", None, "Vaksinasi anak")
    assert (await rt.broadcasts.page(limit=10))[1] == 1 and await _outbox_rows(client, aid) == 0


async def test_the_canary_pause_is_explained_with_the_time_the_rest_starts(client, browser):
    """Friction 11: a broadcast that waits on its canary says so, instead of looking stalled."""
    rt = client.app.state.runtime
    await _subscribers(rt, 30)
    rt.broadcasts.canary_percent, rt.broadcasts.canary_wait = 10, 600
    author, second = await _signed_in(browser, client, "humas1"), await _signed_in(browser, client, "humas2")
    aid = await _compose(author, kecamatan=[KAG])
    detail = f"{BASE}/{aid}"
    await second.get(detail)
    assert (await _post(second, detail, f"{detail}/approve")).status_code == 303
    assert (await _post(author, detail, f"{detail}/send")).status_code == 303
    row = await rt.broadcasts.get(aid)
    page = (await author.get(detail)).text
    due = row.canary_until.astimezone(WIB)
    assert f"Uji coba: {row.canary_size} penerima pertama dikirim lebih dulu; sisanya mulai" in page
    assert f"{due:%H.%M} WIB jika yang gagal atau berhenti berlangganan kurang dari 5%" in page
