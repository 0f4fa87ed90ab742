"""F18: an admin form's body is read only for someone signed in. A POST without a valid session
(none, or a cookie whose signature fails) to any admin page but the login form is redirected to the
login before a byte of its body is read: here a large multipart upload to /admin/registri/impor,
driven through the ASGI interface with a `receive` that counts what the app took."""
from __future__ import annotations

import pytest

from bot.admin.session import SESSION_COOKIE

BOUNDARY = "x" * 24
MB = 1024 * 1024


def _scope(path: str, cookie: str | None, size: int) -> dict:
    headers = [(b"host", b"testserver"), (b"content-type", f"multipart/form-data; boundary={BOUNDARY}".encode()),
               (b"content-length", str(size).encode())]
    if cookie is not None:
        headers.append((b"cookie", f"{SESSION_COOKIE}={cookie}".encode()))
    return {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST", "scheme": "http",
            "path": path, "raw_path": path.encode(), "query_string": b"", "root_path": "", "headers": headers,
            "client": ("127.0.0.1", 50000), "server": ("testserver", 80)}


async def _post(app, path: str, cookie: str | None, *, chunks: int = 40,
                chunk: int = MB) -> tuple[int, dict[str, str], int]:
    """(status, headers, body chunks the app read) for a multipart POST of `chunks` × `chunk` bytes of file."""
    head = (f"--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"berkas\"; filename=\"d.csv\"\r\n"
            "Content-Type: text/csv\r\n\r\n").encode()
    parts = [head + b"A" * chunk, *[b"A" * chunk] * (chunks - 1), f"\r\n--{BOUNDARY}--\r\n".encode()]
    taken, sent = 0, []

    async def receive() -> dict:
        nonlocal taken
        if taken == len(parts):
            return {"type": "http.disconnect"}
        taken += 1
        return {"type": "http.request", "body": parts[taken - 1], "more_body": taken < len(parts)}

    async def send(message: dict) -> None:
        sent.append(message)

    await app(_scope(path, cookie, sum(map(len, parts))), receive, send)
    start = next(m for m in sent if m["type"] == "http.response.start")
    return start["status"], {k.decode(): v.decode() for k, v in start["headers"]}, taken


@pytest.mark.parametrize("cookie", [None, "token~1700000000~0123456789abcdef0123456789abcdef", "garbage"])
async def test_a_signed_out_upload_is_sent_to_the_login_unread(client, cookie):
    status, headers, taken = await _post(client.app, "/admin/registri/impor", cookie)
    assert status == 303 and headers["location"] == "/admin/login"
    assert taken == 0


async def test_every_admin_post_but_the_login_checks_the_session_first(client):
    for path in ("/admin/laporan/baru", "/admin/laporan/SK-AAAA-AAA/pindah", "/admin/pengumuman/baru",
                 "/admin/staf/baru", "/admin/logout"):
        status, headers, taken = await _post(client.app, path, None, chunks=8, chunk=64 * 1024)  # 512 KB
        assert (status, headers.get("location"), taken) == (303, "/admin/login", 0), (path, status, headers)
    _, _, taken = await _post(client.app, "/admin/login", None, chunks=8, chunk=64 * 1024)
    assert taken > 0  # the login form is read (and refused: no CSRF token)
