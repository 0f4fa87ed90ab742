"""Benchmark chat turns through the signed Telegram and WhatsApp webhooks, next to the web chat.

Starts the app (``python -m bot serve``) on a fresh SQLite file with Telegram and WhatsApp enabled
and pointed at the fake Bot API and fake Twilio REST API from tests/fakes (real HTTP servers on
loopback, in this process). N users then talk, each waiting for the webhook's answer before the
next message, cycling through the same five messages as bench/chat_turns.py, on each channel in
turn. A webhook request returns only after our replies were sent to the provider's API, so its
latency includes the outbound call(s) the real providers would also get; with TELEGRAM_WEBHOOK_REPLY
(the default) a Telegram turn whose answer is one plain message returns it in the webhook's response
instead, which Telegram performs, and the load generator counts those answers too.

Telegram requests carry the secret header and a fresh update_id; WhatsApp requests are signed
with X-Twilio-Signature over the public URL and carry a fresh MessageSid (the server checks both).

    python -m bench.webhook_turns [--users 20] [--seconds 10] [--redis URL] [--no-webhook-reply] [--text-only]
                                  [--no-write]
"""
from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import itertools
import os
import platform
import subprocess
import sys
import tempfile
from pathlib import Path

import httpx
from twilio.request_validator import RequestValidator

from bench.chat_turns import (
    TURNS,
    WARMUP_S,
    Result,
    backend_label,
    drive,
    free_port,
    report_failure,
    running_server,
    table,
    write_doc,
)
from tests.fakes.servers import FakeTelegram, FakeTwilio

START, END = "<!-- bench:webhook_turns:start -->", "<!-- bench:webhook_turns:end -->"
TOKEN, SECRET = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw", "bench-secret"
SID, AUTH, FROM = "AC" + "0" * 32, "bench-auth-token-0123456789abcdef", "whatsapp:+14155238886"


async def run_load(base_url: str, users: int, seconds: float) -> list[Result]:
    limits = httpx.Limits(max_connections=users, max_keepalive_connections=users)
    ids = itertools.count(1)
    validator = RequestValidator(AUTH)
    async with httpx.AsyncClient(base_url=base_url, limits=limits, timeout=30.0) as client:

        async def web(i: int, n: int) -> bool:
            body = {"user": f"bench-web-{i}", "text": TURNS[n % len(TURNS)]}
            return (await client.post("/api/chat", json=body)).status_code == 200

        async def telegram(i: int, n: int) -> bool:
            uid, chat = next(ids), 900000 + i
            update = {"update_id": uid, "message": {
                "message_id": uid, "date": 1700000000, "text": TURNS[n % len(TURNS)],
                "chat": {"id": chat, "type": "private", "first_name": "Bench"},
                "from": {"id": chat, "is_bot": False, "first_name": "Bench"}}}
            headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
            r = await client.post("/webhooks/telegram", json=update, headers=headers)
            if r.headers.get("content-type", "").startswith("application/json"):
                ANSWERED_IN_RESPONSE[0] += 1  # Telegram sends it: no call of ours
            return r.status_code == 200

        async def whatsapp(i: int, n: int) -> bool:
            sid = f"SM{next(ids):032x}"
            form = {"MessageSid": sid, "SmsMessageSid": sid, "AccountSid": SID, "From": f"whatsapp:+62812{i:07d}",
                    "To": FROM, "Body": TURNS[n % len(TURNS)], "NumMedia": "0", "ProfileName": "Bench",
                    "WaId": f"62812{i:07d}"}
            signature = validator.compute_signature(base_url + "/webhooks/whatsapp", form)
            r = await client.post("/webhooks/whatsapp", data=form, headers={"X-Twilio-Signature": signature})
            return r.status_code == 200

        return [await drive("web chat: POST /api/chat", users, seconds, web),
                await drive("Telegram: signed POST /webhooks/telegram", users, seconds, telegram),
                await drive("WhatsApp: signed POST /webhooks/whatsapp", users, seconds, whatsapp)]


ANSWERED_IN_RESPONSE = [0]  # Telegram turns whose one message came back in the webhook's response


def section(args: argparse.Namespace, results: list[Result], sent: dict[str, int]) -> str:
    now = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    return f"""## Chat turns through the signed Telegram and WhatsApp webhooks

- Command: `make bench` (or `python -m bench.webhook_turns --users {args.users} --seconds {args.seconds:g}`)
- Date: {now}
- Machine: {os.cpu_count()} CPUs, {platform.machine()}, Python {platform.python_version()}
- Backend: {backend_label(args.redis)}; one uvicorn process
- Load: {args.users} concurrent users per channel, each sending its next message only after the
  webhook answered ({" -> ".join(TURNS)}, repeated); {WARMUP_S:g} s warm-up, then {args.seconds:g} s
  measured per channel, one channel after the other.
- A webhook answers after our replies went out through the provider's API (the fake Bot API and
  fake Twilio from tests/fakes, running in the load generator's process on the same two cores), so
  its latency includes those outbound HTTP calls; the web chat returns its replies in the response.
- Outbound calls the fakes received: Telegram sendMessage {sent["telegram"]}, Twilio Messages.json
  {sent["twilio"]}; Telegram turns answered in the webhook's response (TELEGRAM_WEBHOOK_REPLY
  {"on" if args.webhook_reply else "off"}): {sent["in_response"]}.

{table(results)}
"""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--redis", metavar="URL")
    parser.add_argument("--write", action=argparse.BooleanOptionalAction, default=True)
    parser.add_argument("--webhook-reply", action=argparse.BooleanOptionalAction, default=True,
                        help="TELEGRAM_WEBHOOK_REPLY for the server (on by default, as in production)")
    parser.add_argument("--text-only", action="store_true",
                        help="the fake Twilio without the Content API: WhatsApp choices as numbered text")
    args = parser.parse_args(argv)
    tg, tw = FakeTelegram(TOKEN), FakeTwilio(SID, AUTH, content_api=not args.text_only)
    with tempfile.TemporaryDirectory(prefix="bench-webhooks-") as tmp:
        base_url = f"http://127.0.0.1:{free_port()}"
        env = {**os.environ, "DATABASE_URL": f"sqlite+aiosqlite:///{tmp}/bench.db", "PUBLIC_BASE_URL": base_url,
               "SECRET_KEY": "bench-secret-key-" + "x" * 32, "DATA_DIR": tmp, "LOG_LEVEL": "WARNING",
               "TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_WEBHOOK_SECRET": SECRET, "TELEGRAM_API_BASE_URL": tg.base_url,
               "TWILIO_ACCOUNT_SID": SID, "TWILIO_AUTH_TOKEN": AUTH, "TWILIO_WHATSAPP_FROM": FROM,
               "TWILIO_API_BASE_URL": tw.url, "TELEGRAM_WEBHOOK_REPLY": str(args.webhook_reply).lower(),
               "WEB_MESSAGES_PER_MINUTE": "100000"}  # every simulated citizen comes from 127.0.0.1
        env.pop("REDIS_URL", None)
        if args.redis:
            env["REDIS_URL"] = args.redis
        log_path = Path(tmp) / "server.log"
        try:
            with running_server(env, log_path, base_url):
                results = asyncio.run(run_load(base_url, args.users, args.seconds))
        except (subprocess.CalledProcessError, RuntimeError) as exc:
            return report_failure(exc, log_path)
        finally:
            tg.close()
            tw.close()
    sent = {"telegram": len(tg.named("sendMessage")), "twilio": len(tw.named("Messages.json")),
            "in_response": ANSWERED_IN_RESPONSE[0]}
    print(table(results))
    print(f"outbound: {sent}")
    failed = [r for r in results if r.error_rate > 0.01]
    for r in failed:
        print(f"FAIL: {r.name} error rate {r.error_rate:.1%}", file=sys.stderr)
    if args.write and not failed:
        write_doc(section(args, results, sent), START, END)
        print("updated docs/benchmarks.md")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
