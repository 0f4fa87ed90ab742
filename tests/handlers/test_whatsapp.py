"""WhatsApp webhook end to end: the real twilio library against a fake Twilio REST API on loopback."""
from __future__ import annotations

import json
import urllib.parse
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from starlette.datastructures import FormData

from conversations.messages_id import MSG
from conversations.model import Choice, Reply
from handlers.whatsapp import WhatsAppChannel
from storage.db import make_engine
from storage.models import SentMessage
from tests.handlers.conftest import AUTH, PUBLIC, payload, post_wa, sign, wa_form

JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 300
EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response />'


async def _rows(settings) -> list[SentMessage]:
    engine = make_engine(settings.database_url)
    async with engine.connect() as conn:
        rows = list(await conn.execute(select(SentMessage).order_by(SentMessage.id)))
    await engine.dispose()
    return rows


async def test_forged_missing_or_internally_signed_requests_are_refused(client, fake_twilio):
    form = wa_form("SM1", "+6281200000001", "halo")
    assert (await post_wa(client, form, signature="AAAAAAAAAAAAAAAAAAAAAAAAAAA=")).status_code == 403
    assert (await post_wa(client, form, signature=None)).status_code == 403
    # signed over the URL the app itself sees behind a TLS-terminating proxy: not what Twilio signs
    internal = sign("/webhooks/whatsapp", form, base="http://testserver")
    assert (await post_wa(client, form, signature=internal)).status_code == 403
    tampered = {**form, "Body": "berhenti"}
    assert (await post_wa(client, tampered, signature=sign("/webhooks/whatsapp", form))).status_code == 403
    assert fake_twilio.named("Messages.json") == []
    # the same message signed over the public URL is accepted
    assert (await post_wa(client, form)).status_code == 200


async def test_a_message_is_answered_through_rest_with_a_numbered_menu(client, fake_twilio):
    fake_twilio.content_api = False  # a base URL without the Content API: the menu as numbered text
    r = await post_wa(client, wa_form("SM2", "+6281200000002", "halo"))
    assert r.status_code == 200 and r.text == EMPTY_TWIML
    sent = fake_twilio.sent_to("+6281200000002")
    assert [m["Body"].split("\n")[0] for m in sent] == [MSG.welcome, MSG.menu]
    assert ("1. Cek kepesertaan BPJS Ketenagakerjaan\n2. Lapor kematian (santunan)\n3. Cek status laporan\n"
            "4. Pengumuman terbaru\n5. Langganan pengumuman\n6. Berhenti langganan\n7. Bicara dengan petugas\n"
            "8. Bantuan") in sent[1]["Body"]
    assert sent[1]["Body"].endswith(MSG.choose_hint)
    assert sent[0]["From"] == "whatsapp:+14155238886"
    assert sent[0]["StatusCallback"] == f"{PUBLIC}/webhooks/whatsapp/status"


async def test_number_and_words_both_choose(client, fake_twilio):
    await post_wa(client, wa_form("SM3a", "+6281200000003", "langganan"))
    await post_wa(client, wa_form("SM3b", "+6281200000003", "2"))
    await post_wa(client, wa_form("SM3c", "+6281200000003", "kayu agung"))
    await post_wa(client, wa_form("SM3d", "+6281200000003", "langganan"))
    await post_wa(client, wa_form("SM3e", "+6281200000003", "seluruh oki"))
    bodies = fake_twilio.shown_to("+6281200000003")
    assert bodies[2] == MSG.sub_done_kec.format(kecamatan="Kayu Agung") and bodies[-1] == MSG.sub_done_all


async def test_a_redelivered_message_is_answered_once(client, fake_twilio):
    form = wa_form("SM4", "+6281200000004", "halo")
    await post_wa(client, form)
    n = len(fake_twilio.named("Messages.json"))
    r = await post_wa(client, form)
    assert r.status_code == 200 and r.text == EMPTY_TWIML
    assert len(fake_twilio.named("Messages.json")) == n


@pytest.mark.parametrize("name", ["whatsapp_inbound_text.form", "whatsapp_inbound_location.form",
                                  "whatsapp_inbound_image.form"])
async def test_captured_bodies_without_current_fields_are_answered(client, fake_twilio, name):
    form = dict(urllib.parse.parse_qsl(payload(name), keep_blank_values=True))
    assert (await post_wa(client, form)).status_code == 200
    number = form["From"].removeprefix("whatsapp:")
    bodies = fake_twilio.shown_to(number)
    assert bodies
    if name.endswith("image.form"):  # its MediaUrl is on api.twilio.com, not our Twilio: never fetched
        assert bodies[0] == MSG.media_bad_type


async def test_media_is_fetched_with_the_account_credentials_and_checked(client, fake_twilio, settings):
    number = "+6281200000005"
    ok = fake_twilio.add_media("ME1", JPEG, "image/jpeg")
    big = fake_twilio.add_media("ME2", b"\xff\xd8\xff" + b"0" * (11 * 1024 * 1024), "image/jpeg")
    html = fake_twilio.add_media("ME3", b"<html>not a photo</html>", "image/jpeg")
    for i, url in enumerate((big, html, ok)):
        await post_wa(client, wa_form(f"SM5{i}", number, "", NumMedia="1", MediaUrl0=url,
                                      MediaContentType0="image/jpeg"))
    bodies = fake_twilio.shown_to(number)
    assert bodies[0].startswith("File yang Anda kirim terlalu besar") and bodies[1] == MSG.media_bad_type
    stored = list((settings.data_dir / "attachments").rglob("*"))
    assert [p.read_bytes() for p in stored if p.is_file()] == [JPEG]


async def test_status_callbacks_never_move_a_status_backwards(client, fake_twilio, settings):
    await post_wa(client, wa_form("SM6", "+6281200000006", "bantuan"))
    [row] = await _rows(settings)
    assert row.status == "queued" and row.contact_id is not None
    for status in ("sent", "read", "delivered", "sent"):  # read arrives before delivered
        callback = {"MessageSid": row.provider_id, "MessageStatus": status, "SmsStatus": status,
                    "AccountSid": "AC" + "0" * 32, "To": "whatsapp:+6281200000006", "EventType": status.upper()}
        r = await post_wa(client, callback, path="/webhooks/whatsapp/status")
        assert r.status_code == 204
    [row] = await _rows(settings)
    assert row.status == "read"
    failed = {"MessageSid": "SMunknown", "MessageStatus": "failed", "ErrorCode": "63016"}
    assert (await post_wa(client, failed, path="/webhooks/whatsapp/status")).status_code == 204
    assert (await post_wa(client, failed, path="/webhooks/whatsapp/status", signature="forged")).status_code == 403
    assert len(await _rows(settings)) == 1


async def test_captured_status_callback_shape_is_accepted(client, fake_twilio, settings):
    await post_wa(client, wa_form("SM7", "+6281200000007", "bantuan"))
    [row] = await _rows(settings)
    form = dict(urllib.parse.parse_qsl(payload("whatsapp_status_delivered.form"), keep_blank_values=True))
    form["MessageSid"] = row.provider_id
    assert (await post_wa(client, form, path="/webhooks/whatsapp/status")).status_code == 204
    assert (await _rows(settings))[0].status == "delivered"


async def test_when_rest_fails_the_reply_comes_back_as_twiml(client, fake_twilio):
    fake_twilio.fail_next(503, {"code": 20500, "message": "Internal Server Error", "status": 503})
    r = await post_wa(client, wa_form("SM8", "+6281200000008", "bantuan"))
    assert r.status_code == 200 and "<Message>" in r.text and "Cara memakai Layanan OKI" in r.text


async def test_messages_we_start_keep_the_24_hour_window(client, fake_twilio, settings):
    await post_wa(client, wa_form("SM9", "+6281200000009", "halo"))
    channel: WhatsAppChannel = client.app.state.runtime.whatsapp
    now = datetime.now(UTC)
    inside = await channel.send_started(address="+6281200000009", contact_id=1, text="Pengumuman A", variables={},
                                        last_inbound_at=now - timedelta(hours=23), now=now)
    held = await channel.send_started(address="+6281200000009", contact_id=1, text="Pengumuman B", variables={},
                                      last_inbound_at=now - timedelta(hours=25), now=now)
    assert inside.startswith("SM") and held is None
    assert fake_twilio.sent_to("+6281200000009")[-1]["Body"] == "Pengumuman A"
    rows = await _rows(settings)
    assert rows[-1].status == "held" and "24-hour" in rows[-1].reason and rows[-1].provider_id is None
    channel._template = "HX" + "1" * 32  # an approved template configured
    await channel.send_started(address="+6281200000009", contact_id=1, text="Pengumuman C",
                               variables={"1": "Judul", "2": "https://okikab.go.id/x"}, last_inbound_at=None, now=now)
    last = fake_twilio.sent_to("+6281200000009")[-1]
    assert last["ContentSid"] == "HX" + "1" * 32 and "Body" not in last
    assert json.loads(last["ContentVariables"]) == {"1": "Judul", "2": "https://okikab.go.id/x"}


def test_render_numbers_choices_and_splits_under_1600():
    bodies = WhatsAppChannel.render([Reply("Pilih", (Choice("a", "Satu"), Choice("b", "Dua"))),
                                     Reply("kata " * 1000)])
    assert bodies[0] == f"Pilih\n\n1. Satu\n2. Dua\n\n{MSG.choose_hint}"
    assert len(bodies) == 5 and all(len(b) <= 1600 for b in bodies)


async def test_twilio_validator_vectors_pass_through_our_verify(settings):
    vectors = payload("request_validator_vectors.json")
    for base in ("https://mycompany.com",):
        channel = WhatsAppChannel(account_sid="AC1", auth_token=vectors["auth_token"], sender="+1", api_base_url=base,
                                  public_base_url=base, template_sid="", attachments=None, deliveries=None,
                                  max_bytes=1)
        try:
            path = "/myapp.php?foo=1&bar=2"
            assert channel.verify(path, vectors["params"], vectors["expected_signature"])
            assert not channel.verify(path, {**vectors["params"], "Digits": "9"}, vectors["expected_signature"])
            dup = vectors["duplicate_params"]
            form = FormData(urllib.parse.parse_qsl(dup["form_body"]))
            assert channel.verify(path, form, dup["expected_signature"])  # repeated keys kept
            assert not channel.verify(path, dict(form), dup["expected_signature"])  # a dict would lose them
        finally:
            await channel.stop()
    assert AUTH  # the app's own token is a different one
