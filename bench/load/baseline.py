"""The bot most people would write instead, for the load benchmark's baseline: a plain
python-telegram-bot `ConversationHandler` with a 3-step form (name, NIK, desa), its state in the
process's memory, no dedupe, no database, behind FastAPI + uvicorn like ours, answering through the
same fake Bot API. One process: its conversations live in that process's memory, so a second worker
would lose them (that is the price of the baseline's speed).

    python -m bench.load.baseline --port 8090 --api http://127.0.0.1:8081 --token T --secret S
"""
from __future__ import annotations

import argparse
import contextlib
import hmac

import uvicorn
from fastapi import FastAPI, Request, Response
from telegram import Update
from telegram.ext import Application, ContextTypes, ConversationHandler, MessageHandler, filters

NAME, NIK, DESA = range(3)


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    await update.message.reply_text("Pendaftaran. Siapa nama lengkap Anda?")
    return NAME


async def name(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    context.user_data["name"] = update.message.text
    await update.message.reply_text("Berapa NIK Anda (16 angka)?")
    return NIK


async def nik(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    text = (update.message.text or "").replace(" ", "")
    if not (text.isdigit() and len(text) == 16):
        await update.message.reply_text("NIK harus 16 angka. Coba lagi.")
        return NIK
    context.user_data["nik"] = text
    await update.message.reply_text("Di desa mana Anda tinggal?")
    return DESA


async def desa(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    context.user_data["desa"] = update.message.text
    await update.message.reply_text(f"Terima kasih, {context.user_data['name']}. Data Anda sudah kami catat.")
    context.user_data.clear()
    return ConversationHandler.END


def build(api: str, token: str, secret: str) -> FastAPI:
    application = (Application.builder().token(token).base_url(f"{api}/bot").base_file_url(f"{api}/file/bot")
                   .updater(None).build())
    text = filters.TEXT & ~filters.COMMAND
    application.add_handler(ConversationHandler(
        entry_points=[MessageHandler(filters.Regex("(?i)^daftar$"), start)],
        states={NAME: [MessageHandler(text, name)], NIK: [MessageHandler(text, nik)],
                DESA: [MessageHandler(text, desa)]},
        fallbacks=[]))

    @contextlib.asynccontextmanager
    async def lifespan(_app: FastAPI):
        async with application:
            yield

    app = FastAPI(lifespan=lifespan)

    @app.post("/webhooks/telegram")
    async def webhook(request: Request) -> Response:
        if not hmac.compare_digest(request.headers.get("X-Telegram-Bot-Api-Secret-Token", ""), secret):
            return Response(status_code=403)
        update = Update.de_json(await request.json(), application.bot)
        await application.process_update(update)  # answers before returning, as ours does
        return Response(status_code=200)

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    return app


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--api", required=True)
    ap.add_argument("--token", required=True)
    ap.add_argument("--secret", required=True)
    args = ap.parse_args()
    uvicorn.run(build(args.api, args.token, args.secret), host="127.0.0.1", port=args.port, log_level="warning",
                access_log=False)


if __name__ == "__main__":
    main()
