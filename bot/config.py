"""Settings: one `Settings` object, built once by the CLI or a test, never at import.

Names and defaults follow ../shared/docs/CONTRACT.md. Every field has a comment; `.env.example`
lists the same names (a test keeps the two in step)."""
from __future__ import annotations

import os
import re
import secrets
import time
from pathlib import Path

from pydantic import Field, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["Settings", "load_settings", "ConfigError"]

_DEFAULT_DB = "sqlite+aiosqlite:///./var/layanan.db"
_QUIET = re.compile(r"^(\d{1,2})-(\d{1,2})$")
_TG_SECRET = re.compile(r"^[A-Za-z0-9_-]{1,256}$")


class ConfigError(Exception):
    """A setting is missing or malformed; the message names it and says why, in one line."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore",
                                      env_ignore_empty=True)

    # SQLAlchemy URL: SQLite (embedded default) or postgresql+asyncpg://user@host/db
    database_url: str = _DEFAULT_DB
    # Redis URL; when set, conversation state, locks and dedupe keys live in Redis
    redis_url: str = ""
    # Signs sessions and keys the NIK hash; generated into DATA_DIR/secret_key when empty
    secret_key: str = ""
    # Folder for the SQLite file, the generated secret key and attachments
    data_dir: Path = Path("./var")
    # The URL the outside world calls; Twilio signatures are checked against it
    public_base_url: str = "http://127.0.0.1:8000"
    # Telegram bot token; enables Telegram
    telegram_bot_token: str = ""
    # The bot's @username without the @: the t.me links on the front page and the staff's chat linking
    telegram_bot_username: str = ""
    # Secret Telegram sends in X-Telegram-Bot-Api-Secret-Token; required with webhooks
    telegram_webhook_secret: str = ""
    # Base URL of the Telegram Bot API, up to and including /bot (tests point it at a fake server)
    telegram_api_base_url: str = "https://api.telegram.org/bot"
    # How Telegram updates arrive: webhook or polling
    telegram_mode: str = "webhook"
    # A turn's one plain message goes back in the webhook's response (Telegram sends it), saving a call
    telegram_webhook_reply: bool = True
    # Remember contacts between turns (PostgreSQL: a LISTEN connection per process; SQLite: a change log)
    contact_cache: bool = True
    # Public channel (@name or id) where the bot also posts each announcement
    telegram_channel_id: str = ""
    # Twilio account SID; with the token and sender, enables WhatsApp
    twilio_account_sid: str = ""
    # Twilio auth token; also checks X-Twilio-Signature
    twilio_auth_token: str = ""
    # WhatsApp sender, e.g. whatsapp:+62811...
    twilio_whatsapp_from: str = ""
    # Base URL of the Twilio REST API (tests point it at a fake server)
    twilio_api_base_url: str = "https://api.twilio.com"
    # Approved WhatsApp template (ContentSid HX...) for messages we start outside the 24-hour window;
    # its variables are {{1}} the title and {{2}} the link. Empty: such messages are held, with the reason recorded
    whatsapp_template_sid: str = ""
    # Largest photo or document accepted from a citizen, in megabytes
    attachment_max_mb: float = Field(10, gt=0, le=20)
    # Coverage lookups one contact may make per hour, and per day (stops walking through NIKs)
    coverage_lookups_per_hour: int = Field(5, ge=1, le=1000)
    coverage_lookups_per_day: int = Field(10, ge=1, le=10000)
    # Web chat: sensitive lookups (coverage, the death report's NIK step, status) one client address
    # may make per hour before each needs a solved proof of work (people behind one carrier NAT share it)
    web_lookups_free_per_hour: int = Field(6, ge=0, le=10000)
    # Web chat: sensitive lookups one client address may make per hour with a proof of work each
    web_lookups_per_hour: int = Field(60, ge=1, le=100000)
    # Lookups of one NIK or one report reference per hour, by anyone on any channel
    lookups_per_subject_per_hour: int = Field(5, ge=1, le=10000)
    # Web chat: the proof of work's size (the largest number to try); about a second on a cheap phone
    web_proof_difficulty: int = Field(50_000, ge=1000, le=10_000_000)
    # Web chat: messages one client address may send per minute (generous: carrier NAT); more get 429
    web_messages_per_minute: int = Field(600, ge=1, le=100000)
    # Web chat: new web-chat ids one client address may start per hour; more get 429
    web_new_contacts_per_hour: int = Field(200, ge=1, le=100000)
    # Proxies whose X-Forwarded-For is believed (uvicorn's forwarded_allow_ips): comma-separated
    # addresses, or * for any; the client address the limits count is taken through these only
    trusted_proxies: str = "127.0.0.1"
    # Staff logins: failed logins one username may have from one client address in 15 minutes
    # (4x in a day) before that source waits (429); the account's owner elsewhere is not stopped
    login_max_failures: int = Field(5, ge=1, le=1000)
    # Staff logins: failed logins one client address may have in 15 minutes, whatever the usernames
    # (4x in a day), before it waits (429): password spraying from one machine
    login_max_failures_per_ip: int = Field(10, ge=1, le=100000)
    # Staff logins: failed logins from everywhere in 15 minutes before every login waits until the
    # 15 minutes end (a warning is logged): password spraying from many machines
    login_max_failures_global: int = Field(200, ge=1, le=1_000_000)
    # Santunan kematian (Perbup OKI 17/2025 as published): amount in rupiah
    santunan_amount: int = Field(1_000_000, ge=0)
    # Calendar days after the death within which a report is accepted
    santunan_window_days: int = Field(7, ge=1, le=365)
    # Accept a report filed after the window, flagged for Dinas Sosial, instead of refusing it
    santunan_accept_late: bool = False
    # Highest DTSEN desil that qualifies (checked by Dinas Sosial, explained by the bot)
    santunan_desil_max: int = Field(5, ge=1, le=10)
    # Days the desa has to verify a new report
    santunan_deadline_desa_days: int = Field(3, ge=1, le=60)
    # Days the kecamatan has to verify after the desa
    santunan_deadline_kecamatan_days: int = Field(3, ge=1, le=60)
    # Days from the kecamatan's verification to payment
    santunan_deadline_payment_days: int = Field(7, ge=1, le=90)
    # Where families ask about the santunan
    office_contact: str = "Dinas Sosial Kabupaten Ogan Komering Ilir di Kayuagung, atau kantor desa/kelurahan Anda"
    # Where a family claims JKM from BPJS Ketenagakerjaan
    jkm_claim_contact: str = ("kantor cabang BPJS Ketenagakerjaan terdekat, atau layanan Lapak Asik "
                              "(lapakasik.bpjsketenagakerjaan.go.id)")
    # Idle minutes after which a conversation starts over (a form's answers are kept as a draft)
    conversation_timeout_minutes: int = Field(30, ge=1, le=24 * 60)
    # Days an unfinished death report's answers are kept as a draft, to be continued
    draft_retention_days: int = Field(14, ge=1, le=90)
    # Hours the other forms' unfinished answers are kept as a draft (the coverage check's NIK)
    draft_retention_hours: int = Field(6, ge=1, le=72)
    # Days delivery records, finished outbox rows and quiet contacts (not subscribed, no report still
    # moving) are kept before `python -m bot purge` (and the worker, daily) deletes or forgets them
    retention_conversation_days: int = Field(30, ge=2, le=3650)
    # Days the documents (photos, PDFs) of a paid or rejected report are kept after that final
    # status; the report itself is kept. Follow the regency's archive schedule (jadwal retensi arsip)
    retention_documents_days: int = Field(365, ge=1, le=36500)
    # Messages per second the outbox sends on Telegram, across all workers
    telegram_send_rate: float = Field(25, gt=0)
    # Messages per second the outbox sends on WhatsApp, across all workers
    whatsapp_send_rate: float = Field(10, gt=0)
    # Business-initiated WhatsApp conversations (template messages outside the 24-hour window) per
    # rolling 24 hours: the sender's Meta messaging tier (250, 1000, 10000, 100000); 0 for no cap.
    # Recipients past the cap wait until the tier allows them (the next day)
    whatsapp_daily_conversations: int = Field(1000, ge=0)
    # Seconds an outbox worker holds the rows it claimed; a killed worker's rows go to another after this
    outbox_lease_seconds: int = Field(120, ge=5, le=3600)
    # Local hours (Asia/Jakarta) in which broadcasts pause, e.g. 21-06; empty for none
    broadcast_quiet_hours: str = "21-06"
    # A second staff member approves a broadcast before it is sent
    broadcast_require_approval: bool = True
    # Share of recipients sent first as a canary; 0 for no canary
    broadcast_canary_percent: float = Field(1, ge=0, le=100)
    # Seconds the canary is watched before the rest is sent
    broadcast_canary_wait_seconds: int = Field(300, ge=0)
    # Failed sends plus opt-outs among the canary, in percent, above which the broadcast pauses
    broadcast_canary_threshold_percent: float = Field(5, ge=0, le=100)
    # When staff answer the helpdesk (Asia/Jakarta): days and hours, e.g. "Mon-Fri 08:00-15:00" or
    # "Mon-Fri 08:00-15:00, Sat 08:00-12:00"; "Mon-Sun 00:00-24:00" for always
    helpdesk_hours: str = "Mon-Fri 08:00-15:00"
    # Dates (YYYY-MM-DD, comma-separated, Asia/Jakarta) on which nobody answers the helpdesk
    helpdesk_holidays: str = ""
    # Approved WhatsApp template (ContentSid HX...) "Petugas sudah membalas pesan Anda. Balas pesan ini untuk
    # membacanya.", sent when staff answer after the 24-hour window; empty: the answer waits for the citizen
    helpdesk_template_sid: str = ""
    # Minutes between the "message passed on" acknowledgements a citizen talking to a person gets
    helpdesk_acknowledge_minutes: int = Field(30, ge=1, le=24 * 60)
    # Hours without a message after which a helpdesk conversation is closed (the citizen is told)
    helpdesk_idle_close_hours: int = Field(72, ge=1, le=24 * 60)
    # Minutes an unassigned helpdesk conversation may wait in office hours before Dinas Sosial is told
    helpdesk_escalate_minutes: int = Field(60, ge=5, le=7 * 24 * 60)
    # Days a closed helpdesk conversation (its transcript) is kept before the purge deletes it
    retention_tickets_days: int = Field(180, ge=1, le=3650)
    # Knowledge base: a question scoring below this confidence (0..1) gets no answer (a person is offered)
    faq_threshold: float = Field(0.4, ge=0, le=1)
    # At or above this confidence, and FAQ_MARGIN ahead of the next entry, a question is answered at once;
    # between FAQ_THRESHOLD and this, the two best questions are offered ("Maksud Anda: ...?")
    faq_certainty: float = Field(0.5, ge=0, le=1)
    # How far ahead of the second entry the best must score (a share of its score) to be answered without asking
    faq_margin: float = Field(0.2, ge=0, le=1)
    # "Apakah membantu? Ya / Tidak" under every n-th answer of a process; 0: never, 1: after each
    faq_feedback_every: int = Field(3, ge=0, le=1000)
    # Run an outbox worker inside `serve`; default true with SQLite, false with PostgreSQL
    worker_in_process: bool | None = None
    # Log level: DEBUG, INFO, WARNING or ERROR
    log_level: str = "INFO"
    # Serve the staff API's description (/openapi.json, /docs, /redoc; for staff only: a bearer token,
    # or signed in to /admin at /admin/api/docs); false: none of it exists (404)
    api_docs: bool = True
    # Bearer token Prometheus sends for /metrics; empty: /metrics answers loopback clients only
    metrics_token: str = ""

    @field_validator("database_url")
    @classmethod
    def _db_url(cls, v: str) -> str:
        v = v.strip()
        if v.startswith(("postgres://", "postgresql://")):
            v = "postgresql+asyncpg://" + v.split("://", 1)[1]
        if not v.startswith(("sqlite+aiosqlite://", "postgresql+asyncpg://")):
            raise ValueError("must start with sqlite+aiosqlite:// or postgresql+asyncpg://")
        return v

    @field_validator("redis_url")
    @classmethod
    def _redis_url(cls, v: str) -> str:
        v = v.strip()
        if v and not v.startswith(("redis://", "rediss://", "unix://")):
            raise ValueError("must start with redis://, rediss:// or unix://")
        return v

    @field_validator("public_base_url", "telegram_api_base_url", "twilio_api_base_url")
    @classmethod
    def _http_url(cls, v: str) -> str:
        v = v.strip().rstrip("/")
        if not v.startswith(("http://", "https://")):
            raise ValueError("must be an http:// or https:// URL")
        return v

    @field_validator("telegram_mode")
    @classmethod
    def _mode(cls, v: str) -> str:
        v = v.strip().lower()
        if v not in ("webhook", "polling"):
            raise ValueError("must be webhook or polling")
        return v

    @field_validator("broadcast_quiet_hours")
    @classmethod
    def _quiet(cls, v: str) -> str:
        v = v.strip()
        m = _QUIET.match(v)
        if v and not (m and int(m[1]) < 24 and int(m[2]) < 24):
            raise ValueError("must look like 21-06 (start-end hour, 0-23), or be empty")
        return v

    @model_validator(mode="after")
    def _office_hours(self) -> Settings:
        from services.office_hours import OfficeHours

        try:
            OfficeHours.parse(self.helpdesk_hours, self.helpdesk_holidays)
        except ValueError as exc:
            raise ValueError(f"HELPDESK_HOURS / HELPDESK_HOLIDAYS: {exc}") from None
        return self

    @field_validator("log_level")
    @classmethod
    def _level(cls, v: str) -> str:
        v = v.strip().upper()
        if v not in ("DEBUG", "INFO", "WARNING", "ERROR"):
            raise ValueError("must be DEBUG, INFO, WARNING or ERROR")
        return v

    @model_validator(mode="after")
    def _together(self) -> Settings:
        twilio = [self.twilio_account_sid, self.twilio_auth_token, self.twilio_whatsapp_from]
        if any(twilio) and not all(twilio):
            raise ValueError("TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN and TWILIO_WHATSAPP_FROM go together")
        if self.telegram_bot_token and self.telegram_mode == "webhook" and not self.telegram_webhook_secret:
            raise ValueError("TELEGRAM_WEBHOOK_SECRET is required when TELEGRAM_MODE=webhook")
        if self.telegram_webhook_secret and not _TG_SECRET.match(self.telegram_webhook_secret):
            raise ValueError("TELEGRAM_WEBHOOK_SECRET must be 1-256 characters of A-Z a-z 0-9 _ -")
        return self

    @property
    def telegram_enabled(self) -> bool:
        return bool(self.telegram_bot_token)

    @property
    def whatsapp_enabled(self) -> bool:
        return bool(self.twilio_account_sid)

    @property
    def attachment_max_bytes(self) -> int:
        return int(self.attachment_max_mb * 1024 * 1024)

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def run_worker_in_process(self) -> bool:
        return self.is_sqlite if self.worker_in_process is None else self.worker_in_process

    def ensure_secret_key(self) -> str:
        """The configured key, or one generated into DATA_DIR/secret_key on first start."""
        if not self.secret_key:
            path = self.data_dir / "secret_key"
            path.parent.mkdir(parents=True, exist_ok=True)
            try:  # created with mode 0600 from the start, and by one process only when several start at once
                fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
            except FileExistsError:
                pass
            else:
                with os.fdopen(fd, "w") as out:
                    out.write(secrets.token_urlsafe(48))
            for _ in range(100):  # another process may have created it a moment ago and be writing it
                self.secret_key = path.read_text().strip()
                if self.secret_key:
                    break
                time.sleep(0.01)
        if len(self.secret_key) < 32:
            raise ConfigError("SECRET_KEY: too short, use at least 32 characters")
        return self.secret_key


# Settings whose empty value means something other than their default ("empty for none" in
# CONTRACT.md); every other empty value is ignored (env_ignore_empty), so the default applies.
_EMPTY_MEANS_NONE = ("broadcast_quiet_hours",)


def _set_empty(overrides: dict[str, object]) -> None:
    from dotenv import dotenv_values

    dotenv = dotenv_values(".env") if Path(".env").exists() else {}
    for name in _EMPTY_MEANS_NONE:
        key = name.upper()
        value = os.environ[key] if key in os.environ else dotenv.get(key)
        if value is not None and not value.strip():
            overrides.setdefault(name, "")


def load_settings(**overrides: object) -> Settings:
    """Build Settings from the environment and `.env`, turning a validation error into one line."""
    _set_empty(overrides)
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        err = exc.errors()[0]
        name = str(err["loc"][0]).upper() if err.get("loc") else "settings"
        msg = str(err["msg"]).removeprefix("Value error, ")
        raise ConfigError(f"{name}: {msg}" if err.get("loc") else msg) from None
