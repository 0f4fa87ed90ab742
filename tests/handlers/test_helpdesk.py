"""The helpdesk on every channel (issue 15): a citizen reaches a person; while a ticket is open the
bot starts nothing, acknowledges now and then, and `berhenti`, `selesai` and `menu` keep their
meaning; staff replies arrive on the citizen's channel; past WhatsApp's 24-hour window the approved
template goes and the reply waits; out of office hours the citizen is told once a day; idle tickets
close, long waits escalate; one open ticket per contact even when messages race. On SQLite locally,
on PostgreSQL and Redis in CI."""
from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from sqlalchemy import func, select, update

from bot.app import create_app
from bot.logs import QUIET
from bot.worker import Worker
from conversations.messages_id import MSG
from services.office_hours import WIB, OfficeHours
from storage.models import Contact, Ticket, TicketMessage
from tests.clock import Clock
from tests.conftest import chat
from tests.handlers.conftest import post_tg, post_wa, tg_update, wa_form

ALWAYS = OfficeHours.parse("Mon-Sun 00:00-24:00")
COVERAGE = "cek kepesertaan bpjs ketenagakerjaan"


@pytest.fixture
def settings(settings):
    return settings.model_copy(update={"helpdesk_hours": "Mon-Sun 00:00-24:00",
                                       "helpdesk_template_sid": "HX" + "7" * 32})


def _texts(replies) -> str:
    return "\n".join(r["text"] for r in replies)


async def _tickets(client) -> list:
    async with client.app.state.runtime.db.connect() as conn:
        return list(await conn.execute(select(Ticket).order_by(Ticket.id)))


async def _lines(client, ticket_id: int) -> list[tuple[str, str]]:
    async with client.app.state.runtime.db.connect() as conn:
        return [(d, t) for d, t in await conn.execute(select(TicketMessage.direction, TicketMessage.text)
                                                      .where(TicketMessage.ticket_id == ticket_id)
                                                      .order_by(TicketMessage.id))]


async def _staff(client, role: str = "dinsos", **area):
    rt = client.app.state.runtime
    staff = await rt.staff.create(username=f"{role}.hd", role=role, password="Ruang-Tunggu-Kantor-7!", actor="cli",
                                  **area)
    return staff, {"Authorization": f"Bearer {rt.staff.issue_token(staff)[0]}"}


async def test_web_a_person_takes_over_and_hands_back(client):
    first = _texts(await chat(client, "web-hd", "saya mau bicara dengan petugas"))
    assert first == f"{MSG.hd_opened}\n{MSG.hd_ask_area}"  # no area known yet: asked once
    [ticket] = await _tickets(client)
    assert ticket.status == "open" and ticket.channel == "web"
    # while it is open the bot starts nothing, and does not answer every message
    assert await chat(client, "web-hd", COVERAGE) == []
    assert await chat(client, "web-hd", "halo, ada orang?") == []
    assert _texts(await chat(client, "web-hd", "petugas")) == MSG.hd_opened_again  # the same ticket
    assert len(await _tickets(client)) == 1
    assert [d for d, _ in await _lines(client, ticket.id)] == ["in", "in", "in", "in"]
    # menu asks first; staying keeps the ticket
    assert MSG.hd_leave_ask in _texts(await chat(client, "web-hd", "menu"))
    assert _texts(await chat(client, "web-hd", MSG.hd_leave_no)) == MSG.hd_stay
    assert (await _tickets(client))[0].status == "open"
    # berhenti keeps its meaning, and the conversation stays with the person
    assert MSG.unsub_not_subscribed in _texts(await chat(client, "web-hd", "berhenti"))
    # selesai closes it, asks how it went, and the bot is back
    closing = await chat(client, "web-hd", "selesai")
    assert MSG.hd_closed_by_you in _texts(closing) and [c for c in closing[-1]["choices"]] == [
        MSG.hd_rate_good, MSG.hd_rate_ok, MSG.hd_rate_bad]
    assert _texts(await chat(client, "web-hd", MSG.hd_rate_good)) == MSG.hd_rate_thanks
    [ticket] = await _tickets(client)
    assert (ticket.status, ticket.satisfaction, ticket.closed_by) == ("closed", 5, f"contact:{ticket.contact_id}")
    assert "NIK" in _texts(await chat(client, "web-hd", COVERAGE))


async def test_a_request_inside_a_form_keeps_the_form_and_names_the_step(client):
    await chat(client, "web-form", COVERAGE)
    assert _texts(await chat(client, "web-form", "gimana caranya ngomong sm petugas")).startswith(MSG.hd_opened)
    [ticket] = await _tickets(client)
    assert (ticket.topic, ticket.step) == ("kepesertaan", "cek_bpjs:nik")
    lines = await _lines(client, ticket.id)
    assert lines[0] == ("bot", MSG.cov_ask_nik)  # what the bot had said before the handover
    await chat(client, "web-form", "selesai")
    await chat(client, "web-form", "oke")  # not a rating: the question is not asked again
    # the form is where it was
    assert "nama lengkap" in _texts(await chat(client, "web-form", "1602015708850003")).lower()


async def test_the_staff_reply_reaches_telegram_and_closing_hands_back(client, fake_telegram):
    rt = client.app.state.runtime
    await post_tg(client, tg_update(7001, 910, text="petugas"))
    await post_tg(client, tg_update(7002, 910, text="laporan ibu saya belum ada kabar"))
    [ticket] = await _tickets(client)
    _, dinsos = await _staff(client)
    r = await client.post(f"/api/v1/helpdesk/tickets/{ticket.id}/messages", json={"text": "Sedang kami cek, Bu."},
                          headers=dinsos)
    assert r.status_code == 201 and r.json()["delivery"] == "queued"
    note = await client.post(f"/api/v1/helpdesk/tickets/{ticket.id}/notes", json={"text": "internal-77"},
                             headers=dinsos)
    assert note.status_code == 201
    await Worker(rt).send_due()
    assert fake_telegram.texts_to(910)[-1] == MSG.hd_reply.format(text="Sedang kami cek, Bu.")
    assert (await client.post(f"/api/v1/helpdesk/tickets/{ticket.id}/close", json={}, headers=dinsos)
            ).status_code == 200
    await Worker(rt).send_due()
    assert MSG.hd_closed in fake_telegram.texts_to(910)[-1]
    assert not any("internal-77" in t for t in fake_telegram.texts_to(910))
    await post_tg(client, tg_update(7003, 910, text="1"))  # the satisfaction answer: the first choice, Puas
    await post_tg(client, tg_update(7004, 910, text=COVERAGE))
    assert "NIK" in fake_telegram.texts_to(910)[-1]
    assert (await _tickets(client))[0].satisfaction == 5


async def test_whatsapp_past_the_window_gets_the_template_and_the_reply_waits(client, fake_twilio):
    rt = client.app.state.runtime
    number = "+6281299000111"
    await post_wa(client, wa_form("SMhd1", number, "saya perlu bantuan petugas"))
    [ticket] = await _tickets(client)
    _, dinsos = await _staff(client)
    long_ago = datetime.now(UTC) - timedelta(hours=25)
    async with rt.db.begin() as conn:  # the citizen last wrote 25 hours ago
        await conn.execute(update(Ticket).values(last_inbound_at=long_ago))
        await conn.execute(update(Contact).where(Contact.channel == "whatsapp").values(last_inbound_at=long_ago))
    listed = (await client.get("/api/v1/helpdesk/tickets?status=open", headers=dinsos)).json()["items"]
    assert listed[0]["window_left_seconds"] == 0  # the inbox says so before anyone types
    r = await client.post(f"/api/v1/helpdesk/tickets/{ticket.id}/messages", json={"text": "Sudah kami proses."},
                          headers=dinsos)
    assert r.json()["delivery"] == "template"
    await Worker(rt).send_due()
    sent = fake_twilio.sent_to(number)[-1]
    assert sent.get("ContentSid") == "HX" + "7" * 32 and "Sudah kami proses" not in json.dumps(sent)
    await post_wa(client, wa_form("SMhd2", number, "iya?"))  # they answer: the reply is delivered now
    assert MSG.hd_reply.format(text="Sudah kami proses.") in [m.get("Body") for m in fake_twilio.sent_to(number)]


async def test_out_of_hours_the_ticket_opens_and_the_citizen_is_told_once_a_day(client):
    helpdesk = client.app.state.runtime.helpdesk
    helpdesk.hours = OfficeHours.parse("Mon-Fri 08:00-15:00", "2026-12-25")
    helpdesk.clock = clock = Clock(datetime(2026, 12, 25, 10, 0, tzinfo=WIB))  # Christmas, a Friday
    opened = _texts(await chat(client, "web-night", "petugas"))
    assert MSG.hd_opened in opened and "hari Senin, 28 Desember, pukul 08.00 WIB" in opened
    assert len(await _tickets(client)) == 1
    assert await chat(client, "web-night", "tolong") == []  # told once today already
    clock.now += timedelta(days=1)
    assert "pukul 08.00 WIB" in _texts(await chat(client, "web-night", "masih ada?"))  # a new day: told again
    clock.now += timedelta(hours=2)
    assert _texts(await chat(client, "web-night", "halo")) == MSG.hd_ack  # acknowledged; the hours said once today


async def test_acknowledged_now_and_then_never_per_message(client):
    helpdesk = client.app.state.runtime.helpdesk
    helpdesk.clock = clock = Clock(datetime.now(UTC))
    await chat(client, "web-ack", "petugas")
    assert await chat(client, "web-ack", "satu") == []
    clock.now += timedelta(minutes=31)
    assert _texts(await chat(client, "web-ack", "dua")) == MSG.hd_ack
    assert await chat(client, "web-ack", "tiga") == []


async def test_idle_tickets_close_and_long_waits_are_escalated(client, fake_telegram):
    rt = client.app.state.runtime
    await post_tg(client, tg_update(7101, 920, text="petugas"))
    await post_tg(client, tg_update(7102, 921, text="petugas"))
    first, second = await _tickets(client)
    earlier = datetime.now(UTC) - timedelta(minutes=90)
    async with rt.db.begin() as conn:  # both have waited an hour and a half, unassigned
        await conn.execute(update(Ticket).values(waiting_since=earlier))
    assert await rt.helpdesk.escalate(after=timedelta(minutes=60)) == 2
    assert await rt.helpdesk.escalate(after=timedelta(minutes=60)) == 0  # once per ticket
    async with rt.db.begin() as conn:  # the first went quiet three days ago; the second is still talking
        await conn.execute(update(Ticket).where(Ticket.id == first.id)
                           .values(last_activity_at=datetime.now(UTC) - timedelta(hours=73)))
    await post_tg(client, tg_update(7103, 921, text="masih menunggu"))
    assert await rt.helpdesk.close_idle(after=timedelta(hours=72)) == 1
    await Worker(rt).send_due()
    assert MSG.hd_closed_idle in fake_telegram.texts_to(920)[-1]
    assert [t.status for t in await _tickets(client)] == ["closed", "open"]


async def test_one_open_ticket_when_two_processes_take_messages_at_once(settings):
    apps = [create_app(settings), create_app(settings)]
    async with apps[0].router.lifespan_context(apps[0]), apps[1].router.lifespan_context(apps[1]):
        clients = [httpx.AsyncClient(transport=httpx.ASGITransport(app=a), base_url="http://t") for a in apps]
        await clients[0].post("/api/chat", json={"user": "web-race", "text": "langganan semua"})
        await asyncio.gather(*(c.post("/api/chat", json={"user": "web-race", "text": f"petugas {i}"})
                               for i in range(3) for c in clients))
        async with apps[0].state.runtime.db.connect() as conn:
            assert await conn.scalar(select(func.count()).select_from(Ticket)) == 1
            assert await conn.scalar(select(func.count()).select_from(TicketMessage)) >= 6
        for c in clients:
            await c.aclose()


async def test_areas_decide_who_reads_a_ticket(client):
    rt = client.app.state.runtime
    await chat(client, "web-area", "langganan semua")
    contact = await rt.contacts.touch(channel="web", channel_user_id="web-area", at=datetime.now(UTC))
    async with rt.db.begin() as conn:
        await conn.execute(update(Contact).where(Contact.id == contact.id).values(subscription_kecamatan="16.02.05"))
    await chat(client, "web-area", "petugas")
    [ticket] = await _tickets(client)
    assert ticket.kecamatan_code == "16.02.05"
    _, camat = await _staff(client, "camat", kecamatan="16.02.05")
    rt2 = client.app.state.runtime
    other = await rt2.staff.create(username="camat.lain", role="camat", password="Ruang-Tunggu-Kantor-7!",
                                   actor="cli", kecamatan="16.02.03")
    other_h = {"Authorization": f"Bearer {rt2.staff.issue_token(other)[0]}"}
    assert (await client.get(f"/api/v1/helpdesk/tickets/{ticket.id}", headers=camat)).status_code == 200
    assert (await client.get(f"/api/v1/helpdesk/tickets/{ticket.id}", headers=other_h)).status_code == 404
    assert (await client.get("/api/v1/helpdesk/tickets", headers=other_h)).json()["total"] == 0
    assign = await client.post(f"/api/v1/helpdesk/tickets/{ticket.id}/assign", json={"username": "camat.lain"},
                               headers=camat)
    assert assign.status_code == 422  # not someone who may see it
    reads = [e for e in await rt.audit.recent(limit=50) if e.action == "helpdesk.read"]
    assert len(reads) == 1 and reads[0].target == f"ticket:{ticket.id}"  # every read of a transcript, audited


async def test_transcripts_are_personal_data_listed_erased_purged_and_never_logged(client, caplog):
    rt = client.app.state.runtime
    caplog.set_level("DEBUG")
    for name in QUIET:  # as `python -m bot serve` sets them (bot/logs.py): statement logs print parameters
        caplog.set_level("WARNING", logger=name)
    secret = "anak saya Budi sakit keras di rumah 0812 7777 6666"
    await chat(client, "web-pdp", "petugas")
    await chat(client, "web-pdp", secret)
    listed = _texts(await chat(client, "web-pdp", "data saya"))
    [ticket] = await _tickets(client)
    assert f"#{ticket.id}" in listed and "masih berjalan" in listed
    assert secret not in caplog.text and "7777" not in caplog.text and "Budi" not in caplog.text
    # a closed one outlives its retention: the purge deletes it with its transcript
    await chat(client, "web-pdp", "selesai")
    async with rt.db.begin() as conn:
        await conn.execute(update(Ticket).values(closed_at=datetime.now(UTC) - timedelta(days=181)))
    assert (await rt.retention.purge(dry_run=True)).counts["tickets"] == 1
    assert (await rt.retention.purge()).counts["tickets"] == 1
    assert await _tickets(client) == []
    # HAPUS DATA SAYA takes the transcripts with it
    await chat(client, "web-pdp", "petugas")
    await chat(client, "web-pdp", secret)
    await chat(client, "web-pdp", "selesai")
    await chat(client, "web-pdp", "hapus data saya")
    await chat(client, "web-pdp", MSG.erase_yes)
    async with rt.db.connect() as conn:
        assert await conn.scalar(select(func.count()).select_from(TicketMessage)) == 0


@pytest.mark.parametrize("answer", ["label", "1"])  # "1": the numbered list WhatsApp shows
async def test_asked_from_a_reports_status_the_ticket_is_linked_to_it(client, answer):
    from services.santunan import Draft

    rt = client.app.state.runtime
    await chat(client, "web-fam", "langganan semua")
    family = await rt.contacts.touch(channel="web", channel_user_id="web-fam", at=datetime.now(UTC))
    report = await rt.santunan.file(Draft(
        deceased_nik="1602015708850003", deceased_name="AHMAD SANUSI", date_of_death=datetime.now(WIB).date(),
        kecamatan_code="16.02.05", desa_code="16.02.05.1008", kk_number="1602011203150001", reporter_name="Rahmawati",
        reporter_relationship="Anak", heir_name="Rahmawati", heir_phone="+6281234567890"),
        filed_by=f"contact:{family.id}", contact=family)
    await chat(client, "web-fam", "cek status laporan")
    shown = await chat(client, "web-fam", report.reference)
    [ask] = shown[-1]["choices"]
    assert report.reference in ask
    assert _texts(await chat(client, "web-fam", ask if answer == "label" else "1")) == MSG.hd_opened
    [ticket] = await _tickets(client)
    assert (ticket.report_id, ticket.topic, ticket.kecamatan_code, ticket.desa_code) == (
        report.id, "santunan", "16.02.05", "16.02.05.1008")  # the report's area: its kades and camat see it


async def test_an_unknown_area_is_asked_once_and_routes_the_ticket(client):
    rt = client.app.state.runtime
    assert _texts(await chat(client, "web-where", "petugas")).endswith(MSG.hd_ask_area)
    [ticket] = await _tickets(client)
    assert ticket.kecamatan_code is None  # for Dinas Sosial only, until the citizen says
    _, camat = await _staff(client, "camat", kecamatan="16.02.05")
    assert (await client.get(f"/api/v1/helpdesk/tickets/{ticket.id}", headers=camat)).status_code == 404
    said = _texts(await chat(client, "web-where", "saya dari Kayu Agung, desa Sukadana"))
    assert said == MSG.hd_area_thanks.format(place="desa Sukadana")
    [ticket] = await _tickets(client)
    assert ticket.kecamatan_code == "16.02.05" and ticket.desa_code.startswith("16.02.05.")
    assert (await client.get(f"/api/v1/helpdesk/tickets/{ticket.id}", headers=camat)).status_code == 200
    # asked once: a later message naming another place changes nothing, and goes to the transcript
    assert await chat(client, "web-where", "Pedamaran") == []
    assert (await _tickets(client))[0].kecamatan_code == "16.02.05"
    assert [t for _, t in await _lines(client, ticket.id)][-1] == "Pedamaran"
    kinds = [e.kind for e in await rt.helpdesk._tickets.events(ticket.id)]
    assert kinds.count("area_asked") == 1 and kinds.count("area") == 1


async def test_an_answer_naming_no_place_is_not_asked_again(client):
    await chat(client, "web-noplace", "petugas")
    assert await chat(client, "web-noplace", "laporan saya belum ada kabar") == []
    assert await chat(client, "web-noplace", "Pedamaran") == []  # not taken as the area any more
    [ticket] = await _tickets(client)
    assert ticket.kecamatan_code is None


async def test_a_form_s_kecamatan_gives_the_ticket_its_area_without_asking(client):
    for text in ("lapor kematian", "ya", "Rahmawati", "anak", "1602015708850003", "Ahmad Sanusi", "kemarin",
                 "kayu agung", "sukadana"):
        await chat(client, "web-formarea", text)
    said = _texts(await chat(client, "web-formarea", "saya mau bicara dengan petugas"))
    assert said.startswith(MSG.hd_opened) and MSG.hd_ask_area not in said
    [ticket] = await _tickets(client)
    assert (ticket.kecamatan_code, ticket.topic, ticket.step) == ("16.02.05", "santunan", "lapor_kematian:kk")
    assert ticket.desa_code is not None and ticket.desa_code.startswith("16.02.05.")
