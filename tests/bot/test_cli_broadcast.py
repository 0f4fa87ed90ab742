"""`python -m bot broadcast` from the command line, with a worker delivering."""
from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path

from tests.fakes.servers import FakeTelegram

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"


def _env(db_url, tmp_path, fake, **extra):
    return {"PATH": os.environ["PATH"], "PYTHONPATH": str(ROOT), "DATABASE_URL": db_url, "DATA_DIR": str(tmp_path),
            "TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_WEBHOOK_SECRET": "s3cret", "TELEGRAM_API_BASE_URL": fake.base_url,
            "BROADCAST_QUIET_HOURS": "", "SECRET_KEY": "k" * 40, **extra}


async def _subscribers(db_url: str, tmp_path: Path) -> None:
    from bot.app import build_runtime
    from bot.config import Settings
    from storage.models import utcnow

    rt = build_runtime(Settings(_env_file=None, database_url=db_url, data_dir=tmp_path, secret_key="k" * 40))
    for i in range(3):
        c = await rt.contacts.touch(channel="telegram", channel_user_id=str(910 + i), at=utcnow())
        await rt.contacts.subscribe(contact_id=c.id, kecamatan=None, via="telegram", at=utcnow())
    await rt.close()


def test_broadcast_waits_for_approval_or_sends_and_follows(db_url, tmp_path):
    fake = FakeTelegram(TOKEN)
    try:
        asyncio.run(_subscribers(db_url, tmp_path))
        run = ["-m", "bot", "broadcast", "--title", "Dari CLI", "--body", "Uji operator."]
        waiting = subprocess.run([sys.executable, *run], cwd=ROOT, env=_env(db_url, tmp_path, fake),
                                 capture_output=True, text=True, timeout=60)
        assert waiting.returncode == 0 and "waits for a staff member's approval" in waiting.stdout
        worker = subprocess.Popen([sys.executable, "-m", "bot", "worker"], cwd=ROOT,
                                  env=_env(db_url, tmp_path, fake), stdout=subprocess.DEVNULL,
                                  stderr=subprocess.DEVNULL)
        try:
            sent = subprocess.run([sys.executable, *run], cwd=ROOT, capture_output=True, text=True, timeout=60,
                                  env=_env(db_url, tmp_path, fake, BROADCAST_REQUIRE_APPROVAL="false"))
        finally:
            worker.terminate()
            worker.wait(10)
        assert sent.returncode == 0, sent.stderr
        assert "3 recipients, 3 sent, 0 failed, 0 skipped" in sent.stdout
        assert sorted(c.params["chat_id"] for c in fake.named("sendMessage")) == ["910", "911", "912"]
    finally:
        fake.close()
