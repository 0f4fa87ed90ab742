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

_SEP = r"[ .\-()]*"  # what people put between digits: spaces, dots, dashes, brackets
_PATTERNS = (  # in this order: a bot id of 10 digits would otherwise become [NUMBER] and free the token
    (re.compile(r"bot\d{5,}:[A-Za-z0-9_-]{20,}"), "bot[TOKEN]"),  # Telegram Bot API URLs
    # 11 digits or more however they are grouped: NIK and KK (16, as 6-6-4, 4-6-6, 4-4-4-4 ...), phones,
    # bank accounts. The bot accepts a NIK with any spaces, dots or dashes, so the log hides every spelling;
    # no upper bound, so that two numbers side by side go whole rather than leave the second one's tail
    (re.compile(rf"(?<!\d)(?:\d{_SEP}){{10,}}\d(?!\d)"), "[NUMBER]"),
    # a shorter mobile number (0812 345 678)
    (re.compile(rf"(?:\+|(?<!\d))(?:62|0){_SEP}8\d{{1,3}}{_SEP}\d{{3,4}}{_SEP}\d{{2,5}}(?!\d)"), "[PHONE]"),
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
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
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
