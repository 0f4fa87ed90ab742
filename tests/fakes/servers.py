"""Fake Telegram Bot API and Twilio REST API: real HTTP servers on 127.0.0.1 that speak the
providers' wire format and record every call. python-telegram-bot and twilio talk to them
through TELEGRAM_API_BASE_URL and TWILIO_API_BASE_URL; nothing mocks the libraries."""
from __future__ import annotations

import base64
import json
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Call:
    method: str  # Bot API method, or the last path segment for Twilio
    params: dict[str, Any]
    at: float
    headers: dict[str, str] = field(default_factory=dict)
    status: int = 200  # what the fake answered: 429 when its rate limit refused the call


class _Bucket:
    """A provider's rate limit as a token bucket: `rate` calls per second, bursts up to `rate`."""

    def __init__(self, rate: float) -> None:
        self.rate, self._tokens, self._at = rate, rate, time.monotonic()
        self._lock = threading.Lock()

    def take(self) -> bool:
        with self._lock:
            now = time.monotonic()
            self._tokens = min(self.rate, self._tokens + (now - self._at) * self.rate)
            self._at = now
            if self._tokens >= 1:
                self._tokens -= 1
                return True
            return False


class _Server:
    def __init__(self) -> None:
        self.calls: list[Call] = []
        self._lock = threading.Lock()
        self._bucket: _Bucket | None = None
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive, as the real APIs

            def log_message(self, *args):  # keep test output clean
                pass

            def do_GET(self):
                fake._dispatch(self)

            def do_POST(self):
                fake._dispatch(self)

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True).start()
        self.url = f"http://127.0.0.1:{self._httpd.server_port}"

    def close(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    def limit(self, per_second: float | None) -> None:
        """Answer 429 above this many sends per second, as the real provider does; None: no limit."""
        self._bucket = _Bucket(per_second) if per_second else None

    def _over_limit(self, call: Call) -> bool:
        if self._bucket is None or self._bucket.take():
            return False
        call.status = 429
        return True

    def named(self, method: str) -> list[Call]:
        with self._lock:
            return [c for c in self.calls if c.method == method]

    def accepted(self, method: str) -> list[Call]:
        """The calls the fake took (not refused by its rate limit or a planned failure)."""
        return [c for c in self.named(method) if c.status < 400]

    def _record(self, call: Call) -> None:
        with self._lock:
            self.calls.append(call)

    @staticmethod
    def _params(h: BaseHTTPRequestHandler) -> dict[str, Any] | None:
        """The request's parameters; None when the client went away mid-body (a provider would not act
        on half a request either)."""
        length = int(h.headers.get("Content-Length") or 0)
        raw = h.rfile.read(length)
        if len(raw) < length:
            return None
        params: dict[str, Any] = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(h.path).query))
        ctype = h.headers.get("Content-Type", "")
        if "json" in ctype and raw:
            params.update(json.loads(raw))
        elif raw:
            params.update(urllib.parse.parse_qsl(raw.decode()))
        for key in ("reply_markup",):
            if isinstance(params.get(key), str):
                params[key] = json.loads(params[key])
        return params

    @staticmethod
    def _reply(h: BaseHTTPRequestHandler, status: int, body: bytes, ctype: str = "application/json") -> None:
        h.send_response(status)
        h.send_header("Content-Type", ctype)
        h.send_header("Content-Length", str(len(body)))
        h.end_headers()
        h.wfile.write(body)

    def _dispatch(self, h: BaseHTTPRequestHandler) -> None:
        raise NotImplementedError


class FakeTelegram(_Server):
    """Bot API at `{url}/bot<token>/<method>`, files at `{url}/file/bot<token>/<path>`."""

    def __init__(self, token: str) -> None:
        self.token = token
        self.files: dict[str, tuple[str, bytes, int | None]] = {}  # file_id -> (path, data, declared size)
        self.failures: dict[str, list[tuple[int, dict]]] = {}
        self.pending_updates: list[dict] = []  # handed out once by getUpdates (polling mode)
        self.delays: dict[str, list[float]] = {}  # seconds to wait before answering the next calls
        super().__init__()

    @property
    def base_url(self) -> str:
        return f"{self.url}/bot"

    def add_file(self, file_id: str, data: bytes, declared_size: int | None = None) -> None:
        self.files[file_id] = (f"documents/{file_id}.bin", data, declared_size)

    def fail_next(self, method: str, status: int, body: dict) -> None:
        self.failures.setdefault(method, []).append((status, body))

    def texts_to(self, chat_id: int) -> list[str]:
        return [c.params["text"] for c in self.named("sendMessage") if int(c.params["chat_id"]) == chat_id]

    def _dispatch(self, h: BaseHTTPRequestHandler) -> None:
        path = urllib.parse.unquote(urllib.parse.urlsplit(h.path).path)  # PTB sends the token's ':' as %3A
        if path.startswith(f"/file/bot{self.token}/"):
            wanted = path.split(f"/file/bot{self.token}/", 1)[1]
            for fpath, data, _ in self.files.values():
                if fpath == wanted:
                    return self._reply(h, 200, data, "application/octet-stream")
            return self._reply(h, 404, b"")
        if not path.startswith(f"/bot{self.token}/"):
            not_found = {"ok": False, "error_code": 404, "description": "Not Found"}
            return self._reply(h, 404, json.dumps(not_found).encode())
        method = path.rsplit("/", 1)[1]
        params = self._params(h)
        if params is None:
            return None
        call = Call(method, params, time.monotonic())
        self._record(call)
        if self.delays.get(method):
            time.sleep(self.delays[method].pop(0))
        if method == "sendMessage" and self._over_limit(call):
            body = {"ok": False, "error_code": 429, "description": "Too Many Requests: retry after 1",
                    "parameters": {"retry_after": 1}}
            return self._reply(h, 429, json.dumps(body).encode())
        if self.failures.get(method):
            status, body = self.failures[method].pop(0)
            call.status = status
            return self._reply(h, status, json.dumps(body).encode())
        return self._reply(h, 200, json.dumps({"ok": True, "result": self._result(method, params)}).encode())

    def _result(self, method: str, params: dict[str, Any]) -> Any:
        if method == "getMe":
            return {"id": 7000001, "is_bot": True, "first_name": "Layanan OKI", "username": "layanan_oki_bot"}
        if method == "sendMessage":
            chat = str(params["chat_id"])
            kind = {"id": int(chat), "type": "private"} if chat.lstrip("-").isdigit() else {
                "id": -1001234567890, "type": "channel", "username": chat.lstrip("@")}
            return {"message_id": len(self.calls), "date": int(time.time()), "text": params.get("text", ""),
                    "chat": kind}
        if method == "getFile":
            fpath, data, declared = self.files[params["file_id"]]
            return {"file_id": params["file_id"], "file_unique_id": params["file_id"] + "u",
                    "file_size": declared if declared is not None else len(data), "file_path": fpath}
        if method == "getUpdates":
            offset = int(params.get("offset") or 0)
            ready = [u for u in self.pending_updates if u["update_id"] >= offset]
            if not ready:
                time.sleep(0.05)  # a short long-poll
            return ready
        return True


class FakeTwilio(_Server):
    """Messages.json under /2010-04-01/Accounts/<sid>/, media at /media/<name> behind basic auth, and
    the Content API's `POST /v1/Content` (quick-reply and list-picker templates: an HX sid each;
    `content_api=False` answers it 404, as a base URL that does not serve it would)."""

    def __init__(self, account_sid: str, auth_token: str, *, content_api: bool = True) -> None:
        self.account_sid, self.auth_token, self.content_api = account_sid, auth_token, content_api
        self.media: dict[str, tuple[bytes, str]] = {}
        self.failures: list[tuple[int, dict]] = []
        self.contents: dict[str, dict[str, Any]] = {}  # sid -> the template as created
        self.content_failures: list[tuple[int, dict]] = []  # answers to the next POST /v1/Content
        super().__init__()

    def shown_to(self, number: str) -> list[str]:
        """What the person saw, message by message: the body, or a content template's text with its
        variables filled in and its buttons or list items, one a line."""
        out = []
        for m in self.sent_to(number):
            if not m.get("ContentSid"):
                out.append(m.get("Body") or "")
                continue
            types = self.contents.get(m["ContentSid"], {}).get("types", {})
            text = next(iter(types.values()), {}).get("body", "")
            for key, value in json.loads(m.get("ContentVariables") or "{}").items():
                text = text.replace("{{" + key + "}}", value)
            buttons = [a["title"] for t in types.values() for a in t.get("actions", [])]
            buttons += [i["item"] for t in types.values() for i in t.get("items", [])]
            out.append("\n".join([text, *buttons]))
        return out

    def content_kinds(self, number: str) -> list[str]:
        """Per message to `number`: its content type ("twilio/quick-reply", "twilio/list-picker"), or "text"."""
        return [next(iter(self.contents.get(m["ContentSid"], {}).get("types", {"?": 0})), "?")
                if m.get("ContentSid") else "text" for m in self.sent_to(number)]

    def add_media(self, name: str, data: bytes, content_type: str) -> str:
        self.media[name] = (data, content_type)
        return f"{self.url}/2010-04-01/Accounts/{self.account_sid}/Messages/MM1/Media/{name}"

    def fail_next(self, status: int, body: dict) -> None:
        """The next message send (Messages.json) gets this answer."""
        self.failures.append((status, body))

    def sent_to(self, number: str) -> list[dict[str, Any]]:
        return [c.params for c in self.named("Messages.json") if c.params.get("To") == f"whatsapp:{number}"]

    def _authorised(self, h: BaseHTTPRequestHandler) -> bool:
        expected = base64.b64encode(f"{self.account_sid}:{self.auth_token}".encode()).decode()
        return h.headers.get("Authorization") == f"Basic {expected}"

    def _dispatch(self, h: BaseHTTPRequestHandler) -> None:
        path = urllib.parse.urlsplit(h.path).path
        if not self._authorised(h):
            return self._reply(h, 401, json.dumps({"code": 20003, "message": "Authenticate"}).encode())
        if "/Media/" in path:
            data, ctype = self.media.get(path.rsplit("/", 1)[1], (b"", ""))
            return self._reply(h, 200 if ctype else 404, data, ctype or "text/plain")
        params = self._params(h)
        if params is None:
            return None
        call = Call(path.rsplit("/", 1)[1], params, time.monotonic(), dict(h.headers))
        self._record(call)
        if self._over_limit(call):
            body = {"code": 20429, "message": "Too Many Requests", "more_info": "https://www.twilio.com/docs/errors/20429",
                    "status": 429}
            return self._reply(h, 429, json.dumps(body).encode())
        if path.endswith("/v1/Content"):
            return self._content(h, params)
        if self.failures:
            status, body = self.failures.pop(0)
            call.status = status
            return self._reply(h, status, json.dumps(body).encode())
        sid = f"SM{len(self.calls):032x}"
        body = {"sid": sid, "status": "queued", "to": params.get("To"), "from": params.get("From"),
                "body": params.get("Body"), "account_sid": self.account_sid, "api_version": "2010-04-01",
                "num_media": "0", "num_segments": "1", "direction": "outbound-api", "error_code": None,
                "error_message": None, "date_created": None, "date_sent": None, "date_updated": None,
                "price": None, "price_unit": "USD", "uri": path, "subresource_uris": {}}
        return self._reply(h, 201, json.dumps(body).encode())

    def _content(self, h: BaseHTTPRequestHandler, params: dict[str, Any]) -> None:
        if self.content_failures:
            status, body = self.content_failures.pop(0)
            return self._reply(h, status, json.dumps(body).encode())
        if not self.content_api:
            return self._reply(h, 404, json.dumps({"code": 20404, "message": "Not Found", "status": 404}).encode())
        sid = f"HX{len(self.calls):032x}"
        template = {"sid": sid, "account_sid": self.account_sid, "friendly_name": params.get("friendly_name"),
                    "language": params.get("language"), "variables": params.get("variables", {}),
                    "types": params.get("types", {}), "url": f"{self.url}/v1/Content/{sid}", "links": {},
                    "date_created": None, "date_updated": None}
        with self._lock:
            self.contents[sid] = template
        return self._reply(h, 201, json.dumps(template).encode())
