"""A contact's access to and erasure of their data (UU PDP No. 27/2022): DATA SAYA and HAPUS DATA
SAYA from any point of a chat, and the same through the staff API for admins, both audited without
personal data; santunan reports stay whole, only unlinked."""
from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from bot.worker import Worker
from conversations.messages_id import MSG
from services.staff import StaffInfo
from storage.models import AuditEntry, Contact, OutboxMessage, Report, Staff
from tests.bot.test_api_registry import _token
from tests.conftest import chat
from tests.guardrail_fields import PAPER
from tests.handlers.conftest import post_tg, post_wa, tg_update, wa_form
from tests.handlers.test_santunan_channels import script
from tests.services.test_coverage import _load

WA = "+6281355500009"
KADES = StaffInfo(9, "kades", "kades", "16.02.05", "16.02.05.1008")


@pytest.fixture
def settings(settings):
    return settings.model_copy(update={"worker_in_process": False})


class Phone:
    """One WhatsApp user: what they send, and the last thing they were sent."""

    def __init__(self, client, fake_twilio, number: str = WA) -> None:
        self.client, self.fake, self.number, self._n = client, fake_twilio, number, 0

    async def say(self, *texts: str) -> str:
        for text in texts:
            self._n += 1
            assert (await post_wa(self.client, wa_form(f"SM{self.number[-4:]}x{self._n}", self.number, text))
                    ).status_code == 200
        return self.fake.shown_to(self.number)[-1]


async def _rows(client, model, *where):
    async with client.app.state.runtime.db.connect() as conn:
        return list(await conn.execute(select(model).where(*where)))


async def _contact(client, user: str):
    [row] = await _rows(client, Contact, Contact.channel_user_id == user)
    return row


async def _audit(client, action: str) -> list:
    return await _rows(client, AuditEntry, AuditEntry.action == action)


def _no_personal_data(entries) -> None:
    for e in entries:
        text = f"{e.actor} {e.target} {e.detail}"
        assert "0813" not in text and "+62" not in text and "1602" not in text and "Budi" not in text, text
        assert all(isinstance(v, int | bool) or k == "via" for k, v in json.loads(e.detail).items()), e.detail


async def test_data_saya_shows_what_is_held_masked_and_leaves_the_conversation_as_it_was(client, fake_twilio):
    await _load(client.app.state.runtime.settings.database_url, client.app.state.runtime.settings.secret_key)
    phone = Phone(client, fake_twilio)
    await phone.say("cek bpjs", "1602015708850003", "Siti Aminah", "langganan", "2", "pedamaran")
    await phone.say(*script("1602015708850004", ["nanti"] * 5))
    assert (await phone.say("cek bpjs")).startswith("Cek kepesertaan")
    shown = await phone.say("Data Saya")
    assert shown.startswith("Data Anda yang kami simpan:")
    for part in ("WhatsApp, nomor 0813*****009", "Nama profil: Budi", "Kecamatan Pedamaran",
                 "NIK tertaut: 160201******0003", "SK-", "diajukan, menunggu pemeriksaan desa/kelurahan"):
        assert part in shown, part
    assert "6281355500009" not in shown and "1602015708850003" not in shown
    assert (await phone.say("1602015708850003")) == MSG.cov_ask_name  # the lookup it interrupted goes on
    [entry] = await _audit(client, "privacy.access")
    assert entry.actor == entry.target == f"contact:{(await _contact(client, WA)).id}"
    _no_personal_data([entry])


async def test_hapus_data_saya_asks_first_then_forgets_and_keeps_the_report(client, fake_twilio):
    rt = client.app.state.runtime
    phone = Phone(client, fake_twilio)
    await phone.say("langganan semua", *script("1602015708850004", ["nanti"] * 5))
    [report] = await _rows(client, Report)
    await rt.santunan.transition(reference=report.reference, to="diverifikasi_desa", note=None, staff=KADES,
                                 details=PAPER)
    before = await _contact(client, WA)
    assert (await _rows(client, OutboxMessage, OutboxMessage.contact_id == before.id))  # a notice waits for them

    await phone.say("lapor kematian", "ya")  # in the middle of something else
    asked = await phone.say("hapus data saya")
    assert asked.startswith("Anda meminta kami menghapus data Anda.") and report.reference in asked
    assert "arsip pemerintah" in asked and "Pasal 15" in asked
    assert await phone.say("tidak") == MSG.erase_kept
    assert (await _contact(client, WA)).subscribed  # nothing changed

    await phone.say("HAPUS DATA SAYA")
    assert await phone.say("Ya, hapus") == MSG.erase_done_reports.format(references=report.reference)
    assert MSG.erase_done in fake_twilio.shown_to(WA)[-2:]
    gone = (await _rows(client, Contact, Contact.id == before.id))[0]
    assert (gone.channel_user_id, gone.phone, gone.display_name, gone.nik_hash, gone.subscribed) == (
        f"erased:{before.id}", None, None, None, False)
    assert not await _rows(client, OutboxMessage, OutboxMessage.status == "pending")
    assert await Worker(rt).send_due() == 0  # the notice that waited is not sent
    [kept] = await _rows(client, Report)
    assert (kept.reporter_contact_id, kept.kk_number, kept.heir_phone, kept.reporter_name) == (
        None, "1602011203150001", "+6281234567890", "Rahmawati")
    [erased] = await _audit(client, "privacy.erase")
    assert erased.actor == erased.target == f"contact:{before.id}"
    detail = json.loads(erased.detail)
    assert detail["reports_detached"] == 1 and detail["outbox_deleted"] == 1 and detail["subscriptions_ended"] == 1
    _no_personal_data([erased])

    await phone.say("halo")  # writing again: a new contact, with nothing of the old one
    again = await _contact(client, WA)
    assert again.id != before.id and not again.subscribed
    assert "tidak ada" in (await phone.say("data saya")).split("Laporan santunan yang Anda ajukan:")[1][:12]


async def test_erasing_a_staff_member_s_chat_unlinks_the_account(client, fake_telegram):
    rt = client.app.state.runtime
    kades = await rt.staff.create(username="kades.sukadana", role="kades", password="kata-sandi-rahasia",
                                  desa="16.02.05.1008", actor="test")
    code = (await rt.staff_links.issue_code(staff=kades)).code
    for i, text in enumerate([f"TAUTKAN {code}", "hapus data saya", "ya"]):
        await post_tg(client, tg_update(7100 + i, 7001, text))
    assert fake_telegram.texts_to(7001)[-1] == MSG.erase_done
    [account] = await _rows(client, Staff, Staff.id == kades.id)
    assert account.contact_id is None and await rt.staff_links.chat_of(staff_id=kades.id) is None


async def test_the_words_work_on_the_web_chat_from_any_step(client):
    await chat(client, "web-x", "lapor kematian")
    await chat(client, "web-x", "ya")
    [shown] = await chat(client, "web-x", "data saya")
    assert "Saluran: web chat" in shown["text"] and "Langganan pengumuman: tidak berlangganan" in shown["text"]
    assert (await chat(client, "web-x", "Rahmawati"))[0]["text"].endswith(MSG.rep_ask_relationship)  # still reporting
    [asked] = await chat(client, "web-x", "hapus data saya")
    assert asked["choices"] == [MSG.erase_yes, MSG.erase_no] and "Laporan santunan" not in asked["text"]
    [done] = await chat(client, "web-x", "1")
    assert done["text"] == MSG.erase_done
    assert (await chat(client, "web-x", "Ahmad"))[0]["text"] == MSG.not_understood  # the report in progress is gone


@pytest.fixture
async def admin(client):
    return await _token(client, "admin1", "admin")


async def test_the_staff_api_is_for_admins_only(client, admin):
    dinsos = await _token(client, "dinsos1", "dinsos")
    await chat(client, "web-y", "langganan semua")  # a greeting alone makes no contact
    cid = (await _contact(client, "web-y")).id
    for method, path, body in (("GET", f"/api/v1/contacts/{cid}/data", None),
                               ("POST", f"/api/v1/contacts/{cid}/erase", None),
                               ("POST", "/api/v1/contacts/data", {"channel": "web", "user_id": "web-y"}),
                               ("POST", "/api/v1/contacts/erase", {"channel": "web", "user_id": "web-y"})):
        assert (await client.request(method, path, json=body)).status_code == 401
        assert (await client.request(method, path, json=body, headers=dinsos)).status_code == 403
    assert (await client.get("/api/v1/contacts/99999/data", headers=admin)).status_code == 404
    assert (await client.post("/api/v1/contacts/erase", json={"channel": "web", "user_id": "nobody"},
                              headers=admin)).status_code == 404
    assert not (await _contact(client, "web-y")).channel_user_id.startswith("erased:")


async def test_an_admin_sees_and_erases_a_contact_found_by_id_or_number(client, admin, fake_twilio):
    rt = client.app.state.runtime
    phone = Phone(client, fake_twilio)
    await phone.say("langganan semua", *script("1602015708850006", ["nanti"] * 5))
    cid = (await _contact(client, WA)).id
    r = await client.get(f"/api/v1/contacts/{cid}/data", headers=admin)
    body = r.json()
    assert r.status_code == 200 and body["user_id"] == body["phone"] == "0813*****009"
    assert (body["channel"], body["subscribed"], body["erased"], body["display_name"]) == ("whatsapp", True, False,
                                                                                            "Budi")
    assert [x["status"] for x in body["reports"]] == ["diajukan"] and "6281355500009" not in r.text
    for spelled in ("0813-5550-0009", "+62 813 5550 0009", "whatsapp:+6281355500009"):
        found = await client.post("/api/v1/contacts/data", json={"channel": "whatsapp", "user_id": spelled},
                                  headers=admin)
        assert found.status_code == 200 and found.json()["id"] == cid, spelled
    erased = await client.post("/api/v1/contacts/erase", json={"channel": "whatsapp", "user_id": "081355500009"},
                               headers=admin)
    result = erased.json()
    assert erased.status_code == 200 and result["erased"] and result["reports_detached"] == 1
    assert [x["reference"] for x in result["reports_kept"]] == [body["reports"][0]["reference"]]
    after = (await client.get(f"/api/v1/contacts/{cid}/data", headers=admin)).json()
    assert after["erased"] and after["phone"] is None and after["reports"] == [] and not after["subscribed"]
    again = await client.post(f"/api/v1/contacts/{cid}/erase", headers=admin)
    assert again.status_code == 200 and again.json()["reports_detached"] == 0  # twice is harmless
    entries = await _audit(client, "privacy.erase") + await _audit(client, "privacy.access")
    [actor] = {e.actor for e in entries}
    assert actor.startswith("staff:") and {e.target for e in entries} == {f"contact:{cid}"}
    assert {json.loads(e.detail)["via"] for e in entries} == {"api"}
    _no_personal_data(entries)
    async with rt.db.connect() as conn:
        assert await conn.scalar(select(func.count()).select_from(Report)) == 1
