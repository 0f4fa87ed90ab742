"""The front door (GET /), the first staff login hint, and the web chat's upload (POST
/api/chat/upload): a photo taken at a document step as on the messaging channels, anything else
refused kindly with nothing changed."""
from __future__ import annotations

import base64
import re

from conversations.messages_id import MSG
from tests.conftest import chat

# an 8x8 JPEG that decodes
JPEG = base64.b64decode(
    "/9j/4AAQSkZJRgABAQAAAQABAAD/2wBDABALDA4MChAODQ4SERATGCgaGBYWGDEjJR0oOjM9PDkzODdASFxOQERXRTc4UG1RV19iZ2hnPk1xeXBkeFxl"
    "Z2P/2wBDARESEhgVGC8aGi9jQjhCY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2P/wAARCAAIAAgDASIAAhEB"
    "AxEB/8QAHwAAAQUBAQEBAQEAAAAAAAAAAAECAwQFBgcICQoL/8QAtRAAAgEDAwIEAwUFBAQAAAF9AQIDAAQRBRIhMUEGE1FhByJxFDKBkaEII0KxwRVS"
    "0fAkM2JyggkKFhcYGRolJicoKSo0NTY3ODk6Q0RFRkdISUpTVFVWV1hZWmNkZWZnaGlqc3R1dnd4eXqDhIWGh4iJipKTlJWWl5iZmqKjpKWmp6ipqrKz"
    "tLW2t7i5usLDxMXGx8jJytLT1NXW19jZ2uHi4+Tl5ufo6erx8vP09fb3+Pn6/8QAHwEAAwEBAQEBAQEBAQAAAAAAAAECAwQFBgcICQoL/8QAtREAAgEC"
    "BAQDBAcFBAQAAQJ3AAECAxEEBSExBhJBUQdhcRMiMoEIFEKRobHBCSMzUvAVYnLRChYkNOEl8RcYGRomJygpKjU2Nzg5OkNERUZHSElKU1RVVldYWVpj"
    "ZGVmZ2hpanN0dXZ3eHl6goOEhYaHiImKkpOUlZaXmJmaoqOkpaanqKmqsrO0tba3uLm6wsPExcbHyMnK0tPU1dbX2Nna4uPk5ebn6Onq8vP09fb3+Pn6"
    "/9oADAMBAAIRAxEAPwDWooor586j/9k=")
ANSWERS = ("lapor kematian", "ya", "Rahmawati", "anak", "1602024501800021", "Ahmad Sanusi", "kemarin", "Tanjung Lubuk",
           "Ulak Kapal", "1602021203150001", "Rahmawati", "081234500001", "BRI", "1234567890", "Rahmawati")


async def _upload(client, user: str, data: bytes, name: str = "sktm.jpg", ctype: str = "image/jpeg"):
    return await client.post("/api/chat/upload", data={"user": user}, files={"file": (name, data, ctype)})


async def _at_first_document(client, user: str) -> str:
    for text in ANSWERS:
        replies = await chat(client, user, text)
    last = replies[-1]["text"]
    assert re.search(r"sktm|tidak mampu", last, re.I), last
    return last


async def test_the_front_door_says_what_the_service_is_and_links_every_way_in(client):
    r = await client.get("/")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    page = r.text
    for href in ('href="/chat"', 'href="/pengumuman"', 'href="/pengumuman/feed.xml"', 'href="/admin"'):
        assert href in page
    assert "Lapor kematian" in page and "Cek status laporan" in page and 'lang="id"' in page
    assert "wa.me" not in page and "t.me" not in page  # neither channel is configured here


async def test_the_front_door_has_the_whatsapp_link_its_qr_code_and_telegram(settings):
    import httpx

    from bot.app import create_app

    app = create_app(settings.model_copy(update={"twilio_account_sid": "AC" + "1" * 32, "twilio_auth_token": "t",
                                                 "twilio_whatsapp_from": "whatsapp:+6281100001111",
                                                 "telegram_bot_username": "layanan_oki_bot"}))
    async with app.router.lifespan_context(app):
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as c:
            page = (await c.get("/")).text
    assert 'href="https://wa.me/6281100001111?text=halo"' in page and 'href="https://t.me/layanan_oki_bot"' in page
    assert "<svg" in page and MSG.landing_qr_title in page  # the QR code, drawn by segno


async def test_admin_says_how_to_create_the_first_staff_account_until_one_exists(client):
    page = (await client.get("/admin/login")).text
    assert "Belum ada akun staf" in page and "create-staff admin --role admin --password-stdin" in page
    await client.app.state.runtime.staff.create(username="admin.pertama", role="admin",
                                                password="Rahasia-Staf-2026!", actor="test")
    assert "Belum ada akun staf" not in (await client.get("/admin/login")).text


async def test_a_photo_from_the_web_chat_answers_the_document_step_and_is_stored(client, settings):
    user = "web-upload-1"
    await _at_first_document(client, user)
    r = await _upload(client, user, JPEG)
    assert r.status_code == 200
    assert re.search(r"akta", r.json()["replies"][-1]["text"], re.I)
    stored = [p for p in (settings.data_dir / "attachments").rglob("*") if p.is_file()]
    assert len(stored) == 1 and stored[0].read_bytes() == JPEG


async def test_what_is_not_a_photo_or_pdf_is_refused_kindly_and_changes_nothing(client, settings):
    user = "web-upload-2"
    asked = await _at_first_document(client, user)
    for data, name, ctype in ((b"<html><script>alert(1)</script></html>", "x.jpg", "image/jpeg"),
                              (b"MZ\x90\x00" + b"\x00" * 100, "a.pdf", "application/pdf"),
                              (b"", "kosong.jpg", "image/jpeg")):
        r = await _upload(client, user, data, name, ctype)
        assert r.status_code == 200
        said = r.json()["replies"][0]["text"]
        assert said in (MSG.media_bad_type, MSG.upload_no_file), said
    big = JPEG + b"\x00" * (settings.attachment_max_bytes + 10)
    r = await _upload(client, user, big)
    assert r.status_code in (200, 413)
    assert not [p for p in (settings.data_dir / "attachments").rglob("*") if p.is_file()]
    # still at the same step: the next photo is taken for it
    r = await _upload(client, user, JPEG)
    assert re.search(r"akta", r.json()["replies"][-1]["text"], re.I) and asked


async def test_an_upload_with_a_bad_user_id_is_refused(client):
    r = await client.post("/api/chat/upload", data={"user": "<script>"}, files={"file": ("a.jpg", JPEG, "image/jpeg")})
    assert r.status_code == 422


async def test_a_saved_conversation_goes_on_on_another_device_once(client):
    r = await client.post("/api/chat", json={"user": "web-neverseen", "text": "simpan percakapan"})
    assert r.json()["replies"][0]["text"] == MSG.handoff_nothing
    for text in ("lapor kematian", "ya"):
        await chat(client, "web-olddevice", text)
    said = (await chat(client, "web-olddevice", "Simpan percakapan ini"))[0]["text"]
    code = re.search(r"\*([A-Z0-9]{4}-[A-Z0-9]{4})\*", said).group(1)
    r = await client.post("/api/chat", json={"user": "web-newdevice", "text": f"lanjut {code.lower()}"})
    assert r.json()["user"] == "web-olddevice" and r.json()["replies"][0]["text"] == MSG.handoff_done
    # the new page now speaks as the old id: the same form, at the same question
    assert MSG.rep_ask_relationship.split("?")[0] in (await chat(client, "web-olddevice", "Rahmawati"))[-1]["text"]
    again = await client.post("/api/chat", json={"user": "web-third", "text": f"LANJUT {code}"})
    assert "user" not in again.json() and again.json()["replies"][0]["text"].startswith("Kode itu tidak berlaku")
    wrong = await client.post("/api/chat", json={"user": "web-third", "text": "lanjut AAAA-BBBB"})
    assert "user" not in wrong.json()
