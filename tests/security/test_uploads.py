"""F17: a citizen's file is never a page. At upload (Telegram and WhatsApp both go through
handlers/attachments.keep), a file with photo or PDF magic that is also HTML or script (a
polyglot), or a PDF with JavaScript or an automatic action, gets the "bad_type" answer and is not
stored; ordinary JPEG, PNG and PDF files still are. (How a stored one is served: test_documents.py.)"""
from __future__ import annotations

import pytest

from conversations.messages_id import MSG
from storage.files import holds_active_content
from tests.handlers.conftest import post_tg, post_wa, settings, tg_update, wa_form  # noqa: F401 (the fixture)

JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(range(256)) * 4
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + bytes(range(256)) * 4
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n%%EOF\n"
POLYGLOTS = {
    "jpeg+script": JPEG + b"<script>fetch('/admin')</script>",
    "png+svg": PNG + b'<svg onload="alert(1)">',
    "pdf+html": b"%PDF-1.4\n<!DOCTYPE html><html><body>klik</body></html>",
    "pdf+iframe": PDF + b"<IFRAME src=//evil.example>",
    "jpeg+javascript-url": JPEG + b"JavaScript:alert(1)",
    "pdf+js": b"%PDF-1.4\n1 0 obj << /S /JavaScript /JS (app.alert(1)) >> endobj",
    "pdf+openaction": b"%PDF-1.4\n1 0 obj << /Type /Catalog /OpenAction 3 0 R >> endobj",
    "pdf+launch": b"%PDF-1.4\n1 0 obj << /S /Launch /F (cmd.exe) >> endobj",
    "pdf+aa": b"%PDF-1.4\n1 0 obj << /AA << /O 4 0 R >> >> endobj",
    "pdf+escaped-js": b"%PDF-1.4\n1 0 obj << /S /J#61vaScript /J#53 (x) >> endobj",
}


def _stored(settings) -> list[bytes]:  # noqa: F811
    root = settings.data_dir / "attachments"
    return sorted(p.read_bytes() for p in root.rglob("*") if p.is_file()) if root.exists() else []


@pytest.mark.parametrize("name", sorted(POLYGLOTS))
def test_active_content_is_found(name):
    kind = "application/pdf" if name.startswith("pdf") else "image/jpeg" if name.startswith("jpeg") else "image/png"
    assert holds_active_content(POLYGLOTS[name], kind)


def test_ordinary_files_are_not_active():
    for data, kind in ((JPEG, "image/jpeg"), (PNG, "image/png"), (PDF, "application/pdf"),
                       (b"%PDF-1.4\n<< /JSONish /AAB /Font /Arial#20Bold >>", "application/pdf")):
        assert not holds_active_content(data, kind)


async def test_telegram_refuses_polyglots_and_keeps_ordinary_files(client, fake_telegram, settings):  # noqa: F811
    for i, (name, data) in enumerate(sorted(POLYGLOTS.items())):
        fake_telegram.add_file(f"bad{i}", data)
        document = {"file_id": f"bad{i}", "file_unique_id": f"bad{i}u", "file_name": "ktp.jpg",
                    "mime_type": "image/jpeg", "file_size": len(data)}
        await post_tg(client, tg_update(100 + i, 601, document=document))
        assert fake_telegram.texts_to(601)[-1] == MSG.media_bad_type, name
    assert _stored(settings) == []
    for i, data in enumerate((JPEG, PNG, PDF)):
        fake_telegram.add_file(f"ok{i}", data)
        document = {"file_id": f"ok{i}", "file_unique_id": f"ok{i}u", "file_name": "ktp", "file_size": len(data)}
        await post_tg(client, tg_update(200 + i, 602, document=document))
        assert fake_telegram.texts_to(602)[-1] != MSG.media_bad_type
    assert _stored(settings) == sorted((JPEG, PNG, PDF))


async def test_whatsapp_refuses_polyglots_and_keeps_ordinary_files(client, fake_twilio, settings):  # noqa: F811
    number = "+6281200000601"
    for i, (name, data) in enumerate(sorted(POLYGLOTS.items())):
        url = fake_twilio.add_media(f"MEB{i}", data, "image/jpeg")
        await post_wa(client, wa_form(f"SMB{i}", number, "", NumMedia="1", MediaUrl0=url,
                                      MediaContentType0="image/jpeg"))
        assert fake_twilio.shown_to(number)[-1] == MSG.media_bad_type, name
    assert _stored(settings) == []
    for i, (data, kind) in enumerate(((JPEG, "image/jpeg"), (PNG, "image/png"), (PDF, "application/pdf"))):
        url = fake_twilio.add_media(f"MEO{i}", data, kind)
        await post_wa(client, wa_form(f"SMO{i}", "+6281200000602", "", NumMedia="1", MediaUrl0=url,
                                      MediaContentType0=kind))
    assert _stored(settings) == sorted((JPEG, PNG, PDF))

