"""The web chat as a channel the outbox delivers to: a status notice for a report filed from the web
chat, and an announcement to web subscribers, reach GET /api/chat/messages after the worker runs
(never `held`); the cursor gives each message once, oldest first; an unknown id gets nothing and
makes no contact; nobody reads another user's messages; the query is validated and polls are
limited per address in a bucket of their own. On SQLite locally, PostgreSQL and Redis in CI."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from bot.worker import Worker
from conversations.model import Choice, Reply
from handlers.dispatch import SendFailed
from services.lookups import WebLimits
from services.staff import StaffInfo
from storage.models import Contact, OutboxMessage, Report, WebMessage, utcnow
from tests.conftest import chat
from tests.handlers.test_broadcast import _drain, _send, _subscribers
from tests.handlers.test_santunan_channels import script

KADES = StaffInfo(9, "kades", "kades", "16.02.05", "16.02.05.1008")  # Sukadana, where the script's report is


@pytest.fixture
def settings(settings):
    """Only the workers each test runs (on SQLite the app would run one of its own as well, racing them)."""
    return settings.model_copy(update={"worker_in_process": False})


async def _poll(client, user: str, after: str | None = None) -> dict:
    params = {"user": user, **({"after": after} if after is not None else {})}
    r = await client.get("/api/chat/messages", params=params)
    assert r.status_code == 200, r.text
    return r.json()


async def _count(client, model) -> int:
    async with client.app.state.runtime.db.connect() as conn:
        return int(await conn.scalar(select(func.count()).select_from(model)))


async def _web_user(client, user: str) -> int:
    contact = await client.app.state.runtime.contacts.touch(channel="web", channel_user_id=user, at=utcnow())
    return contact.id


async def _push(client, user: str, *texts: str) -> list[str]:
    return await client.app.state.runtime.web.send(user, [Reply(t) for t in texts])


async def test_a_status_notice_for_a_report_filed_from_the_web_chat_reaches_the_page(client):
    rt = client.app.state.runtime
    for text in script("1602015708850003", ["nanti"] * 5):
        await chat(client, "web-pelapor", text)
    assert await _poll(client, "web-pelapor") == {"messages": [], "cursor": None}  # nothing sent to them yet
    async with rt.db.connect() as conn:
        reference = await conn.scalar(select(Report.reference))
    await rt.santunan.transition(reference=reference, to="perlu_perbaikan", note="internal-zx9 cek ulang",
                                 message_to_family="SKTM belum ada", staff=KADES)
    assert await Worker(rt).send_due() == 1
    async with rt.db.connect() as conn:
        row = (await conn.execute(select(OutboxMessage.status, OutboxMessage.provider_id)
                                  .where(OutboxMessage.channel == "web"))).one()
    assert row.status == "sent" and row.provider_id.startswith("web:")  # not `held` any more
    got = await _poll(client, "web-pelapor")
    [notice] = got["messages"]
    assert reference in notice["text"] and "perlu perbaikan" in notice["text"] and "SKTM belum ada" in notice["text"]
    assert "internal-zx9" not in notice["text"]  # the internal note stays with staff
    assert notice["choices"] == [] and got["cursor"] == notice["id"] == row.provider_id.removeprefix("web:")
    assert await _poll(client, "web-pelapor", got["cursor"]) == {"messages": [], "cursor": got["cursor"]}


async def test_the_cursor_gives_each_message_once_oldest_first(client):
    await _web_user(client, "web-kursor")
    ids = await _push(client, "web-kursor", "satu", "dua")
    assert [i.startswith("web:") for i in ids] == [True, True]
    first = await _poll(client, "web-kursor")
    assert [m["text"] for m in first["messages"]] == ["satu", "dua"] and first["cursor"] == ids[1][4:]
    assert await _poll(client, "web-kursor", first["cursor"]) == {"messages": [], "cursor": first["cursor"]}
    await _push(client, "web-kursor", "tiga")
    await client.app.state.runtime.web.send("web-kursor", [Reply("empat", (Choice("ya", "Ya"), Choice("t", "Tidak")))])
    later = await _poll(client, "web-kursor", first["cursor"])
    assert [(m["text"], m["choices"]) for m in later["messages"]] == [("tiga", []), ("empat", ["Ya", "Tidak"])]
    again = await _poll(client, "web-kursor", first["messages"][0]["id"])  # an older cursor: what came after it
    assert [m["text"] for m in again["messages"]] == ["dua", "tiga", "empat"]
    ids = [int(m["id"]) for m in (await _poll(client, "web-kursor"))["messages"]]
    assert ids == sorted(ids) and len(set(ids)) == 4


async def test_at_most_fifty_at_a_time(client):
    await _web_user(client, "web-banyak")
    await _push(client, "web-banyak", *[f"pesan {i}" for i in range(55)])
    page = await _poll(client, "web-banyak")
    assert [m["text"] for m in page["messages"]] == [f"pesan {i}" for i in range(50)]
    rest = await _poll(client, "web-banyak", page["cursor"])
    assert [m["text"] for m in rest["messages"]] == [f"pesan {i}" for i in range(50, 55)]


async def test_an_announcement_reaches_web_subscribers_and_nobody_else(client, fake_telegram):
    rt = client.app.state.runtime
    [subscriber_reply] = await chat(client, "web-langganan", "langganan semua")
    assert subscriber_reply["text"]
    async with rt.db.connect() as conn:
        assert await conn.scalar(select(Contact.subscribed).where(Contact.channel_user_id == "web-langganan"))
    await _web_user(client, "web-bukan")  # talks to us, never subscribed
    await _subscribers(rt, 2)  # and two on Telegram
    assert (await rt.broadcasts.audience(None)).get("web") == 1
    before = (await _poll(client, "web-langganan"))["cursor"]
    await _send(rt, "Pasar murah")
    await _drain(Worker(rt))
    [message] = (await _poll(client, "web-langganan", before))["messages"]
    assert "Pasar murah" in message["text"] and "Isi Pasar murah." in message["text"]
    assert (await _poll(client, "web-bukan"))["messages"] == []
    assert len([c for c in fake_telegram.named("sendMessage") if "Pasar murah" in c.params["text"]]) == 2
    async with rt.db.connect() as conn:
        statuses = dict((await conn.execute(select(OutboxMessage.channel, OutboxMessage.status)
                                            .where(OutboxMessage.kind == "broadcast", OutboxMessage.channel == "web")))
                        .all())
    assert statuses == {"web": "sent"}


async def test_an_unknown_id_gets_nothing_and_makes_no_contact(client):
    contacts = await _count(client, Contact)
    assert await _poll(client, "web-tidak-dikenal") == {"messages": [], "cursor": None}
    assert await _poll(client, "web-tidak-dikenal", "12") == {"messages": [], "cursor": None}
    assert await _count(client, Contact) == contacts


async def test_nobody_reads_another_user_s_messages(client):
    await _web_user(client, "web-ani")
    await _web_user(client, "web-budi")
    await _push(client, "web-ani", "untuk Ani")
    await _push(client, "web-budi", "untuk Budi")
    assert [m["text"] for m in (await _poll(client, "web-ani"))["messages"]] == ["untuk Ani"]
    assert [m["text"] for m in (await _poll(client, "web-budi", "0"))["messages"]] == ["untuk Budi"]
    assert (await _poll(client, "web-ani-lain"))["messages"] == []


async def test_a_web_address_without_a_contact_fails_for_good(client):
    with pytest.raises(SendFailed, match="permanent"):
        await _push(client, "web-hilang", "halo")
    assert await _count(client, WebMessage) == 0


async def test_forgetting_a_contact_deletes_what_waits_for_them(client):
    contact_id = await _web_user(client, "web-lupakan")
    await _push(client, "web-lupakan", "status laporan")
    forgotten = await client.app.state.runtime.data_rights._people.forget(contact_ids=[contact_id])
    assert forgotten.web_messages_deleted == 1 and await _count(client, WebMessage) == 0


@pytest.mark.parametrize("params", [
    {}, {"user": ""}, {"user": "w" * 65}, {"user": "web x"}, {"user": "<script>"}, {"user": "web-\u00e9"},
    {"user": "web-ok", "after": "abc"}, {"user": "web-ok", "after": "-1"}, {"user": "web-ok", "after": ""},
    {"user": "web-ok", "after": "1" * 19}, {"user": "web-ok", "after": "1.5"},
])
async def test_the_query_is_validated(client, params):
    r = await client.get("/api/chat/messages", params=params)
    assert r.status_code == 422
    assert "<script>" not in r.text and "abc" not in r.text  # the answer never echoes the input


async def test_polls_are_limited_per_address_in_their_own_bucket(client):
    rt = client.app.state.runtime
    rt.lookups.web = WebLimits(polls_per_minute_ip=5)
    codes = [(await client.get("/api/chat/messages", params={"user": f"web-p{i}"})).status_code for i in range(6)]
    assert codes == [200] * 5 + [429]
    refused = await client.get("/api/chat/messages", params={"user": "web-p9"})
    assert refused.status_code == 429 and 0 < int(refused.headers["retry-after"]) <= 60
    assert (await client.post("/api/chat", json={"user": "web-p0", "text": "halo"})).status_code == 200


async def test_the_page_polls_with_syntax_old_browsers_know_and_text_nodes_only(client):
    js = (await client.get("/static/chat.js")).text
    assert "/api/chat/messages" in js and "visibilitychange" in js and "layanan-oki-cursor" in js
    assert "?." not in js and "??" not in js and ".innerHTML" not in js
