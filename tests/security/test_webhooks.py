"""The webhooks of the December security review (rows 1-22), each attack as the review ran it,
against the real app and the fake providers on loopback (tests/fakes/servers.py). On SQLite
locally; on PostgreSQL + Redis in CI (the `client`/`settings` fixtures switch by themselves).

Rows already kept elsewhere, not repeated here: no secret, a wrong one and secret + 1 character
(row 1, 2), `{not json` (row 3) and a redelivered update_id (row 6) in
tests/handlers/test_telegram.py; a file whose update declares it too large (row 7, first check)
and a wrong type named as a JPEG (row 8) there too; a WhatsApp request without a signature, with
a garbage one or one made over the app's internal URL (rows 10-12), a changed Body (row 14), a
replayed MessageSid (row 17), media over the limit (row 19) and a forged status callback (row 21)
in tests/handlers/test_whatsapp.py; 100 000-deep JSON (row 4, F11) and a 2 MB body to the
WhatsApp webhook (row 22, declared length) in tests/security/test_input_limits.py."""
from __future__ import annotations

import hmac
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest
from sqlalchemy import func, select

from conversations.messages_id import MSG
from storage.db import make_engine
from storage.models import SentMessage
from tests.handlers.conftest import (  # noqa: F401 (settings: the fixture with both channels on)
    PUBLIC,
    SECRET,
    post_tg,
    post_wa,
    settings,
    sign,
    tg_update,
    wa_form,
)

JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(range(256)) * 4
HTML = b"<!DOCTYPE html><html><body><script>fetch('/admin')</script></body></html>"
TG = "/webhooks/telegram"


def _stored(settings) -> list[str]:  # noqa: F811
    """Every file under DATA_DIR/attachments."""
    root = settings.data_dir / "attachments"
    return sorted(str(p) for p in root.rglob("*") if p.is_file()) if root.exists() else []


# --- Telegram ---
async def test_a_secret_one_character_short_or_empty_is_403_and_nothing_is_sent(client, fake_telegram):
    """Row 2: the secret minus one character, an empty header, and the secret with another case
    are refused; nothing is answered to the chat."""
    for i, secret in enumerate((SECRET[:-1], "", SECRET.upper(), " " + SECRET)):
        r = await post_tg(client, tg_update(1000 + i, 801, "halo"), secret=secret)
        assert r.status_code == 403, repr(secret)
    assert fake_telegram.texts_to(801) == []
    assert (await post_tg(client, tg_update(1010, 801, "halo"))).status_code == 200  # the right one passes


async def test_the_secret_is_compared_in_constant_time(client, fake_telegram, monkeypatch):
    """Row 2: the header is checked with hmac.compare_digest, not `==`."""
    import handlers.telegram as telegram_module

    seen, real = [], hmac.compare_digest

    def spy(a, b):
        seen.append((a, b))
        return real(a, b)

    monkeypatch.setattr(telegram_module.hmac, "compare_digest", spy)
    assert (await post_tg(client, tg_update(1020, 802, "halo"), secret="wrong")).status_code == 403
    assert seen == [(b"wrong", SECRET.encode())]


@pytest.mark.parametrize("body", [b"[1,2]", b'"update"', b"null", b"42", b"[]", b"\xff\xfe"])
async def test_json_that_is_no_object_is_200_and_ignored(client, fake_telegram, body):
    """Row 3: a JSON array (and any JSON that is not an object, or bytes that are not UTF-8) with
    the valid secret: 200, so Telegram does not redeliver, and nothing is done."""
    r = await client.post(TG, content=body, headers={"X-Telegram-Bot-Api-Secret-Token": SECRET,
                                                     "Content-Type": "application/json"})
    assert r.status_code == 200
    assert fake_telegram.named("sendMessage") == []


async def test_unparseable_updates_and_group_chats_are_200_and_ignored(client, fake_telegram, settings):  # noqa: F811
    """Row 5: Updates that do not parse (update_id as text, a chat that is no object), an Update
    with nothing in it, and messages from a group, a supergroup and a channel: 200, no answer, no
    contact."""
    group = tg_update(1030, -100200, "halo")
    group["message"]["chat"] = {"id": -100200, "type": "group", "title": "Warga"}
    supergroup = tg_update(1031, -100201, "halo")
    supergroup["message"]["chat"] = {"id": -100201, "type": "supergroup", "title": "Warga"}
    channel_post = {"update_id": 1032, "channel_post": {"message_id": 1, "date": int(time.time()), "text": "halo",
                                                        "chat": {"id": -100202, "type": "channel", "title": "Info"}}}
    broken = {"update_id": 1034, "message": {"message_id": 1, "text": "halo", "chat": "803"}}  # chat no object
    for update in ({"update_id": "abc"}, broken, group, supergroup, channel_post, {"update_id": 1033}):
        assert (await post_tg(client, update)).status_code == 200
    assert fake_telegram.named("sendMessage") == []
    engine = make_engine(settings.database_url)
    try:
        async with engine.connect() as conn:
            from storage.models import Contact

            assert (await conn.execute(select(func.count()).select_from(Contact))).scalar_one() == 0
    finally:
        await engine.dispose()


async def test_a_file_getfile_reports_too_large_is_refused_unfetched(client, fake_telegram, settings):  # noqa: F811
    """Row 7: the update says the photo is small, getFile says 12 MB (limit 10 MB): the citizen
    gets the too-large answer and nothing is downloaded or stored."""
    fake_telegram.add_file("big12", JPEG, declared_size=12 * 1024 * 1024)
    photo = [{"file_id": "big12", "file_unique_id": "big12u", "width": 90, "height": 90, "file_size": len(JPEG)}]
    assert (await post_tg(client, tg_update(1040, 804, photo=photo))).status_code == 200
    assert fake_telegram.texts_to(804)[-1].startswith("File yang Anda kirim terlalu besar")
    assert _stored(settings) == []


async def test_html_named_with_dot_dots_is_refused_and_nothing_lands_anywhere(client, fake_telegram,
                                                                               settings):  # noqa: F811
    """Row 8: HTML sent as a document named `../../x.html`, `text/html`: bad_type, nothing stored,
    no x.html under DATA_DIR or beside it; a stored file's name never comes from the sender."""
    fake_telegram.add_file("html1", HTML)
    document = {"file_id": "html1", "file_unique_id": "html1u", "file_name": "../../x.html",
                "mime_type": "text/html", "file_size": len(HTML)}
    assert (await post_tg(client, tg_update(1050, 805, document=document))).status_code == 200
    assert fake_telegram.texts_to(805)[-1] == MSG.media_bad_type
    assert _stored(settings) == []
    assert not list(settings.data_dir.parent.rglob("x.html"))
    fake_telegram.add_file("ok1", JPEG)
    named = {**document, "file_id": "ok1", "file_unique_id": "ok1u", "file_name": "../../x.jpg",
             "mime_type": "image/jpeg", "file_size": len(JPEG)}
    await post_tg(client, tg_update(1051, 805, document=named))
    [stored] = _stored(settings)
    assert "x.jpg" not in stored and stored.startswith(str(settings.data_dir / "attachments"))


async def test_a_file_telegram_cannot_fetch_is_503_for_redelivery_then_handled(client, fake_telegram,
                                                                               settings):  # noqa: F811
    """Row 9: getFile fails for the file_id: 503 so that Telegram redelivers, nothing answered or
    stored; the redelivered update, once the file can be fetched, is handled."""
    fake_telegram.fail_next("getFile", 400, {"ok": False, "error_code": 400,
                                             "description": "Bad Request: invalid file_id"})
    photo = [{"file_id": "later", "file_unique_id": "lateru", "width": 90, "height": 90, "file_size": len(JPEG)}]
    update = tg_update(1060, 806, photo=photo)
    assert (await post_tg(client, update)).status_code == 503
    assert fake_telegram.texts_to(806) == [] and _stored(settings) == []
    fake_telegram.add_file("later", JPEG)
    assert (await post_tg(client, update)).status_code == 200
    assert len(_stored(settings)) == 1


# --- WhatsApp ---
WA = "/webhooks/whatsapp"
STATUS = "/webhooks/whatsapp/status"


async def _sent_rows(settings) -> int:  # noqa: F811
    engine = make_engine(settings.database_url)
    try:
        async with engine.connect() as conn:
            return (await conn.execute(select(func.count()).select_from(SentMessage))).scalar_one()
    finally:
        await engine.dispose()


async def test_a_signature_for_the_status_url_or_the_http_scheme_is_403(client, fake_twilio):
    """Row 12: signed over the status callback's URL, or over PUBLIC_BASE_URL with http instead
    of https: refused, nothing sent."""
    form = wa_form("SMw12", "+6281200000812", "halo")
    for signature in (sign(STATUS, form), sign(WA, form, base=PUBLIC.replace("https://", "http://"))):
        assert (await post_wa(client, form, signature=signature)).status_code == 403
    assert fake_twilio.named("Messages.json") == []


async def test_an_unsigned_extra_parameter_is_403(client, fake_twilio):
    """Row 13: the signature of the base form, sent with `Extra=1` added."""
    form = wa_form("SMw13", "+6281200000813", "halo")
    r = await client.post(WA, data={**form, "Extra": "1"}, headers={"X-Twilio-Signature": sign(WA, form)})
    assert r.status_code == 403 and fake_twilio.named("Messages.json") == []


async def test_a_query_string_added_to_the_signed_url_is_403(client, fake_twilio):
    """Row 15: a request signed for /webhooks/whatsapp, posted to /webhooks/whatsapp?x=1."""
    form = wa_form("SMw15", "+6281200000815", "halo")
    r = await client.post(WA + "?x=1", data=form, headers={"X-Twilio-Signature": sign(WA, form)})
    assert r.status_code == 403 and fake_twilio.named("Messages.json") == []


async def test_reordered_parameters_keep_a_valid_signature(client, fake_twilio):
    """Row 16: the same signed fields in reverse order: 200 and answered (Twilio sorts the keys)."""
    form = wa_form("SMw16", "+6281200000816", "bantuan")
    reordered = dict(reversed(list(form.items())))
    assert list(reordered) != list(form)
    r = await client.post(WA, data=reordered, headers={"X-Twilio-Signature": sign(WA, form)})
    assert r.status_code == 200 and fake_twilio.sent_to("+6281200000816")


class _Recorder:
    """An HTTP server on loopback that records every request it gets: an internal service
    (/metrics) that the webhook must never be made to call."""

    def __init__(self) -> None:
        self.paths: list[str] = []
        recorder = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                recorder.paths.append(self.path)
                self.send_response(200)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True).start()
        self.base = f"http://127.0.0.1:{self._httpd.server_port}"

    def close(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()


@pytest.fixture
def internal():
    recorder = _Recorder()
    yield recorder
    recorder.close()


@pytest.fixture
def fetched(client) -> list[httpx.URL]:
    """Every URL the WhatsApp channel's media client requests (httpx's request hook)."""
    urls: list[httpx.URL] = []

    async def record(request: httpx.Request) -> None:
        urls.append(request.url)

    client.app.state.runtime.whatsapp._media_http.event_hooks["request"].append(record)
    return urls


async def test_media_urls_off_the_twilio_api_are_never_fetched(client, fake_twilio, settings, internal,  # noqa: F811
                                                               fetched):
    """Row 18: SSRF through a signed MediaUrl0: a loopback metrics URL, the cloud metadata
    address, the userinfo trick `<twilio-base>@<internal>` and `<twilio-base>/../../metrics`.
    The first three are not fetched at all; the last stays on the Twilio host. Each gets the
    bad_type answer, nothing is stored, and the internal server sees no request."""
    twilio = fake_twilio.url
    number = "+6281200000818"
    urls = [f"{internal.base}/metrics", "http://169.254.169.254/latest/meta-data/iam/security-credentials/",
            f"{twilio}@{internal.base.removeprefix('http://')}/metrics", f"{twilio}/../../metrics"]
    for i, url in enumerate(urls):
        r = await post_wa(client, wa_form(f"SMw18{i}", number, "", NumMedia="1", MediaUrl0=url,
                                          MediaContentType0="image/jpeg"))
        assert r.status_code == 200, url
        assert fake_twilio.shown_to(number)[-1] == MSG.media_bad_type, url
    assert internal.paths == []
    assert [(u.host, u.port) for u in fetched] == [(httpx.URL(twilio).host, httpx.URL(twilio).port)]
    assert fetched[0].path == "/metrics"  # `..` resolved on the Twilio host, never another one
    assert _stored(settings) == []


async def test_a_huge_num_media_is_capped_at_ten(client, fake_twilio, settings, fetched):  # noqa: F811
    """Row 20: NumMedia=999999999999999999999 with twelve real media: at most ten are fetched,
    and the request is answered (no 500)."""
    media = {f"MediaUrl{i}": fake_twilio.add_media(f"MEcap{i}", JPEG, "image/jpeg") for i in range(12)}
    kinds = {f"MediaContentType{i}": "image/jpeg" for i in range(12)}
    r = await post_wa(client, wa_form("SMw20", "+6281200000820", "", NumMedia="999999999999999999999",
                                      **media, **kinds))
    assert r.status_code == 200
    assert len(fetched) == 10 and len(_stored(settings)) == 10
    assert fake_twilio.sent_to("+6281200000820")


async def test_an_unsigned_status_callback_is_403_and_changes_nothing(client, fake_twilio, settings):  # noqa: F811
    """Row 21: `MessageStatus=delivered` with no signature, or with the message webhook's
    signature, to the status URL: 403; the stored message keeps its status."""
    await post_wa(client, wa_form("SMw21", "+6281200000821", "bantuan"))
    engine = make_engine(settings.database_url)
    try:
        async with engine.connect() as conn:
            [row] = list(await conn.execute(select(SentMessage)))
        callback = {"MessageSid": row.provider_id, "MessageStatus": "delivered", "AccountSid": "AC" + "0" * 32}
        assert (await client.post(STATUS, data=callback)).status_code == 403
        assert (await post_wa(client, callback, path=STATUS, signature=sign(WA, callback))).status_code == 403
        async with engine.connect() as conn:
            [after] = list(await conn.execute(select(SentMessage)))
    finally:
        await engine.dispose()
    assert after.status == row.status == "queued"


async def test_an_unsigned_huge_body_is_stopped_early_and_does_nothing(client, fake_twilio, settings):  # noqa: F811
    """Row 22: an unsigned 60 MB urlencoded or multipart body sent without a length (chunked):
    refused (413) after about the 1 MB webhook limit has been read, never the whole body; nothing
    sent or stored."""
    for content_type, head in (("application/x-www-form-urlencoded", b"Body="),
                               ("multipart/form-data; boundary=b0", b'--b0\r\nContent-Disposition: form-data; '
                                                                    b'name="MediaUrl0"\r\n\r\n')):
        sent = 0

        async def chunks(head=head):
            nonlocal sent
            yield head
            for _ in range(60 * 16):  # 960 x 64 KB = 60 MB, if nobody stops it
                sent += 1
                yield b"a" * 64 * 1024

        started = time.monotonic()
        r = await client.post(WA, content=chunks(), headers={"Content-Type": content_type})
        assert r.status_code == 413, content_type
        assert sent <= 1024 // 64 + 2, f"{sent} chunks read"
        assert time.monotonic() - started < 5
    assert fake_twilio.named("Messages.json") == [] and _stored(settings) == []
    assert await _sent_rows(settings) == 0
