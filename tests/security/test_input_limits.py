"""F8 (body size), F10 and F11 of the December security review: what the app refuses before any
route reads it (bot/limits.py), each attack as the review ran it.

- A body over its path's limit is 413: a 3 MB body to /api/chat (the acceptance check's), before a
  byte of it is read when its Content-Length says so, and as soon as it grows past the limit when
  it is chunked; every other path has its own limit (a webhook 1 MB, an import 50 MB), and normal
  requests pass.
- A lone surrogate (`"\\ud83d"` in raw JSON) or bytes that are not UTF-8 are a 4xx on /api/chat
  and on the staff API, never a 500.
- 100 000-deep nested JSON is 400 on every JSON route, and 200 "unparseable" on the Telegram
  webhook (with the right secret), so Telegram does not redeliver it."""
from __future__ import annotations

import httpx
import pytest

from bot.app import create_app
from bot.limits import CHAT_BODY, DEFAULT_BODY, IMPORT_FILE, BodyLimit, body_limit
from tests.conftest import TOKEN
from tests.handlers.conftest import SECRET
from tests.services.test_coverage import _csv

JSON = {"Content-Type": "application/json"}
DEEP = b"[" * 100_000 + b"]" * 100_000  # 200 KB
DEEP_CHAT = b"[" * 30_000 + b"]" * 30_000  # within the chat's 64 KB, and still far past the parser's depth
SURROGATE = b'{"user": "web-lim", "text": "halo \\ud83d"}'
NOT_UTF8 = b'{"user": "web-lim", "text": "halo \xff\xfe"}'


# --- body sizes ---
async def test_a_3_mb_body_to_the_chat_is_413(client):
    big = b'{"user": "web-big", "text": "halo", "pad": "' + b"a" * (3 * 1024 * 1024) + b'"}'
    r = await client.post("/api/chat", content=big, headers=JSON)
    assert r.status_code == 413 and "detail" in r.json()


async def test_a_chunked_body_growing_past_the_limit_is_413(client):
    sent = 0

    async def chunks():
        nonlocal sent
        yield b'{"user": "web-big", "text": "halo", "pad": "'
        for _ in range(200):  # 200 × 16 KB = 3.2 MB, if nobody stops it
            sent += 1
            yield b"a" * 16 * 1024
        yield b'"}'

    r = await client.post("/api/chat", content=chunks(), headers=JSON)
    assert r.status_code == 413
    assert sent <= CHAT_BODY // (16 * 1024) + 2, f"{sent} chunks read"  # stopped at the limit, not at the end


async def test_a_declared_length_over_the_limit_is_refused_before_reading():
    called = {"app": False, "receive": False}

    async def app(scope, receive, send):
        called["app"] = True

    async def receive():
        called["receive"] = True
        return {"type": "http.request", "body": b"x" * 10, "more_body": True}

    sent = []

    async def send(message):
        sent.append(message)

    scope = {"type": "http", "method": "POST", "path": "/api/chat", "headers": [(b"content-length", b"3145728")]}
    await BodyLimit(app, attachment_bytes=1024)(scope, receive, send)
    assert sent[0]["status"] == 413 and not called["app"] and not called["receive"]
    sent.clear()
    await BodyLimit(app, attachment_bytes=1024)({**scope, "headers": [(b"content-length", b"-5")]}, receive, send)
    assert sent[0]["status"] == 400 and not called["app"]


def test_each_path_has_its_limit():
    limit = {path: body_limit(path, attachment_bytes=10 * 1024 * 1024) for path in (
        "/api/chat", "/api/chat/upload", "/api/v1/registry/imports", "/admin/registri/impor", "/webhooks/telegram",
        "/webhooks/whatsapp", "/api/v1/announcements", "/admin/login", "/tidak-ada")}
    assert limit["/api/chat"] == 64 * 1024
    assert limit["/api/chat/upload"] == 10 * 1024 * 1024 + 64 * 1024
    assert limit["/api/v1/registry/imports"] == limit["/admin/registri/impor"] > IMPORT_FILE == 50 * 1024 * 1024
    assert {limit[p] for p in ("/webhooks/telegram", "/webhooks/whatsapp", "/api/v1/announcements", "/admin/login",
                               "/tidak-ada")} == {DEFAULT_BODY} and DEFAULT_BODY == 1024 * 1024


async def test_other_paths_refuse_past_their_own_limit_and_normal_requests_pass(world):
    c, two_mb = world.client, b"a" * (2 * 1024 * 1024)
    assert (await c.post("/api/chat", json={"user": "web-ok", "text": "halo " * 2000})).status_code == 200
    announcement = {"title": "Posyandu", "body": two_mb.decode()}
    assert (await c.post("/api/v1/announcements", json=announcement, headers=world.bearer("humas"))).status_code == 413
    assert (await c.post("/webhooks/whatsapp", content=two_mb)).status_code == 413
    assert (await c.post("/admin/login", data={"username": "x", "password": two_mb.decode()})).status_code == 413
    # a 2 MB coverage list is past the default limit, and well within an import's
    header, *rows = _csv().decode().splitlines(keepends=True)
    big_csv = (header + "".join(rows) * (2 * 1024 * 1024 // len("".join(rows)) + 1)).encode()
    r = await c.post("/api/v1/registry/imports", params={"dry_run": "true"}, headers=world.bearer("admin"),
                     files={"file": ("daftar.csv", big_csv, "text/csv")})
    assert r.status_code == 201, r.text[:300]


# --- text that cannot be read ---
async def test_a_lone_surrogate_or_broken_utf8_to_the_chat_is_4xx(client):
    for body in (SURROGATE, NOT_UTF8, b'{"user": "web-lim", "text": "\\udc00\\ud83d"}'):
        r = await client.post("/api/chat", content=body, headers=JSON)
        assert 400 <= r.status_code < 500, (body, r.status_code, r.text[:200])
    # a surrogate pair is an emoji, and fine
    r = await client.post("/api/chat", content=b'{"user": "web-lim", "text": "halo \\ud83d\\ude00"}', headers=JSON)
    assert r.status_code == 200


async def test_a_lone_surrogate_or_broken_utf8_to_the_staff_api_is_4xx(world):
    headers = {**JSON, **world.bearer("humas")}
    for body in (b'{"title": "Posyandu \\ud83d", "body": "Sabtu pagi \\ud83d"}',
                 b'{"title": "Posyandu \xff", "body": "Sabtu pagi"}'):
        r = await world.client.post("/api/v1/announcements", content=body, headers=headers)
        assert 400 <= r.status_code < 500, (body, r.status_code, r.text[:200])
    reference = world.params["reference"]
    r = await world.client.post(f"/api/v1/reports/{reference}/transitions", headers={**JSON, **world.bearer("kades")},
                                content=b'{"to": "diverifikasi_desa", "note": "periksa \\ud83d"}')
    assert 400 <= r.status_code < 500, r.text[:200]


# --- deeply nested JSON ---
async def test_deeply_nested_json_is_400_on_every_json_route(world):
    c = world.client
    assert (await c.post("/api/chat", content=DEEP_CHAT, headers=JSON)).status_code == 400
    assert (await c.post("/api/chat", content=DEEP, headers=JSON)).status_code == 413
    routes = [("POST", "/api/v1/announcements", "humas"),
              ("POST", f"/api/v1/reports/{world.params['reference']}/transitions", "kades"),
              ("POST", "/api/v1/reports", "kades"),
              ("POST", f"/api/v1/announcements/{world.params['announcement_id']}/send", "admin")]
    for method, path, who in routes:
        r = await c.request(method, path, content=DEEP, headers={**JSON, **world.bearer(who)})
        assert r.status_code == 400, (path, r.status_code, r.text[:200])


@pytest.fixture
async def telegram_client(settings, fake_telegram):
    app = create_app(settings.model_copy(update={
        "telegram_bot_token": TOKEN, "telegram_webhook_secret": SECRET,
        "telegram_api_base_url": fake_telegram.base_url}))
    async with app.router.lifespan_context(app):
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as c:
            yield c


async def test_deeply_nested_json_to_the_telegram_webhook_is_200_unparseable(telegram_client, fake_telegram):
    headers = {**JSON, "X-Telegram-Bot-Api-Secret-Token": SECRET}
    for body in (DEEP, b'{"update_id": 1, "message": {"text": "\\ud83d"}}', b'{"update_id": \xff}'):
        r = await telegram_client.post("/webhooks/telegram", content=body, headers=headers)
        assert r.status_code == 200, (body[:40], r.status_code)
    assert (await telegram_client.post("/webhooks/telegram", content=DEEP, headers=JSON)).status_code == 403
    assert (await telegram_client.post("/webhooks/telegram", content=b"[" * 1_100_000, headers=headers)).status_code \
        == 413  # and past 1 MB, refused before reading


async def test_without_a_token_the_staff_api_answers_401_before_judging_the_body(world):
    for body in (DEEP, b'{"title": "\\ud83d"}', b"\x00\xff"):
        r = await world.client.post("/api/v1/announcements", content=body, headers=JSON)
        assert r.status_code == 401 and r.headers["www-authenticate"] == "Bearer", r.status_code
