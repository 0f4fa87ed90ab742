"""GET /metrics: turns by channel and flow, webhook rejections, outbox depth and results, rate-limit
refusals, and no label value that says anything about a person."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from prometheus_client import REGISTRY
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import insert

from conversations.flows import build_engine
from storage.models import OutboxMessage, utcnow
from tests.conftest import chat
from tests.handlers.conftest import post_tg, post_wa, tg_update, wa_form

NIK, PHONE, TG_CHAT = "1602015708850003", "+6281234567890", 7123456789
CHANNELS = {"web", "telegram", "whatsapp", "console"}
FLOWS = set(build_engine().flow_names) | {"menu", "none", "other"}
# every label a metric of ours may carry, and the words each may hold
ALLOWED = {
    "channel": CHANNELS, "flow": FLOWS,
    "outcome": {"ok", "undelivered", "failed", "duplicate"},
    "error": {"exception", "busy", "undelivered"},
    "reason": {"bad_secret", "bad_signature", "unparseable"},
    "kind": {"notification", "broadcast", "channel_post"},
    "result": {"sent", "retry", "failed", "throttled", "deferred", "skipped", "held"},
    "limiter": {"coverage_lookup", "staff_link_code", "staff_login"},
    "generation": {"0", "1", "2"},  # the garbage collector's
    "le": None,  # histogram buckets: numbers from the code
}


@pytest.fixture
def settings(settings):
    """No in-process outbox worker: the depth test's rows must stay where they were put."""
    return settings.model_copy(update={"worker_in_process": False})


def _samples(body: str) -> dict[tuple[str, tuple], float]:
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(body) for s in family.samples}


def _value(body: str, name: str, **labels: str) -> float:
    return _samples(body).get((name, tuple(sorted(labels.items()))), 0.0)


async def _metrics(client) -> str:
    r = await client.get("/metrics")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/plain")
    return r.text


async def test_turns_are_counted_by_channel_and_flow(client):
    before = await _metrics(client)
    await chat(client, "web-metrics", "halo")  # the main menu: no flow
    await chat(client, "web-metrics", "langganan")  # starts the subscription flow
    await chat(client, "web-metrics", "pengumuman")  # inside a flow, the typed word is an answer; menu first
    await chat(client, "web-metrics", "menu")
    await chat(client, "web-metrics", "pengumuman")  # a flow without steps: starts and ends in one turn
    after = await _metrics(client)

    def grew(name: str, **labels: str) -> float:
        return _value(after, name, **labels) - _value(before, name, **labels)

    assert grew("layanan_turns_total", channel="web", flow="menu", outcome="ok") == 2
    assert grew("layanan_turns_total", channel="web", flow="langganan", outcome="ok") == 2
    assert grew("layanan_turns_total", channel="web", flow="pengumuman", outcome="ok") == 1
    assert grew("layanan_turn_seconds_count", channel="web", flow="langganan") == 2
    assert _value(after, "layanan_turns_in_progress", channel="web") == 0


async def test_webhook_rejections_by_channel_and_reason(client):
    before = await _metrics(client)
    assert (await post_tg(client, tg_update(1, TG_CHAT, "halo"), secret="wrong")).status_code == 403
    assert (await post_tg(client, tg_update(2, TG_CHAT, "halo"), secret=None)).status_code == 403
    r = await client.post("/webhooks/telegram", content=b"{not json",
                          headers={"X-Telegram-Bot-Api-Secret-Token": "tg-secret_0123456789"})
    assert r.status_code == 200
    assert (await post_wa(client, wa_form("SM" + "1" * 32, PHONE, "halo"), signature="forged")).status_code == 403
    assert (await post_wa(client, wa_form("SM" + "2" * 32, PHONE, "halo"), path="/webhooks/whatsapp/status",
                          signature=None)).status_code == 403
    assert (await post_wa(client, {"Body": "halo"})).status_code == 200  # signed, but no sender or id
    after = await _metrics(client)
    grew = {key: _value(after, "layanan_webhook_rejections_total", channel=key[0], reason=key[1])
            - _value(before, "layanan_webhook_rejections_total", channel=key[0], reason=key[1])
            for key in [("telegram", "bad_secret"), ("telegram", "unparseable"), ("whatsapp", "bad_signature"),
                        ("whatsapp", "unparseable")]}
    assert grew == {("telegram", "bad_secret"): 2, ("telegram", "unparseable"): 1,
                    ("whatsapp", "bad_signature"): 2, ("whatsapp", "unparseable"): 1}


async def test_outbox_depth_is_read_at_scrape_time(client):
    assert not client.app.state.runtime.tasks  # no worker to send the rows away
    now = utcnow()
    row = {"priority": 0, "channel": "telegram", "address": "1", "body": "{}", "status": "pending", "attempts": 0,
           "created_at": now}
    async with client.app.state.runtime.db.begin() as conn:
        await conn.execute(insert(OutboxMessage.__table__), [
            {**row, "kind": "notification", "next_attempt_at": now - timedelta(minutes=10)},
            {**row, "kind": "notification", "next_attempt_at": now + timedelta(minutes=10)},
            {**row, "kind": "broadcast", "next_attempt_at": now - timedelta(seconds=5), "channel": "whatsapp"},
            {**row, "kind": "broadcast", "next_attempt_at": now, "status": "sent"},
        ])
    body = await _metrics(client)
    assert _value(body, "layanan_outbox_depth_ok") == 1
    assert _value(body, "layanan_outbox_pending", channel="telegram", kind="notification") == 2
    assert _value(body, "layanan_outbox_due", channel="telegram", kind="notification") == 1
    assert 599 <= _value(body, "layanan_outbox_oldest_due_seconds", channel="telegram", kind="notification") < 700
    assert _value(body, "layanan_outbox_pending", channel="whatsapp", kind="broadcast") == 1
    assert ("layanan_outbox_pending", (("channel", "telegram"), ("kind", "broadcast"))) not in _samples(body)


async def test_a_scrape_without_the_database_still_answers(client, monkeypatch):
    async def down(**_):
        raise ConnectionError("database down")

    monkeypatch.setattr(client.app.state.runtime.outbox, "depth", down)
    body = await _metrics(client)
    assert _value(body, "layanan_outbox_depth_ok") == 0 and "layanan_turns_total" in body


async def test_rate_limit_refusals_and_login_lockouts_are_counted(client):
    before = await _metrics(client)
    for _ in range(5):  # five lookups an hour (the default), then the sixth is refused before it starts
        await chat(client, "web-limit", "cek bpjs")
        await chat(client, "web-limit", NIK)
        await chat(client, "web-limit", "Siti Aminah")
    await chat(client, "web-limit", "cek bpjs")
    await client.app.state.runtime.staff.create(username="budi.metrics", role="admin", password="kata-sandi-rahasia",
                                                actor="test")
    codes = [(await client.post("/api/v1/auth/token", data={"username": "budi.metrics", "password": "salah-salah",
                                                             "grant_type": "password"})).status_code
             for _ in range(6)]
    assert codes[-2:] == [429, 429]
    after = await _metrics(client)
    assert (_value(after, "layanan_rate_limited_total", limiter="coverage_lookup")
            - _value(before, "layanan_rate_limited_total", limiter="coverage_lookup")) == 1
    assert (_value(after, "layanan_rate_limited_total", limiter="staff_login")
            - _value(before, "layanan_rate_limited_total", limiter="staff_login")) == 2


def _personal(value: str) -> bool:
    """A label value that could be a NIK, a KK number, a phone number or a chat id: any run of
    five digits or more, a plus sign, or an @."""
    return bool(re.search(r"\d{5,}|\+|@", value))


async def test_no_label_value_ever_carries_a_phone_number_or_a_nik(client):
    """Traffic full of personal data on every channel, including failures and rejections; then every
    label of every layanan_ metric, as exposed and as held in the registry, is one of the fixed words
    of its label (or a histogram bucket), and nothing personal appears anywhere in the output."""
    for text in ("halo", f"nik saya {NIK}", "cek bpjs", NIK, "Siti Aminah", PHONE, "lapor kematian", NIK, "menu"):
        await chat(client, f"web-{PHONE[1:]}", text)
        await post_tg(client, tg_update(abs(hash(text)) % 10**6, TG_CHAT, text))
        await post_wa(client, wa_form("SM" + f"{abs(hash(text)):032d}"[:32], PHONE, text))
    await post_tg(client, tg_update(99, TG_CHAT, NIK), secret=NIK)
    await post_wa(client, wa_form("SM" + "9" * 32, PHONE, NIK), signature=PHONE)
    body = await _metrics(client)
    assert all(f'layanan_turns_total{{channel="{c}"' in body for c in ("web", "telegram", "whatsapp"))
    for needle in (NIK, PHONE, PHONE.lstrip("+"), str(TG_CHAT), "Siti", "web-"):
        assert needle not in body
    exposed = [s for family in text_string_to_metric_families(body) for s in family.samples
               if s.name.startswith("layanan_")]
    held = [s for family in REGISTRY.collect() for s in family.samples if s.name.startswith("layanan_")]
    assert len(exposed) > 20 and held
    for sample in exposed + held:
        for label, value in sample.labels.items():
            assert label in ALLOWED, f"{sample.name}: unexpected label {label}"
            if ALLOWED[label] is None:
                assert value == "+Inf" or re.fullmatch(r"\d+(\.\d+)?", value), (sample.name, label, value)
            else:
                assert value in ALLOWED[label] and not _personal(value), (sample.name, label, value)
