"""Command line: `python -m bot serve|chat|db upgrade`. Configuration errors end in one line."""
from __future__ import annotations

import argparse
import asyncio
import getpass
import logging
import sys

from bot.config import ConfigError, Settings, load_settings
from bot.logs import setup_logging

__all__ = ["main"]


def _require_migrated(settings: Settings) -> None:
    from storage.migrate import pending

    if pending(settings.database_url):
        raise ConfigError("DATABASE_URL: the database is not migrated; run `python -m bot db upgrade` first")


def _serve(settings: Settings, args: argparse.Namespace) -> int:
    import uvicorn

    from bot.app import create_app

    _require_migrated(settings)
    app = create_app(settings)
    uvicorn.run(app, host=args.host, port=args.port, log_config=None, server_header=False,
                proxy_headers=True, forwarded_allow_ips="127.0.0.1")
    return 0


def _db(settings: Settings, args: argparse.Namespace) -> int:
    from storage.migrate import upgrade

    upgrade(settings.database_url)
    print("database is up to date")
    return 0


async def _chat_loop(settings: Settings) -> None:
    from bot.app import build_runtime
    from handlers import console

    logging.getLogger("handlers").setLevel(logging.WARNING)  # keep the dialogue readable
    runtime = build_runtime(settings)
    user = f"console-{getpass.getuser()}"
    print("Layanan OKI (konsol). Ketik pesan; Ctrl-D untuk keluar.\n")
    try:
        for line in ["halo", *_lines()]:
            replies = (await runtime.dispatcher.handle(console.parse(user, line))).replies
            print(console.render(replies), end="\n\n", flush=True)
    finally:
        await runtime.close()


def _lines():
    while True:
        try:
            yield input("> ")
        except EOFError:
            return


def _chat(settings: Settings, args: argparse.Namespace) -> int:
    _require_migrated(settings)
    asyncio.run(_chat_loop(settings))
    return 0


async def _telegram_webhook(settings: Settings, action: str) -> str:
    from telegram import Bot

    if not settings.telegram_enabled:
        raise ConfigError("TELEGRAM_BOT_TOKEN: not set, so there is no bot to register")
    async with Bot(settings.telegram_bot_token, base_url=settings.telegram_api_base_url) as bot:
        if action == "delete-webhook":
            await bot.delete_webhook()
            return "webhook removed"
        if not settings.telegram_webhook_secret:
            raise ConfigError("TELEGRAM_WEBHOOK_SECRET: required to register a webhook")
        url = f"{settings.public_base_url}/webhooks/telegram"
        await bot.set_webhook(url, secret_token=settings.telegram_webhook_secret,
                              allowed_updates=["message", "callback_query"], max_connections=40)
        return f"webhook set to {url}"


def _telegram(settings: Settings, args: argparse.Namespace) -> int:
    print(asyncio.run(_telegram_webhook(settings, args.action)))
    return 0


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m bot", description="Layanan OKI")
    sub = p.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="run the web server (web chat, webhooks, staff API)")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.set_defaults(run=_serve)
    chat = sub.add_parser("chat", help="talk to the bot in this terminal")
    chat.set_defaults(run=_chat)
    telegram = sub.add_parser("telegram", help="register or remove the Telegram webhook")
    telegram.add_argument("action", choices=["set-webhook", "delete-webhook"])
    telegram.set_defaults(run=_telegram)
    db = sub.add_parser("db", help="database tasks")
    db_sub = db.add_subparsers(dest="db_command", required=True)
    db_sub.add_parser("upgrade", help="apply migrations").set_defaults(run=_db)
    return p


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        settings = load_settings()
        setup_logging(settings.log_level)
        if args.command != "db":
            settings.ensure_secret_key()
        return args.run(settings, args)
    except ConfigError as exc:
        print(f"configuration error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
