"""A fast fake Twilio REST API for the load benchmark: a bare ASGI app under uvicorn, in its own process.

`POST /2010-04-01/Accounts/<sid>/Messages.json` answers like Twilio (201 and the Message resource)
and then does what Twilio does with a `StatusCallback`: it POSTs the message's status to that URL,
signed with `X-Twilio-Signature` over the URL and the form, three times per message (sent after
0.1 s, delivered after 0.5 s, read after 2 s). Media of inbound messages are served at
`.../Messages/<id>/Media/<name>` (a photo, only with basic auth, like Twilio's own media URLs).

The callbacks go out over a few keep-alive HTTP/1.1 connections written by hand on asyncio streams:
an HTTP client library would cost this process more CPU than the server it is loading spends on
them, and the fake shares the machine's two cores with everything else.

    python -m bench.load.fake_twilio --port 8082 --account AC... --token TOKEN [--callbacks 16]
    GET /stats -> {"messages", "callbacks_sent", "callbacks_ok", "callbacks_failed", "callbacks_pending",
                   "acknowledged": the numbers sent a report number ("Nomor laporan:")}
    GET /sent?number=<E.164> -> {"texts": every body sent to that number, in order}
"""
from __future__ import annotations

import argparse
import asyncio
import json
import urllib.parse
from urllib.parse import urlsplit

import uvicorn
from twilio.request_validator import RequestValidator

from bench.fake_botapi import PHOTO, read_body

STATUSES = (("sent", 0.1), ("delivered", 0.5), ("read", 2.0))


class FakeTwilioApi:
    def __init__(self, account: str, token: str, connections: int) -> None:
        self.account, self.validator, self.connections = account, RequestValidator(token), connections
        self.messages = self.sent = self.ok = self.failed = 0
        self.acknowledged: set[str] = set()
        self.bodies: dict[str, list[str]] = {}  # every body each number was sent, in order
        self.queue: asyncio.Queue[tuple[str, bytes, str]] | None = None

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
            return
        body = await read_body(receive)
        path = scope["path"]
        if path == "/stats":
            stats = {"messages": self.messages, "callbacks_sent": self.sent, "callbacks_ok": self.ok,
                     "callbacks_failed": self.failed, "callbacks_pending": self.queue.qsize() if self.queue else 0,
                     "acknowledged": sorted(self.acknowledged)}
            await self._reply(send, 200, json.dumps(stats).encode())
        elif path == "/sent":  # ?number=<E.164>: every body that number was sent
            number = urllib.parse.parse_qs(scope.get("query_string", b"").decode()).get("number", [""])[0]
            await self._reply(send, 200, json.dumps({"texts": self.bodies.get(number, [])}).encode())
        elif "/Media/" in path:
            authorised = any(k == b"authorization" for k, _ in scope["headers"])
            await self._reply(send, 200 if authorised else 401, PHOTO if authorised else b"{}",
                              b"image/jpeg" if authorised else b"application/json")
        elif path.endswith("/Messages.json") and scope["method"] == "POST":
            await self._create(path, dict(urllib.parse.parse_qsl(body.decode())), send)
        else:
            await self._reply(send, 404, b'{"code": 20404, "status": 404}')

    async def _create(self, path: str, params: dict[str, str], send) -> None:
        self.messages += 1
        sid = f"SM{self.messages:032x}"
        number = params.get("To", "").removeprefix("whatsapp:")
        self.bodies.setdefault(number, []).append(params.get("Body", ""))
        if "Nomor laporan:" in self.bodies[number][-1]:
            self.acknowledged.add(number)
        body = {"sid": sid, "status": "queued", "to": params.get("To"), "from": params.get("From"),
                "body": params.get("Body"), "account_sid": self.account, "api_version": "2010-04-01",
                "num_media": "0", "num_segments": "1", "direction": "outbound-api", "error_code": None,
                "error_message": None, "date_created": None, "date_sent": None, "date_updated": None,
                "price": None, "price_unit": "USD", "uri": path, "subresource_uris": {}}
        await self._reply(send, 201, json.dumps(body).encode())
        if url := params.get("StatusCallback"):
            loop = asyncio.get_running_loop()
            for status, after in STATUSES:
                form = {"MessageSid": sid, "SmsSid": sid, "AccountSid": self.account, "MessageStatus": status,
                        "SmsStatus": status, "To": params.get("To", ""), "From": params.get("From", ""),
                        "ChannelPrefix": "whatsapp", "ApiVersion": "2010-04-01"}
                loop.call_later(after, self._enqueue, url, form)

    def _enqueue(self, url: str, form: dict[str, str]) -> None:
        assert self.queue is not None
        body = urllib.parse.urlencode(form).encode()
        self.queue.put_nowait((url, body, self.validator.compute_signature(url, form)))

    async def _poster(self) -> None:
        """One keep-alive connection posting callbacks one after the other; reconnects when needed."""
        assert self.queue is not None
        reader = writer = None
        while True:
            url, body, signature = await self.queue.get()
            parts = urlsplit(url)
            request = (f"POST {parts.path}{'?' + parts.query if parts.query else ''} HTTP/1.1\r\n"
                       f"Host: {parts.netloc}\r\nContent-Type: application/x-www-form-urlencoded\r\n"
                       f"X-Twilio-Signature: {signature}\r\nUser-Agent: TwilioProxy/1.1\r\n"
                       f"Content-Length: {len(body)}\r\n\r\n").encode() + body
            for _attempt in range(2):
                try:
                    if writer is None:
                        reader, writer = await asyncio.open_connection(parts.hostname, parts.port)
                    writer.write(request)
                    status = await _read_response(reader)
                    self.sent += 1
                    if 200 <= status < 300:
                        self.ok += 1
                    else:
                        self.failed += 1
                    break
                except (OSError, asyncio.IncompleteReadError, ValueError):
                    if writer is not None:
                        writer.close()
                    reader = writer = None
            else:
                self.sent += 1
                self.failed += 1

    async def _lifespan(self, receive, send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                self.queue = asyncio.Queue()
                self._tasks = [asyncio.create_task(self._poster()) for _ in range(self.connections)]
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                for task in self._tasks:
                    task.cancel()
                await send({"type": "lifespan.shutdown.complete"})
                return

    @staticmethod
    async def _reply(send, status: int, data: bytes, ctype: bytes = b"application/json") -> None:
        await send({"type": "http.response.start", "status": status,
                    "headers": [(b"content-type", ctype), (b"content-length", str(len(data)).encode())]})
        await send({"type": "http.response.body", "body": data})


async def _read_response(reader: asyncio.StreamReader) -> int:
    """Read one HTTP/1.1 response (Content-Length or no body) and return its status code."""
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    length = 0
    for line in lines[1:]:
        name, _, value = line.partition(":")
        if name.strip().lower() == "content-length":
            length = int(value.strip())
    if length:
        await reader.readexactly(length)
    return status


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--account", required=True)
    ap.add_argument("--token", required=True)
    ap.add_argument("--callbacks", type=int, default=16, help="connections posting status callbacks")
    args = ap.parse_args()
    uvicorn.run(FakeTwilioApi(args.account, args.token, args.callbacks), host="127.0.0.1", port=args.port,
                log_level="warning", access_log=False, lifespan="on")


if __name__ == "__main__":
    main()
