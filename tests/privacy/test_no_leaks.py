"""A day of synthetic traffic through the real webhooks and the web chat (coverage lookups, santunan
reports, subscriptions, status checks, perbaikan, staff moves through the API and from a linked
chat, a broadcast, delivery callbacks, DATA SAYA and HAPUS DATA SAYA, a purge), then every log line
and everything a citizen was sent (web chat replies and every other public response body, every
message the fake Bot API and Twilio were asked to send) is searched for each NIK, KK, phone and
bank account number used, in any usual spelling. A hit fails with the line it was found in.

Logging is set up as LOG_LEVEL=DEBUG sets it up (bot/logs.py), and each record is captured raw,
before the production handler's redaction, so the test holds the code to "never log it", not
"the filter caught it". The access log is written as uvicorn writes it (httpx's ASGI transport has
none), although production keeps it off. The citizen's own numbers are not echoed back either: the
santunan summary masks them (services/privacy.py)."""
from __future__ import annotations

import contextlib
import io
import logging
import re
from collections.abc import AsyncIterator, Iterator

import httpx

from bot.app import create_app
from bot.logs import QUIET, setup_logging
from bot.worker import Worker
from services.privacy import mask_account, mask_kk, mask_nik, mask_phone
from services.staff import StaffInfo
from tests.guardrail_fields import PAPER_JSON
from tests.handlers.conftest import SECRET, perform_webhook_reply, post_wa, sign, tg_update, wa_form
from tests.handlers.test_santunan_channels import JPEG
from tests.services.test_coverage import _load

PW = "Kata-Sandi-Rahasia-9"
NIKS = ("1602015708850003", "1602031203900009", "1602015708850004", "1602015708850006", "1602015708850007",
        "1602011505600002")
KKS = ("1602011203150002", "1602051507180002", "1602031010200003", "1602050101210004")
ACCOUNTS = ("00123456789",)
PHONES = ("081234567001", "081234567003", "081234567004", "081234567005", "+6281355500001", "+6281355500002")
WA_C, WA_E = "+6281355500001", "+6281355500002"
TG_B, TG_KADES = 9101, 9201
_JOINED = re.compile(r"(?<=\d)[ .\-/]+(?=\d)")


def _national(phone: str) -> str:
    """The significant digits of an Indonesian number: what every spelling of it contains."""
    digits = re.sub(r"\D", "", phone)
    return digits[2:] if digits.startswith("62") else digits.lstrip("0")


def _spellings() -> dict[str, str]:
    """{digits to look for in a text with its separators removed: what they are}."""
    found = {n: f"NIK {n}" for n in NIKS} | {k: f"KK {k}" for k in KKS} | {a: f"rekening {a}" for a in ACCOUNTS}
    return found | {_national(p): f"HP {p}" for p in PHONES}


def leaks(source: str, text: str) -> list[str]:
    """Each line of `text` holding one of the numbers, however it is spaced, dotted or dashed."""
    hits = []
    for line in text.splitlines():
        joined = _JOINED.sub("", line)
        hits += [f"{source}: {what} in {line[:300]!r}" for digits, what in _spellings().items() if digits in joined]
    return hits


class _AccessLog:
    """What uvicorn's access log would write for each request (it is not in the path under test)."""

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        status = {}

        async def sending(message) -> None:
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
            await send(message)

        await self.app(scope, receive, sending)
        query = scope.get("query_string", b"").decode()
        logging.getLogger("uvicorn.access").info('%s - "%s %s HTTP/%s" %d', "127.0.0.1:50000", scope["method"],
                                                 scope["path"] + (f"?{query}" if query else ""),
                                                 scope.get("http_version", "1.1"), status.get("code", 0))


@contextlib.contextmanager
def _logging_at_debug(caplog) -> Iterator[io.StringIO]:
    """LOG_LEVEL=DEBUG as bot/logs.py sets it up, its output in a buffer; pytest's capture handler
    goes first, so it keeps each line raw (the production handler's filter rewrites records)."""
    root = logging.getLogger()
    names = (*QUIET, "uvicorn.access")
    saved = root.handlers[:], root.level, {n: logging.getLogger(n).level for n in names}
    out = io.StringIO()
    setup_logging("DEBUG", stream=out)
    caplog.handler.setLevel(logging.DEBUG)
    root.handlers.insert(0, caplog.handler)
    logging.getLogger("uvicorn.access").setLevel(logging.INFO)
    try:
        yield out
    finally:
        root.handlers[:] = saved[0]
        root.setLevel(saved[1])
        for name, level in saved[2].items():
            logging.getLogger(name).setLevel(level)


@contextlib.asynccontextmanager
async def _app(settings) -> AsyncIterator[tuple[httpx.AsyncClient, list[tuple[str, str]]]]:
    """The app, and every response body that went to someone other than staff."""
    app = create_app(settings)
    public: list[tuple[str, str]] = []

    async def keep(response: httpx.Response) -> None:
        await response.aread()
        if not response.request.url.path.startswith(("/api/v1", "/admin")):
            public.append((f"{response.request.method} {response.request.url.path}", response.text))

    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=_AccessLog(app))
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver",
                                     event_hooks={"response": [keep]}) as client:
            client.app = app  # type: ignore[attr-defined]
            yield client, public


class Day:
    """Citizens on three channels and staff on the API, one message at a time."""

    def __init__(self, client, fake_telegram, fake_twilio) -> None:
        self.client, self.tg, self.wa, self.rt = client, fake_telegram, fake_twilio, client.app.state.runtime
        self._id, self.staff = 50000, {}

    def _next(self) -> int:
        self._id += 1
        return self._id

    async def web(self, user: str, *texts: str) -> list[dict]:
        replies = []
        for text in texts:
            r = await self.client.post("/api/chat", json={"user": user, "text": text})
            assert r.status_code == 200, r.text
            replies = r.json()["replies"]
        return replies

    async def telegram(self, chat_id: int, *texts: str, **message) -> None:
        for text in texts or (None,):
            update = tg_update(self._next(), chat_id, text, **message)
            r = await self.client.post("/webhooks/telegram", json=update,
                                       headers={"X-Telegram-Bot-Api-Secret-Token": SECRET})
            assert r.status_code == 200, r.text
            await perform_webhook_reply(self.client, r)  # what Telegram sends of the webhook's answer

    async def whatsapp(self, number: str, *texts: str, **extra: str) -> None:
        for text in texts or ("",):
            r = await post_wa(self.client, wa_form(f"SMday{self._next()}", number, text, **extra))
            assert r.status_code == 200, r.text

    async def delivered(self) -> int:
        """Twilio's status callbacks for every WhatsApp message sent so far (the fake numbers its SIDs)."""
        calls = list(self.wa.calls)
        for i, call in enumerate(calls, 1):
            if call.method == "Messages.json" and call.status < 400:
                form = {"MessageSid": f"SM{i:032x}", "MessageStatus": "delivered", "To": call.params["To"],
                        "From": call.params["From"], "AccountSid": self.wa.account_sid, "ApiVersion": "2010-04-01"}
                sig = sign("/webhooks/whatsapp/status", form)
                r = await self.client.post("/webhooks/whatsapp/status", data=form, headers={"X-Twilio-Signature": sig})
                assert r.status_code in (200, 204), r.text
        return len(calls)

    async def login(self, username: str, role: str, **area) -> StaffInfo:
        staff = await self.rt.staff.create(username=username, role=role, password=PW, actor="test", **area)
        r = await self.client.post("/api/v1/auth/token", data={"username": username, "password": PW})
        self.staff[username] = {"Authorization": f"Bearer {r.json()['access_token']}"}
        return staff

    async def api(self, method: str, path: str, who: str, expect: int = 200, **kw) -> httpx.Response:
        r = await self.client.request(method, f"/api/v1{path}", headers=self.staff[who], **kw)
        assert r.status_code == expect, f"{method} {path}: {r.status_code} {r.text}"
        return r

    async def move(self, reference: str, to: str, who: str, note: str | None = None) -> None:
        await self.api("POST", f"/reports/{reference}/transitions", who,
                       json={"to": to, "note": note, "message_to_family": note, **PAPER_JSON})

    async def drain(self) -> None:
        worker = Worker(self.rt)
        while await worker.send_due():
            pass

    async def reference(self, nik_end: str) -> str:
        items = (await self.api("GET", "/reports", "dinsos1")).json()["items"]
        return next(i["reference"] for i in items if i["deceased_nik"].endswith(nik_end))


def _report(nik: str, reporter: str, relationship: str, kk: str) -> list[str]:
    return ["lapor kematian", "ya", reporter, relationship, nik, "Ahmad Sanusi", "kemarin", "kayu agung", "sukadana",
            kk, "Saya sendiri"]


async def _morning(day: Day) -> None:
    """Citizens look themselves up, subscribe and report deaths; a kades links their chat."""
    kades = await day.login("kades.sukadana", "kades", desa="16.02.05.1008")
    await day.telegram(TG_KADES, f"TAUTKAN {(await day.rt.staff_links.issue_code(staff=kades)).code}")
    await day.web("web-ani", "halo", "cek bpjs", "1602 0157 0885 0003", "siti aminah", "langganan semua", "data saya")
    await day.telegram(TG_B, "cek bpjs", "1602.0312.0390.0009", "Budi Santoso")
    await day.telegram(TG_B, *_report("1602-0157-0885-0004", "Rahmawati", "Anak", "1602 0112 0315 0002"),
                       "+62 812-3456-7001", "BRI", "0012-3456-789", "Rahmawati")
    day.tg.add_file("sktm-b", JPEG)
    await day.telegram(TG_B, photo=[{"file_id": "sktm-b", "file_unique_id": "u-b", "width": 9, "height": 9,
                                     "file_size": len(JPEG)}])
    await day.telegram(TG_B, "nanti", "nanti", "nanti", "nanti", "Benar, kirim", "cek status", "Laporan saya")
    await day.whatsapp(WA_C, "langganan", "2", "kayu agung")
    await day.whatsapp(WA_C, *_report("1602015708850006", "Budi", "Suami/Istri", "1602051507180002"),
                       "Nomor saya ini", "nanti", "nanti", "nanti", "nanti", "nanti", "nanti", "1")
    await day.web("web-dedi", *_report("1602015708850007", "Dedi", "Anak", "1602.0310.1020.0003"), "0812 3456 7003",
                  "nanti", "nanti", "nanti", "nanti", "nanti", "nanti", "Ubah data", "Nomor HP", "081234567004")
    assert (await day.web("web-dedi", "Benar, kirim"))[0]["text"].startswith("Laporan sudah kami terima")
    await day.drain()


async def _afternoon(day: Day) -> None:
    """Staff move the reports along (API and chat), a family sends what was missing, a broadcast."""
    for who, role, area in (("dinsos1", "dinsos", {}), ("camat.kag", "camat", {"kecamatan": "16.02.05"}),
                            ("humas1", "humas", {}), ("humas2", "humas", {}), ("admin1", "admin", {})):
        await day.login(who, role, **area)
    ref_b, ref_c = await day.reference("0004"), await day.reference("0006")
    await day.api("GET", "/reports?status=diajukan", "kades.sukadana")
    await day.api("GET", f"/reports/{ref_b}", "kades.sukadana")
    await day.move(ref_b, "diverifikasi_desa", "kades.sukadana")
    report_c = await day.rt.santunan.get(ref_c)
    for kind in ("sktm", "akta_kematian", "kk", "ktp_almarhum", "ktp_ahli_waris"):  # seen at the kantor desa
        await day.rt.santunan.guard.set_check(report=report_c, kind=kind, state="diperiksa_langsung",
                                              actor="staff:1")
    await day.telegram(TG_KADES, f"VERIFIKASI {ref_c}", f"VERIFIKASI {ref_c} YA")
    await day.move(ref_b, "diverifikasi_kecamatan", "camat.kag")
    await day.move(ref_c, "perlu_perbaikan", "camat.kag", note="Foto SKTM belum ada")
    await day.move(ref_b, "disetujui", "dinsos1")
    await day.move(ref_b, "dicairkan", "dinsos1")
    await day.api("POST", "/reports", "dinsos1", expect=201, json={
        "deceased_nik": "1602011505600002", "deceased_name": "Sulaiman",
        "date_of_death": str(day.rt.santunan.now().date()),
        "kecamatan": "Kayu Agung", "desa": "Sukadana", "kk_number": "1602-0501-0121-0004", "reporter_name": "Kades",
        "reporter_relationship": "kepala desa", "heir_name": "Aminah", "heir_phone": "0812-3456-7005"})
    await day.api("GET", "/reports/export.csv", "dinsos1")
    await day.drain()
    photo = day.wa.add_media("ME-c", JPEG, "image/jpeg")
    await day.whatsapp(WA_C, "cek status", ref_c.lower())
    await day.whatsapp(WA_C, NumMedia="1", MediaUrl0=photo, MediaContentType0="image/jpeg")
    await day.whatsapp(WA_C, "selesai")
    made = await day.api("POST", "/announcements", "humas1", expect=201,
                         json={"title": "Pasar murah", "body": "Sabtu pagi di Kayuagung."})
    await day.api("POST", f"/announcements/{made.json()['id']}/approve", "humas2")
    await day.api("POST", f"/announcements/{made.json()['id']}/send", "humas1", expect=202, json={})
    await day.drain()
    await day.delivered()


async def _evening(day: Day) -> None:
    """Data rights in the chat and through an admin, the public pages, a stop, and the purge."""
    await day.whatsapp(WA_C, "data saya")
    await day.whatsapp(WA_E, "halo", "data saya", "hapus data saya", "ya, hapus", "halo")
    await day.web("web-dedi", "DATA SAYA", "hapus data saya", "Ya, hapus")
    contact = await day.rt.data_rights.find(channel="whatsapp", user_id=WA_C)
    await day.api("GET", f"/contacts/{contact}/data", "admin1")
    await day.api("POST", "/contacts/data", "admin1", json={"channel": "whatsapp", "user_id": "0813-5550-0001"})
    await day.api("POST", "/contacts/erase", "admin1", json={"channel": "telegram", "user_id": str(TG_B)})
    await day.whatsapp(WA_C, "berhenti")
    for page in ("/chat", "/pengumuman", "/pengumuman/feed.xml"):
        await day.client.get(page)
    await day.rt.retention.purge(dry_run=True, actor="test")
    await day.rt.retention.purge(actor="test")
    await day.drain()


def _outbound(fake_telegram, fake_twilio) -> list[tuple[str, str]]:
    """What the bot asked the providers to send: texts and button labels, not the addresses."""
    sent = []
    for call in fake_telegram.calls:
        p = call.params
        labels = [b.get("text", "") for row in (p.get("reply_markup") or {}).get("keyboard", []) for b in row]
        labels += [b.get("text", "") for row in (p.get("reply_markup") or {}).get("inline_keyboard", []) for b in row]
        sent.append((f"telegram {call.method}", "\n".join([str(p.get("text", "")), *labels])))
    for call in fake_twilio.calls:
        p = call.params
        sent.append((f"twilio {call.method}", f"{p.get('Body', '')}\n{p.get('ContentVariables', '')}"))
    return sent


async def test_a_day_of_traffic_leaks_no_nik_kk_or_phone(settings, fake_telegram, fake_twilio, caplog):
    settings = settings.model_copy(update={"worker_in_process": False, "broadcast_require_approval": True})
    await _load(settings.database_url, settings.secret_key)
    with _logging_at_debug(caplog) as production:
        async with _app(settings) as (client, public):
            day = Day(client, fake_telegram, fake_twilio)
            await _morning(day)
            await _afternoon(day)
            await _evening(day)
            items = (await day.api("GET", "/reports", "dinsos1")).json()["items"]
            actions = [e.action for e in await day.rt.audit.recent(limit=1000)]
    texts = [("log", caplog.text), ("log as written", production.getvalue()), *public,
             *_outbound(fake_telegram, fake_twilio)]
    found = [hit for source, text in texts for hit in leaks(source, text)]
    assert not found, f"{len(found)} leaks:\n" + "\n".join(found[:40])
    # the day really happened: every kind of traffic above reached the code under test
    assert {i["deceased_nik"][-4:]: i["status"] for i in items} == {
        "0004": "dicairkan", "0006": "diverifikasi_desa", "0007": "diajukan", "0002": "diajukan"}
    counts = [actions.count(f"privacy.{a}") for a in ("erase", "purge", "access")]
    assert counts == [3, 1, 6]  # erased: two in the chat, one by an admin; six looks (four in the chat)
    assert len(fake_telegram.named("sendMessage")) >= 30 and len(fake_twilio.named("Messages.json")) >= 25
    log = caplog.text
    for seen in ("turn contact=", '"POST /webhooks/whatsapp/status HTTP/1.1" 204', '"POST /api/chat HTTP/1.1" 200',
                 "/api/v1/contacts/erase"):
        assert seen in log, seen
    bodies = fake_twilio.shown_to(WA_C)
    assert any("Pasar murah" in b for b in bodies) and any("Kabar laporan santunan" in b for b in bodies)
    assert any("0812*****001" in t for t in fake_telegram.texts_to(TG_B))  # the summary, masked


def test_the_spellings_searched_for_are_found():
    """The search itself: formatted, prefixed and embedded numbers are caught, masked ones are not."""
    for text in ("nik 1602 0157 0885 0003.", "KK: 1602-0112-0315-0002", "hp +62 812-3456-7001", "wa:6281355500001",
                 "telp 0812.3456.7003", "no 81234567004 ok", "rek 0012-3456-789"):
        assert leaks("t", text), text
    for text in ("NIK 160201******0003", "HP 0812*****001", "KK 160201******0002", "2026-11-26 10:00:01,123"):
        assert not leaks("t", text), text


def test_masked_numbers_give_nothing_away():
    shown = [mask_nik(n) for n in NIKS] + [mask_kk(k) for k in KKS] + [mask_phone(p) for p in PHONES]
    shown += [mask_account(a) for a in ACCOUNTS]
    assert shown[0] == "160201******0003" and mask_phone("+6281355500001") == "0813*****001"
    assert mask_phone("081234567001") == mask_phone("+62 812-3456-7001") == "0812*****001"
    assert mask_account("00123456789") == "*******6789"
    assert not [s for s in shown if leaks("mask", s)]


def test_debug_logging_keeps_sql_parameters_and_provider_requests_out():
    """LOG_LEVEL=DEBUG must not switch on SQLAlchemy's statement log, which prints every bound
    parameter (KK numbers, phones, bank accounts), nor Twilio's or Telegram's request logs."""
    root = logging.getLogger()
    saved = root.handlers[:], root.level, {n: logging.getLogger(n).level for n in QUIET}
    try:
        setup_logging("DEBUG", stream=io.StringIO())
        for name in ("sqlalchemy.engine.Engine", "sqlalchemy.pool", "twilio.async_http_client", "twilio.http_client",
                     "telegram.Bot", "httpx", "uvicorn.access"):
            assert logging.getLogger(name).getEffectiveLevel() >= logging.WARNING, name
    finally:
        root.handlers[:] = saved[0]
        root.setLevel(saved[1])
        for name, level in saved[2].items():
            logging.getLogger(name).setLevel(level)
