"""`python -m bot telegram set-webhook|delete-webhook` against the fake Bot API."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.fakes.servers import FakeTelegram

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"


def _run(args, env):
    full = {"PATH": os.environ["PATH"], "PYTHONPATH": str(ROOT), **env}
    return subprocess.run([sys.executable, "-m", "bot", *args], cwd=ROOT, env=full, capture_output=True,
                          text=True, timeout=60)


def test_set_and_delete_webhook(tmp_path):
    fake = FakeTelegram(TOKEN)
    try:
        env = {"TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_WEBHOOK_SECRET": "s3cret_-x", "DATA_DIR": str(tmp_path),
               "TELEGRAM_API_BASE_URL": fake.base_url, "PUBLIC_BASE_URL": "https://layanan.okikab.example"}
        r = _run(["telegram", "set-webhook"], env)
        assert r.returncode == 0, r.stderr
        [call] = fake.named("setWebhook")
        assert call.params["url"] == "https://layanan.okikab.example/webhooks/telegram"
        assert call.params["secret_token"] == "s3cret_-x"
        assert _run(["telegram", "delete-webhook"], env).returncode == 0
        assert fake.named("deleteWebhook")
        assert TOKEN not in r.stdout + r.stderr
    finally:
        fake.close()


def test_set_webhook_without_a_token_says_so(tmp_path):
    r = _run(["telegram", "set-webhook"], {"DATA_DIR": str(tmp_path)})
    assert r.returncode == 2 and "TELEGRAM_BOT_TOKEN" in r.stderr
