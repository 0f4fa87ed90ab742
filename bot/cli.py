"""Command line: `python -m bot serve|chat|db upgrade`. Configuration errors end in one line."""
from __future__ import annotations

import argparse
import asyncio
import getpass
import logging
import signal
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

    if args.workers < 1:
        raise ConfigError("--workers: at least 1")
    if args.workers > 1 and settings.run_worker_in_process and not settings.redis_url:
        raise ConfigError("--workers: each process would run its own outbox worker with its own send rate; "
                          "set WORKER_IN_PROCESS=false and run `python -m bot worker`, or set REDIS_URL")
    _require_migrated(settings)
    if args.demo:
        from bot.registry_cli import load_demo

        print(asyncio.run(load_demo(settings)), flush=True)
    from bot.staff_cli import FIRST_STAFF_COMMAND, no_staff_yet

    if asyncio.run(no_staff_yet(settings)):  # a first start: say once how staff get in
        print(f"No staff account yet. Create the first admin (password on the file's first line):\n"
              f"  {FIRST_STAFF_COMMAND}\nthen sign in at {settings.public_base_url}/admin", flush=True)
    if args.server == "granian":
        return _granian(args)
    # several processes need the app as an import string: each builds its own from the environment
    app = create_app(settings, one_process=True) if args.workers == 1 else "bot.asgi:create"
    # the client address the web chat's limits count: X-Forwarded-For only from TRUSTED_PROXIES
    uvicorn.run(app, host=args.host, port=args.port, log_config=None, server_header=False, proxy_headers=True,
                forwarded_allow_ips=settings.trusted_proxies, workers=args.workers, factory=args.workers > 1)
    return 0


def _granian(args: argparse.Namespace) -> int:
    """The web processes under granian (about a fifth less CPU per turn here: docs/benchmarks.md);
    each worker builds the app behind uvicorn's proxy-header handling, as `serve` does under uvicorn."""
    try:
        from granian import Granian
    except ImportError:
        raise ConfigError("--server granian: granian is not installed "
                          "(pip install 'layanan-oki[granian]')") from None
    Granian("bot.asgi:create_behind_proxy", factory=True, address=args.host, port=args.port, interface="asgi",
            workers=args.workers, loop="uvloop", websockets=False, log_access=False).serve()
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


async def _worker_loop(settings: Settings) -> None:
    from bot.app import build_runtime
    from bot.worker import Worker

    runtime = build_runtime(settings)
    await runtime.start()
    worker = Worker(runtime)
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):  # finish the messages in flight, record them, then go
        loop.add_signal_handler(sig, worker.stop)
    try:
        await worker.run()
    finally:
        await runtime.close()


def _worker(settings: Settings, args: argparse.Namespace) -> int:
    _require_migrated(settings)
    if args.metrics_port:  # a machine without a web process: Prometheus scrapes the worker itself
        from prometheus_client import start_http_server

        from handlers.metrics import registry

        start_http_server(args.metrics_port, addr=args.metrics_host, registry=registry())
    asyncio.run(_worker_loop(settings))
    return 0


def _broadcast(settings: Settings, args: argparse.Namespace) -> int:
    from bot.broadcast_cli import broadcast

    _require_migrated(settings)
    return broadcast(settings, args)


def _create_staff(settings: Settings, args: argparse.Namespace) -> int:
    from bot.staff_cli import create_staff

    return create_staff(settings, args)


def _demo_data(settings: Settings, args: argparse.Namespace) -> int:
    from bot.demo_cli import demo_registry

    return demo_registry(settings, args)


def _import_registry(settings: Settings, args: argparse.Namespace) -> int:
    from bot.registry_cli import import_registry

    _require_migrated(settings)
    return import_registry(settings, args)


def _purge(settings: Settings, args: argparse.Namespace) -> int:
    from bot.purge_cli import purge

    _require_migrated(settings)
    return purge(settings, args)


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m bot", description="Layanan OKI")
    sub = p.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="run the web server (web chat, webhooks, staff API)")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--demo", action="store_true",
                       help="load a synthetic coverage list of 2,000 people into an empty database")
    serve.add_argument("--workers", type=int, default=1,
                       help="web processes sharing the port (uvicorn workers); see docs/operations.md for metrics")
    serve.add_argument("--server", choices=("uvicorn", "granian"), default="uvicorn",
                       help="the ASGI server (granian: pip install 'layanan-oki[granian]'; see docs/benchmarks.md)")
    serve.set_defaults(run=_serve)
    worker = sub.add_parser("worker", help="send queued notifications, escalate overdue reports")
    worker.add_argument("--metrics-port", type=int, default=0,
                        help="serve this process's Prometheus metrics on this port (default: none)")
    worker.add_argument("--metrics-host", default="127.0.0.1")
    worker.set_defaults(run=_worker)
    chat = sub.add_parser("chat", help="talk to the bot in this terminal")
    chat.set_defaults(run=_chat)
    telegram = sub.add_parser("telegram", help="register or remove the Telegram webhook")
    telegram.add_argument("action", choices=["set-webhook", "delete-webhook"])
    telegram.set_defaults(run=_telegram)
    cast = sub.add_parser("broadcast", help="compose an announcement and send it (approval permitting)")
    cast.add_argument("--title", required=True)
    cast.add_argument("--body", required=True)
    cast.add_argument("--link")
    cast.add_argument("--kecamatan", nargs="*", help="kecamatan codes or names; none: all of OKI")
    cast.add_argument("--at", help="ISO time to send at, e.g. 2025-09-10T08:00+07:00")
    cast.set_defaults(run=_broadcast)
    staff = sub.add_parser("create-staff", help="create a staff account (password from standard input)")
    staff.add_argument("username")
    staff.add_argument("--role", required=True, choices=["admin", "dinsos", "camat", "kades", "humas"])
    staff.add_argument("--kecamatan", help="kecamatan code or name (camat; kades optional)")
    staff.add_argument("--desa", help="desa/kelurahan code, or name with --kecamatan (kades)")
    staff.add_argument("--name", help="display name shown in histories, e.g. 'Siti Aminah' (optional)")
    staff.add_argument("--position", help="position (jabatan), e.g. 'Kepala Desa Sukadana' (optional)")
    staff.add_argument("--password-stdin", action="store_true", required=True,
                       help="read the password from standard input")
    staff.set_defaults(run=_create_staff)
    demo = sub.add_parser("demo-data", help="write synthetic demo data")
    demo.add_argument("kind", choices=["registry"])
    demo.add_argument("--count", type=int, default=2000)
    demo.add_argument("--out", required=True)
    demo.add_argument("--seed", type=int, default=1)
    demo.set_defaults(run=_demo_data)
    imp = sub.add_parser("import-registry", help="import the BPJS TK coverage list (CSV or XLSX)")
    imp.add_argument("file")
    imp.add_argument("--dry-run", action="store_true", help="validate and report, write nothing")
    imp.add_argument("--rejected-out", help="write the rejected rows, with reasons, to this CSV")
    imp.set_defaults(run=_import_registry)
    purge = sub.add_parser("purge", help="delete what has outlived its retention period (RETENTION_* settings)")
    purge.add_argument("--dry-run", action="store_true", help="count what would be deleted, change nothing")
    purge.set_defaults(run=_purge)
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
