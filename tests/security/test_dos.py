"""Input limits of the December security review not kept elsewhere (rows 76, 77, 79, 81).

Kept in tests/security/test_input_limits.py, not repeated: a body over its path's limit (rows 75,
22), a lone surrogate (row 78, F10), deep JSON on /api/chat and the webhook (rows 80, 4). The
/api/chat floods (row 74, F8) are in tests/security/test_enumeration.py, the XLSX bomb (row 83, F9)
in tests/security/test_imports.py, the admin upload read before the session (row 82, F18) in
tests/security/test_admin_forms.py."""
from __future__ import annotations

import pytest

from conversations.messages_id import MSG
from tests.conftest import chat


async def test_a_message_of_20000_characters_is_taken_and_20001_is_422(client):
    """Row 76: 20 000 characters: 200 with an answer; 20 001: 422."""
    assert await chat(client, "web-long", "a" * 20_000)
    r = await client.post("/api/chat", json={"user": "web-long", "text": "a" * 20_001})
    assert r.status_code == 422


async def test_control_characters_are_stripped_and_an_empty_message_is_answered(client):
    """Row 77: `\\x00\\x01\\x7f` alone, in a flow, is an empty message ("Pesannya kosong");
    mixed into a word, no control character comes back in a reply."""
    await chat(client, "web-ctl", "langganan")  # in a flow: the welcome is behind us
    replies = await chat(client, "web-ctl", "\x00\x01\x7f")
    assert [r["text"] for r in replies][:1] == [MSG.empty]
    replies = await chat(client, "web-ctl", "ban\x00tu\x7fan")
    assert "\x00" not in str(replies) and "\x7f" not in str(replies)


@pytest.mark.parametrize("body", [b'{"user": "web-x", "text": ["halo"]}', b'{"user": "web-x", "text": {"a": 1}}',
                                  b'{"user": "../../etc/passwd", "text": "halo"}',
                                  b'{"user": "web-..%2f", "text": "halo"}', b'{"user": "web-x", "text": 5}',
                                  b'{"user": "web-x", "text": "halo \xff"}'])
async def test_wrong_shapes_and_ids_are_422(client, body):
    """Row 79: `text` as a list, an object or a number, a user id with `../`, and bytes that are
    not UTF-8: 4xx (422, or 400 for the bytes), never a 500."""
    r = await client.post("/api/chat", content=body, headers={"Content-Type": "application/json"})
    assert r.status_code in (400, 422), r.status_code


async def test_an_unauthenticated_import_is_401_before_the_body_is_read(client):
    """Row 81: an unauthenticated multipart upload to /api/v1/registry/imports, sent chunked so that
    it could be 60 MB: 401 having read at most a few chunks of it."""
    read = 0

    async def body():
        nonlocal read
        yield b'--b0\r\nContent-Disposition: form-data; name="file"; filename="d.csv"\r\n\r\n'
        for _ in range(60 * 16):  # 960 x 64 KB = 60 MB if it were all read
            read += 1
            yield b"a" * 64 * 1024

    r = await client.post("/api/v1/registry/imports", content=body(),
                          headers={"Content-Type": "multipart/form-data; boundary=b0"})
    assert r.status_code == 401 and r.headers["www-authenticate"] == "Bearer"
    assert read <= 2, f"{read} chunks read"
