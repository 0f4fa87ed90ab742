"""Verification from the chat, end to end through the fake Telegram and Twilio: a kades and a camat
link their own chats with a one-time code, are told of a report waiting for them (Telegram with
inline buttons, WhatsApp with the words to type), verify it with a button press or ask for perbaikan
with a note, under the same rules, history and audit as the web; anyone else typing the words gets
the citizen's answer, and the reporter hears of every move."""
from __future__ import annotations

import json
import time

from sqlalchemy import select, update

from bot.worker import Worker
from conversations.messages_id import MSG
from storage.models import OutboxMessage, Report, Staff, utcnow
from tests.handlers.conftest import post_tg, post_wa, tg_update, wa_form
from tests.handlers.test_santunan_channels import script

PW = "kata-sandi-rahasia"
KAG, SUKADANA, KEDATON = "16.02.05", "16.02.05.1008", "16.02.05.1007"
KADES_TG, KADES_OTHER_TG, REPORTER_TG, STRANGER_TG = 901, 903, 902, 904
CAMAT_WA = "+6281200000009"


class Chats:
    """Posts updates with fresh ids, and reads what each chat was sent."""

    def __init__(self, client, fake_telegram, fake_twilio) -> None:
        self.client, self.tg, self.wa = client, fake_telegram, fake_twilio
        self.rt = client.app.state.runtime
        self._next = 10000

    def _id(self) -> int:
        self._next += 1
        return self._next

    async def telegram(self, chat_id: int, text: str) -> str:
        assert (await post_tg(self.client, tg_update(self._id(), chat_id, text=text))).status_code == 200
        return self.tg.texts_to(chat_id)[-1]

    async def press(self, chat_id: int, data: str) -> str:
        """A press on an inline button under one of the bot's messages (a callback_query update)."""
        message = {"message_id": 77, "date": int(time.time()), "text": "…",
                   "chat": {"id": chat_id, "type": "private", "first_name": "Kades"},
                   "from": {"id": 7000001, "is_bot": True, "first_name": "Layanan OKI"}}
        update = {"update_id": self._id(), "callback_query": {
            "id": f"cb{self._next}", "chat_instance": "1", "data": data, "message": message,
            "from": {"id": chat_id, "is_bot": False, "first_name": "Kades"}}}
        assert (await post_tg(self.client, update)).status_code == 200
        return self.tg.texts_to(chat_id)[-1]

    async def whatsapp(self, number: str, text: str) -> str:
        assert (await post_wa(self.client, wa_form(f"SMstaff{self._id()}", number, text))).status_code == 200
        return self.wa.shown_to(number)[-1]

    async def staff(self, username: str, role: str, **area):
        return await self.rt.staff.create(username=username, role=role, password=PW, actor="test", **area)

    async def code(self, staff) -> str:
        return (await self.rt.staff_links.issue_code(staff=staff)).code

    async def file_report(self) -> str:
        """A citizen reports a death in Desa Sukadana, Kec. Kayu Agung, from Telegram."""
        for text in script("1602015708850003", ["nanti"] * 5):
            await self.telegram(REPORTER_TG, text)
        async with self.rt.db.connect() as conn:
            return await conn.scalar(select(Report.reference))


def _markup(fake_telegram, chat_id: int) -> dict:
    return [c.params for c in fake_telegram.named("sendMessage") if int(c.params["chat_id"]) == chat_id][-1].get(
        "reply_markup") or {}


async def test_a_kades_verifies_from_a_button_and_a_camat_asks_for_perbaikan(client, fake_telegram, fake_twilio):
    chats = Chats(client, fake_telegram, fake_twilio)
    rt = chats.rt
    kades = await chats.staff("kades.sukadana", "kades", desa=SUKADANA)
    other = await chats.staff("kades.kedaton", "kades", desa=KEDATON)
    camat = await chats.staff("camat.kayuagung", "camat", kecamatan=KAG)
    linked = await chats.telegram(KADES_TG, f"TAUTKAN {await chats.code(kades)}")
    assert linked == MSG.link_done.format(username="kades.sukadana", role="kepala desa/lurah")
    assert (await chats.telegram(KADES_OTHER_TG, f"tautkan {await chats.code(other)}")).startswith("Berhasil.")
    assert (await chats.whatsapp(CAMAT_WA, f"Tautkan {(await chats.code(camat)).lower()}")).startswith("Berhasil.")

    reference = await chats.file_report()
    await Worker(rt).send_due()
    told = fake_telegram.texts_to(KADES_TG)[-1]
    assert told.startswith(f"Laporan santunan {reference} menunggu pemeriksaan desa/kelurahan.")
    assert "Sukadana, Kec. Kayu Agung" in told and "A. S." in told and "Ahmad" not in told
    assert told.endswith(f"/admin/laporan/{reference}")  # a deep link to the report page (friction 10)
    assert _markup(fake_telegram, KADES_TG) == {"inline_keyboard": [[
        {"text": MSG.staff_verify, "callback_data": f"VERIFIKASI {reference}"},
        {"text": MSG.staff_fix, "callback_data": f"PERBAIKAN {reference}"}]]}
    assert fake_telegram.texts_to(KADES_OTHER_TG)[-1].startswith("Berhasil.")  # the other desa hears nothing
    assert fake_twilio.shown_to(CAMAT_WA)[-1].startswith("Berhasil.")  # nor the camat, yet

    # a linked kades of another desa cannot verify it; a contact nobody linked gets the citizen's answer
    assert await chats.telegram(KADES_OTHER_TG, f"VERIFIKASI {reference}") == MSG.staff_not_found.format(
        reference=reference)
    assert await chats.telegram(STRANGER_TG, f"VERIFIKASI {reference}") == MSG.not_understood
    assert (await rt.santunan.get(reference)).status == "diajukan"

    # the kades presses Verifikasi: no document yet, so only the report page can verify, with a reason
    refused = await chats.press(KADES_TG, f"VERIFIKASI {reference}")
    assert refused.startswith(f"Laporan {reference} belum lengkap dokumennya: SKTM") and "/admin/laporan/" in refused
    assert (await rt.santunan.get(reference)).status == "diajukan"
    for kind in ("sktm", "akta_kematian", "kk", "ktp_almarhum", "ktp_ahli_waris"):  # seen at the kantor desa
        await rt.santunan.guard.set_check(report=await rt.santunan.get(reference), kind=kind,
                                          state="diperiksa_langsung", actor=kades.actor)
    asked = await chats.press(KADES_TG, f"VERIFIKASI {reference}")  # asked first (friction 24)
    assert asked == MSG.staff_confirm_verify.format(reference=reference)
    assert (await rt.santunan.get(reference)).status == "diajukan"
    answered = len(fake_telegram.named("answerCallbackQuery"))
    reply = await chats.press(KADES_TG, f"VERIFIKASI {reference} YA")
    assert reply == MSG.staff_verified.format(reference=reference, status=MSG.status_names["diverifikasi_desa"])
    assert len(fake_telegram.named("answerCallbackQuery")) == answered + 1
    report = await rt.santunan.get(reference)
    assert report.status == "diverifikasi_desa"
    assert (await rt.santunan.history(report))[-1].actor == kades.actor
    moves = [e for e in await rt.audit.recent() if e.action == "report.transition"]
    assert [(e.actor, e.detail) for e in moves] == [(kades.actor, {"from": "diajukan", "to": "diverifikasi_desa",
                                                                   "override": False})]
    again = await chats.press(KADES_TG, f"VERIFIKASI {reference} YA")  # pressed twice: explained, nothing moves
    assert again.startswith(f"Laporan {reference} tidak bisa diverifikasi") and len(
        [e for e in await rt.audit.recent() if e.action == "report.transition"]) == 1

    # the reporter hears of it; the camat is told in WhatsApp, with the words to type
    await Worker(rt).send_due()
    assert fake_telegram.texts_to(REPORTER_TG)[-1].startswith(f"Kabar laporan santunan {reference}: sudah diperiksa")
    camat_told = fake_twilio.shown_to(CAMAT_WA)[-1]
    assert f"{reference} menunggu pemeriksaan kecamatan" in camat_told and f"VERIFIKASI {reference}" in camat_told

    # the camat asks for perbaikan: the note comes in the next message
    typed = reference.lower().replace("-", " ")
    assert await chats.whatsapp(CAMAT_WA, f"perbaikan {typed}") == MSG.staff_ask_note.format(reference=reference)
    assert await chats.whatsapp(CAMAT_WA, "ok") == MSG.staff_note_retry
    done = await chats.whatsapp(CAMAT_WA, "SKTM belum ada")
    assert done == MSG.staff_fix_sent.format(reference=reference, note="SKTM belum ada")
    report = await rt.santunan.get(reference)
    assert (report.status, report.needs, report.returns_to) == ("perlu_perbaikan", "SKTM belum ada",
                                                                "diverifikasi_desa")
    last = (await rt.santunan.history(report))[-1]
    assert (last.actor, last.family_message, last.note) == (camat.actor, "SKTM belum ada", None)
    await Worker(rt).send_due()
    notice = fake_telegram.texts_to(REPORTER_TG)[-1]
    assert "perlu perbaikan" in notice and "SKTM belum ada" in notice

    # the family sends what was missing: the camat is told again that it waits for them
    await rt.santunan.resubmit(report=report, actor=f"contact:{report.reporter_contact_id}", documents=())
    await Worker(rt).send_due()
    again_told = fake_twilio.shown_to(CAMAT_WA)[-1]
    assert again_told.startswith(MSG.staff_report_again) and reference in again_told


async def test_a_wrong_or_expired_code_is_refused_kindly_and_the_conversation_goes_on(client, fake_telegram,
                                                                                   fake_twilio):
    chats = Chats(client, fake_telegram, fake_twilio)
    kades = await chats.staff("kades.sukadana", "kades", desa=SUKADANA)
    code = await chats.code(kades)
    asked = await chats.telegram(905, "langganan")
    assert asked.endswith(MSG.sub_ask_scope)
    assert await chats.telegram(905, "TAUTKAN 2345ABCD") == MSG.link_wrong
    assert await chats.telegram(905, "1") == MSG.sub_done_all  # still at the question it was on
    async with chats.rt.db.begin() as conn:
        await conn.execute(update(Staff).where(Staff.id == kades.id).values(link_code_expires_at=utcnow()))
    assert await chats.telegram(905, f"TAUTKAN {code}") == MSG.link_expired
    assert await chats.telegram(905, "tautkan") == MSG.link_how
    assert await chats.rt.staff_links.staff_for((await chats.rt.contacts.touch(
        channel="telegram", channel_user_id="905", at=utcnow())).id) is None
    assert await chats.telegram(905, f"VERIFIKASI {'SK-7KQ4-M2H'}") == MSG.not_understood


async def test_a_disabled_or_unlinked_account_is_a_citizen_again(client, fake_telegram, fake_twilio):
    chats = Chats(client, fake_telegram, fake_twilio)
    rt = chats.rt
    kades = await chats.staff("kades.sukadana", "kades", desa=SUKADANA)
    await chats.telegram(KADES_TG, f"TAUTKAN {await chats.code(kades)}")
    reference = await chats.file_report()
    assert await chats.telegram(KADES_TG, f"PERBAIKAN {reference}") == MSG.staff_ask_note.format(reference=reference)
    await rt.staff.set_active(staff_id=kades.id, active=False, actor="test")
    assert await chats.telegram(KADES_TG, "foto KK tidak terbaca") == MSG.staff_unlinked
    assert await chats.telegram(KADES_TG, f"VERIFIKASI {reference}") == MSG.not_understood
    await rt.staff.set_active(staff_id=kades.id, active=True, actor="test")
    await rt.staff_links.unlink(staff_id=kades.id, actor=kades.actor)
    assert await chats.telegram(KADES_TG, f"VERIFIKASI {reference}") == MSG.not_understood
    assert (await rt.santunan.get(reference)).status == "diajukan"


async def test_the_author_of_a_paused_broadcast_is_told_in_their_chat(client, fake_telegram, fake_twilio):
    from tests.handlers.test_broadcast import _drain, _subscribers, _watch_is_over

    chats = Chats(client, fake_telegram, fake_twilio)
    rt = chats.rt
    humas = await chats.staff("humas.satu", "humas")
    await chats.telegram(906, f"TAUTKAN {await chats.code(humas)}")
    await _subscribers(rt, 50)
    rt.broadcasts.require_approval = False
    rt.broadcasts.canary_percent, rt.broadcasts.canary_wait, rt.broadcasts.canary_threshold = 1, 300, 5
    a = await rt.broadcasts.create(title="Kenari", body="Uji kenari.", link=None, kecamatan=None, author=humas)
    a = await rt.broadcasts.send(announcement_id=a.id, staff=humas)
    for _ in range(3):
        fake_telegram.fail_next("sendMessage", 400, {"ok": False, "error_code": 400,
                                                     "description": "Bad Request: chat not found"})
    await _drain(Worker(rt))
    await _watch_is_over(rt, a)
    assert await rt.broadcasts.check_canaries() == 1
    async with rt.db.connect() as conn:
        body = await conn.scalar(select(OutboxMessage.body).where(OutboxMessage.address == "906"))
    assert json.loads(body)["notice"] == "announcement_paused"
    await Worker(rt).send_due()
    told = fake_telegram.texts_to(906)[-1]
    assert told.startswith('Pengumuman "Kenari" dihentikan sementara. Alasan: uji awal: 3 dari 20')


async def test_the_t_me_deep_link_links_the_chat_in_one_tap(client, fake_telegram, fake_twilio):
    """t.me/<bot>?start=<code> opens the bot and sends "/start <code>": the same as TAUTKAN <code>."""
    chats = Chats(client, fake_telegram, fake_twilio)
    kades = await chats.staff("kades.sukadana", "kades", desa=SUKADANA)
    linked = await chats.telegram(KADES_TG, f"/start {await chats.code(kades)}")
    assert linked == MSG.link_done.format(username="kades.sukadana", role="kepala desa/lurah")
    assert (await chats.rt.staff_links.chat_of(staff_id=kades.id)).channel == "telegram"
