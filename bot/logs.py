"""Logging set-up with a redaction filter: no NIK, KK number, phone number or bot token ever
reaches a log line, whatever a library or a careless call site passes in."""
from __future__ import annotations

import logging
import re
from typing import IO

__all__ = ["QUIET", "RedactFilter", "redact", "setup_logging"]

# Loggers kept at WARNING whatever LOG_LEVEL says: URLs carry the bot token, Twilio's request logs
# carry phone numbers, access logs carry ids, and SQLAlchemy's statement log (on as soon as its logger
# allows INFO) prints every bound parameter: KK numbers, heirs' phones and bank accounts, names.
QUIET = ("httpx", "httpcore", "uvicorn.access", "alembic", "twilio", "telegram", "aiohttp", "sqlalchemy",
         "aiosqlite")

_PATTERNS = (
    (re.compile(r"(?<!\d)\d{16}(?!\d)"), "[NIK/KK]"),  # NIK and KK numbers are 16 digits
    (re.compile(r"(?<!\d)\d{4}[ .-]\d{4}[ .-]\d{4}[ .-]\d{4}(?!\d)"), "[NIK/KK]"),
    (re.compile(r"(?:\+|(?<!\d))(?:62|0)[ -]?8\d{1,3}[ -]?\d{3,4}[ -]?\d{2,5}(?!\d)"), "[PHONE]"),
    (re.compile(r"bot\d{5,}:[A-Za-z0-9_-]{20,}"), "bot[TOKEN]"),  # Telegram Bot API URLs
)


def redact(text: str) -> str:
    for pattern, mask in _PATTERNS:
        text = pattern.sub(mask, text)
    return text


class RedactFilter(logging.Filter):
    """Formats the record's message once, redacts it, and drops the args."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a bad format string: keep the template only
            message = str(record.msg)
        record.msg, record.args = redact(message), None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        return True


def setup_logging(level: str = "INFO", stream: IO[str] | None = None) -> None:
    handler = logging.StreamHandler(stream)
    handler.addFilter(RedactFilter())
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for name in QUIET:
        logging.getLogger(name).setLevel(logging.WARNING)
