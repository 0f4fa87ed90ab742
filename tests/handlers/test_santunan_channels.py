"""Lapor kematian end to end on web chat, Telegram and WhatsApp (documents included, through the
fakes), a redelivered confirmation, perbaikan from the chat, and the notice the worker sends."""
from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import func, select

from bot.worker import Worker
from conversations.messages_id import MSG
from services.santunan import WIB
from services.staff import StaffInfo
from storage.models import Report, ReportDocument
from tests.conftest import chat
from tests.handlers.conftest import post_tg, post_wa, tg_update, wa_form

JPEG = b"\xff\xd8\xff\xe0" + b"\x01" * 300
PDF = b"%PDF-1.4\n" + b"\x02" * 300


def script(nik: str, documents: list) -> list:
    """The answers, in order; a document answer is a dict describing the media to send."""
    return ["lapor kematian", "ya", "Rahmawati", "Anak", nik, "Ahmad Sanusi", "kemarin", "kayu agng", "sukadana",
            "1602011203150001", "Saya sendiri", "0812 3456 7890", "nanti", *documents, "Benar, kirim"]


async def _count(client, model) -> int:
    async with client.app.state.runtime.db.connect() as conn:
        return int(await conn.scalar(select(func.count()).select_from(model)))


async def test_web_chat_files_a_report_with_documents_to_follow(client):
    replies = []
    for text in script("1602015708850003", ["nanti"] * 5):
        replies = await chat(client, "web-rep", text)
    assert replies[0]["text"].startswith("Laporan sudah kami terima dan simpan.")
    assert "Dokumen yang belum dikirim" in replies[1]["text"]
    async with client.app.state.runtime.db.connect() as conn:
        report = (await conn.execute(select(Report))).one()
    assert (report.status, report.desa_code, report.heir_phone) == ("diajukan", "16.02.05.1008", "+6281234567890")
    assert report.date_of_death == datetime.now(WIB).date() - timedelta(days=1)  # "kemarin", in OKI's time


async def test_a_covered_worker_s_family_is_told_about_jkm(client):
    from tests.services.test_coverage import _load

    await _load(client.app.state.runtime.settings.database_url, client.app.state.runtime.settings.secret_key)
    replies = []
    for text in script("1602015708850003", ["nanti"] * 5):  # SITI AMINAH is in the coverage list until 2099
        replies = await chat(client, "web-jkm", text)
    jkm = replies[-1]["text"]
    assert "Jaminan Kematian (JKM) sebesar Rp42 juta" in jkm and "Lapak Asik" in jkm
    async with client.app.state.runtime.db.connect() as conn:
        flags = (await conn.execute(select(Report.jkm_covered, Report.jkm_told))).one()
    assert tuple(flags) == (True, True)


async def test_telegram_with_photos_and_a_pdf_and_a_redelivered_confirmation(client, fake_telegram, settings):
    fake_telegram.add_file("sktm", JPEG)
    fake_telegram.add_file("akta", PDF)
    photo = {"photo": [{"file_id": "sktm", "file_unique_id": "u1", "width": 9, "height": 9, "file_size": len(JPEG)}]}
    pdf = {"document": {"file_id": "akta", "file_unique_id": "u2", "file_name": "akta.pdf",
                        "mime_type": "application/pdf", "file_size": len(PDF)}}
    answers = script("1602015708850004", [photo, pdf, "nanti", "nanti", "nanti"])
    for i, answer in enumerate(answers):
        message = answer if isinstance(answer, dict) else {"text": answer}
        assert (await post_tg(client, tg_update(5000 + i, 801, **message))).status_code == 200
    texts = fake_telegram.texts_to(801)
    assert any(t.startswith("Laporan sudah kami terima dan simpan.") for t in texts)
    # each file is acknowledged before the next is asked for (staff UX review, friction 18)
    assert any("Surat Keterangan Tidak Mampu (SKTM) diterima ✓\nKirim foto atau PDF akta kematian" in t
               for t in texts)
    assert any(f"{MSG.doc_akta_kematian} diterima ✓\n" in t for t in texts)
    final = tg_update(5000 + len(answers) - 1, 801, text="Benar, kirim")
    await post_tg(client, final)  # Telegram delivers the confirmation again
    assert await _count(client, Report) == 1 and await _count(client, ReportDocument) == 2
    async with client.app.state.runtime.db.connect() as conn:
        kinds = sorted(k for (k,) in await conn.execute(select(ReportDocument.kind)))
    assert kinds == ["akta_kematian", "sktm"]
    assert len(list((settings.data_dir / "attachments").rglob("*.*"))) == 2


async def test_whatsapp_with_media_and_the_same_nik_again(client, fake_twilio):
    photo = fake_twilio.add_media("ME9", JPEG, "image/jpeg")
    answers = script("1602015708850006", [{"NumMedia": "1", "MediaUrl0": photo, "MediaContentType0": "image/jpeg"},
                                          "nanti", "nanti", "nanti", "nanti"])
    for i, answer in enumerate(answers):
        extra = answer if isinstance(answer, dict) else {}
        await post_wa(client, wa_form(f"SMrep{i}", "+6281280100000", "" if extra else answer, **extra))
    bodies = fake_twilio.shown_to("+6281280100000")
    assert any(b.startswith("Laporan sudah kami terima dan simpan.") for b in bodies)
    reference = next(b for b in bodies if b.startswith("Laporan sudah kami terima")).split("Nomor laporan: ")[1][:11]
    # another number: told a report exists, never which one or where it stands (security review F2)
    for i, text in enumerate(["lapor kematian", "ya", "Budi", "Anak", "1602015708850006"]):
        await post_wa(client, wa_form(f"SMdup{i}", "+6281280100001", text))
    other = fake_twilio.shown_to("+6281280100001")[-1]
    assert other.startswith("Untuk NIK ini sudah ada laporan santunan") and reference not in other
    # the family that filed it: shown its own report
    for i, text in enumerate(["lapor kematian", "ya", "Budi", "Anak", "1602015708850006"]):
        await post_wa(client, wa_form(f"SMown{i}", "+6281280100000", text))
    own = fake_twilio.shown_to("+6281280100000")[-1]
    assert own.startswith("NIK ini sudah pernah dilaporkan") and reference in own
    assert await _count(client, Report) == 1


async def test_perbaikan_asked_by_staff_is_answered_from_the_chat(client, fake_telegram):
    rt = client.app.state.runtime
    for i, text in enumerate(script("1602015708850007", ["nanti"] * 5)):
        await post_tg(client, tg_update(6000 + i, 802, text=text))
    async with rt.db.connect() as conn:
        reference = await conn.scalar(select(Report.reference))
    kades = StaffInfo(9, "kades", "kades", "16.02.05", "16.02.05.1008")
    await rt.santunan.transition(reference=reference, to="perlu_perbaikan", note="internal-zx9 cek ulang",
                                 message_to_family="SKTM belum ada", staff=kades)
    assert await Worker(rt).send_due() == 1  # the notice goes out through the Bot API
    notice = fake_telegram.texts_to(802)[-1]
    assert reference in notice and "perlu perbaikan" in notice and "SKTM belum ada" in notice
    assert "internal-zx9" not in " ".join(fake_telegram.texts_to(802))  # the internal note stays with staff
    fake_telegram.add_file("sktm2", JPEG)
    await post_tg(client, tg_update(6100, 802, text="cek status"))
    await post_tg(client, tg_update(6101, 802, text=reference.lower().replace("-", " ")))
    assert "Yang perlu dilengkapi: SKTM belum ada" in fake_telegram.texts_to(802)[-1]
    await post_tg(client, tg_update(6102, 802, photo=[{"file_id": "sktm2", "file_unique_id": "u3", "width": 9,
                                                       "height": 9, "file_size": len(JPEG)}]))
    assert fake_telegram.texts_to(802)[-1] == MSG.st_doc_received.format(count=1)
    await post_tg(client, tg_update(6103, 802, text="selesai"))
    assert fake_telegram.texts_to(802)[-1] == MSG.st_resubmitted
    report = await rt.santunan.get(reference)
    assert report.status == "diajukan" and report.needs is None
    assert [d.kind for d in await rt.santunan.documents(report)] == ["lain"]


async def test_a_report_outside_the_window_is_explained_and_nothing_is_stored(client):
    for text in ["lapor kematian", "ya", "Rahmawati", "Anak", "1602015708850008", "Ahmad"]:
        await chat(client, "web-late", text)
    [reply] = await chat(client, "web-late", (date.today() - timedelta(days=20)).strftime("%d-%m-%Y"))
    assert reply["text"].startswith("Mohon maaf, santunan kematian hanya bisa diajukan paling lambat 7 hari")
    assert await _count(client, Report) == 0


async def test_no_consent_stores_nothing(client):
    await chat(client, "web-no", "lapor kematian")
    [reply] = await chat(client, "web-no", "tidak")
    assert reply["text"] == MSG.rep_no_consent and await _count(client, Report) == 0


async def test_the_deceased_s_own_subscriptions_end(client):
    from storage.models import Contact
    from tests.services.test_coverage import _load

    rt = client.app.state.runtime
    await _load(rt.settings.database_url, rt.settings.secret_key)
    for text in ["cek bpjs", "1602015708850003", "Siti Aminah", "langganan semua"]:  # she proves who she is
        await chat(client, "web-siti", text)
    for text in script("1602015708850003", ["nanti"] * 5):  # later her son reports her death
        await chat(client, "web-son", text)
    async with rt.db.connect() as conn:
        siti = (await conn.execute(select(Contact).where(Contact.channel_user_id == "web-siti"))).one()
    assert not siti.subscribed and siti.opted_out_via == "meninggal"
