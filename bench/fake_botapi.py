"""A fast fake Telegram Bot API for benchmarks: a bare ASGI app under uvicorn, in its own process.

tests/fakes/servers.py (a threaded http.server) is right for tests but tops out near 200 requests
a second here, which would measure the fake instead of us. This one answers `sendMessage` with the
real wire format (form or JSON in, `{"ok": true, "result": Message}` out), counts what it accepted,
and with `--limit N` refuses more than N a second (token bucket, bursts up to N) with Telegram's
429 body (`parameters.retry_after`), which python-telegram-bot turns into `RetryAfter`. `getFile`
answers for any file_id and `/file/bot<token>/<path>` serves a photo (JPEG bytes, `PHOTO_BYTES`
long), so citizens' photos can be part of a load run.

    python -m bench.fake_botapi --port 8081 [--limit 30]
    GET /stats   -> {"accepted", "unique", "refused", "first", "last", "acknowledged"}; `?times=1` adds
                    every time; "acknowledged" lists the chats sent a report number ("Nomor laporan:")
    GET /sent?chat=<id> -> {"texts": every text sent to that chat, in order}
    POST /reset  -> forget everything counted
"""
from __future__ import annotations

import argparse
import json
import time
import urllib.parse

import uvicorn

PHOTO_BYTES = 60_000  # about what a cheap phone's compressed photo weighs
PHOTO = b"\xff\xd8\xff\xe0" + bytes(PHOTO_BYTES - 4)


async def read_body(receive) -> bytes:
    """The whole body of an ASGI HTTP request."""
    body = b""
    while True:
        message = await receive()
        body += message.get("body", b"")
        if not message.get("more_body"):
            return body


class FakeBotApi:
    def __init__(self, limit: float | None) -> None:
        self.limit = limit
        self._tokens, self._at = limit or 0.0, time.monotonic()
        self.reset()

    def reset(self) -> None:
        self.times: list[float] = []
        self.chats: set[str] = set()
        self.acknowledged: set[str] = set()
        self.sent: dict[str, list[str]] = {}  # every text each chat was sent, in order
        self.refused = 0

    def _admit(self) -> bool:
        if not self.limit:
            return True
        now = time.monotonic()
        self._tokens = min(self.limit, self._tokens + (now - self._at) * self.limit)
        self._at = now
        if self._tokens >= 1:
            self._tokens -= 1
            return True
        return False

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            return
        body = await read_body(receive)
        path = scope["path"]
        if path == "/stats":
            await self._json(send, 200, self._stats(b"times=1" in scope.get("query_string", b"")))
        elif path == "/sent":  # ?chat=<id>: every text that chat was sent
            chat = urllib.parse.parse_qs(scope.get("query_string", b"").decode()).get("chat", [""])[0]
            await self._json(send, 200, {"texts": self.sent.get(chat, [])})
        elif path == "/reset":
            self.reset()
            await self._json(send, 200, {})
        elif path.endswith("/sendMessage"):
            await self._send_message(scope, body, send)
        elif path.endswith("/getFile"):
            await self._get_file(scope, body, send)
        elif path.startswith("/file/"):
            await send({"type": "http.response.start", "status": 200,
                        "headers": [(b"content-type", b"image/jpeg"), (b"content-length", str(len(PHOTO)).encode())]})
            await send({"type": "http.response.body", "body": PHOTO})
        elif path.endswith("/getMe"):
            await self._json(send, 200, {"ok": True, "result": {"id": 7000001, "is_bot": True,
                                                                "first_name": "Bench", "username": "bench_bot"}})
        else:
            await self._json(send, 200, {"ok": True, "result": True})

    async def _send_message(self, scope, body: bytes, send) -> None:
        params = self._params(scope, body)
        if not self._admit():
            self.refused += 1
            await self._json(send, 429, {"ok": False, "error_code": 429, "description": "Too Many Requests: retry "
                                         "after 1", "parameters": {"retry_after": 1}})
            return
        self.times.append(time.monotonic())
        chat = str(params.get("chat_id"))
        self.chats.add(chat)
        self.sent.setdefault(chat, []).append(str(params.get("text", "")))
        if "Nomor laporan:" in self.sent[chat][-1]:
            self.acknowledged.add(chat)
        result = {"message_id": len(self.times), "date": int(time.time()), "text": params.get("text", ""),
                  "chat": {"id": int(chat), "type": "private"}}
        await self._json(send, 200, {"ok": True, "result": result})

    async def _get_file(self, scope, body: bytes, send) -> None:
        file_id = str(self._params(scope, body).get("file_id"))
        result = {"file_id": file_id, "file_unique_id": file_id + "u", "file_size": len(PHOTO),
                  "file_path": f"photos/{file_id}.jpg"}
        await self._json(send, 200, {"ok": True, "result": result})

    @staticmethod
    def _params(scope, body: bytes) -> dict:
        ctype = dict(scope["headers"]).get(b"content-type", b"").decode()
        return json.loads(body) if "json" in ctype else dict(urllib.parse.parse_qsl(body.decode()))

    def _stats(self, times: bool) -> dict:
        return {"accepted": len(self.times), "unique": len(self.chats), "refused": self.refused,
                "first": self.times[0] if self.times else None, "last": self.times[-1] if self.times else None,
                "times": self.times if times else None, "acknowledged": sorted(self.acknowledged)}

    @staticmethod
    async def _json(send, status: int, obj) -> None:
        data = json.dumps(obj).encode()
        await send({"type": "http.response.start", "status": status,
                    "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(data)).encode())]})
        await send({"type": "http.response.body", "body": data})


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--limit", type=float, default=0)
    args = ap.parse_args()
    uvicorn.run(FakeBotApi(args.limit or None), host="127.0.0.1", port=args.port, log_level="warning",
                access_log=False)


if __name__ == "__main__":
    main()
