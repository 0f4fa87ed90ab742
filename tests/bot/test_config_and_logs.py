"""Settings (names, .env.example, one-line errors) and the log redaction filter."""
from __future__ import annotations

import logging
import re
import subprocess
import sys
from pathlib import Path

import pytest

from bot.config import ConfigError, Settings, load_settings
from bot.logs import RedactFilter, redact
from tests.conftest import chat

ROOT = Path(__file__).resolve().parents[2]


def test_env_example_lists_every_setting_with_a_comment():
    lines = (ROOT / ".env.example").read_text().splitlines()
    names = [ln.split("=", 1)[0] for ln in lines if re.match(r"^[A-Z_]+=", ln)]
    assert sorted(names) == sorted(f.upper() for f in Settings.model_fields)
    for i, ln in enumerate(lines):
        if re.match(r"^[A-Z_]+=", ln):
            assert lines[i - 1].startswith("# "), f"{ln} has no comment above it"


def test_defaults_follow_the_contract():
    s = Settings(_env_file=None)
    assert s.database_url == "sqlite+aiosqlite:///./var/layanan.db" and s.redis_url == ""
    assert s.conversation_timeout_minutes == 30 and s.broadcast_quiet_hours == "21-06"
    assert (s.telegram_send_rate, s.whatsapp_send_rate) == (25, 10)
    assert s.run_worker_in_process is True


@pytest.mark.parametrize("env,name", [
    ({"DATABASE_URL": "mysql://x"}, "DATABASE_URL"),
    ({"CONVERSATION_TIMEOUT_MINUTES": "lima"}, "CONVERSATION_TIMEOUT_MINUTES"),
    ({"REDIS_URL": "localhost:6379"}, "REDIS_URL"),
    ({"BROADCAST_QUIET_HOURS": "malam"}, "BROADCAST_QUIET_HOURS"),
    ({"TWILIO_ACCOUNT_SID": "AC1"}, "TWILIO_AUTH_TOKEN"),
])
def test_a_bad_setting_is_named_in_one_line(monkeypatch, env, name):
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    with pytest.raises(ConfigError, match=name):
        load_settings(_env_file=None)


def test_cli_stops_with_one_clear_line(tmp_path):
    env = {"PATH": "/usr/bin:/bin", "CONVERSATION_TIMEOUT_MINUTES": "abc", "DATA_DIR": str(tmp_path)}
    r = subprocess.run([sys.executable, "-m", "bot", "serve"], cwd=tmp_path, env={**env, "PYTHONPATH": str(ROOT)},
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 2
    assert r.stderr.strip().count("\n") == 0 and "CONVERSATION_TIMEOUT_MINUTES" in r.stderr


def test_secret_key_is_generated_once_and_kept(tmp_path):
    s1 = Settings(_env_file=None, data_dir=tmp_path)
    s2 = Settings(_env_file=None, data_dir=tmp_path)
    assert s1.ensure_secret_key() == s2.ensure_secret_key() and len(s1.secret_key) >= 32
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


@pytest.mark.parametrize("raw,hidden", [
    ("nik 1602015708850003 ok", "1602015708850003"),
    ("kk 1602-0157-0885-0003", "1602-0157-0885-0003"),
    ("hp 081234567890", "081234567890"),
    ("wa whatsapp:+6281234567890", "+6281234567890"),
    ("url https://api.telegram.org/bot123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw/getMe",
     "AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"),
])
def test_redaction_masks_personal_data_and_tokens(raw, hidden):
    assert hidden not in redact(raw)
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "got %s", (raw,), None)
    RedactFilter().filter(record)
    assert hidden not in record.getMessage()


async def test_a_turn_never_logs_what_the_citizen_wrote(client, caplog):
    caplog.set_level(logging.DEBUG)
    await chat(client, "web-log", "nik saya 1602015708850003 hp 081234567890 rahasia-kata")
    joined = "\n".join(r.getMessage() for r in caplog.records)
    assert "turn contact=" in joined  # the turn was logged...
    for secret in ("1602015708850003", "081234567890", "rahasia-kata"):
        assert secret not in joined  # ...without its text


def test_an_empty_quiet_hours_setting_means_none(monkeypatch, tmp_path):
    """CONTRACT.md: BROADCAST_QUIET_HOURS "empty for none" (every other empty value keeps its default)."""
    from bot.config import load_settings

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("BROADCAST_QUIET_HOURS", "")
    assert load_settings().broadcast_quiet_hours == ""
    monkeypatch.delenv("BROADCAST_QUIET_HOURS")
    assert load_settings().broadcast_quiet_hours == "21-06"
    (tmp_path / ".env").write_text("BROADCAST_QUIET_HOURS=\n")
    assert load_settings().broadcast_quiet_hours == ""
