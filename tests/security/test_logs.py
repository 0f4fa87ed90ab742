"""F7 of the December security review: a NIK, KK or phone number in any grouping, and the message
text, never reach the log, not even through a request that fails validation.

- `redact` (bot/logs.py) masks every spelling the bot itself accepts: 16 digits grouped 6-6-4,
  4-6-6, 4-4-4-4, 2-4-6-4 with spaces, dots or dashes, and phones such as `(0812) 9988 7766`,
  `0812.9988.7766`, `+62 812-3456-7890` (a Hypothesis test over the formats).
- A message to /api/chat that fails validation, with such numbers and a lone surrogate (which
  made FastAPI's own 422 unencodable: a 500, and a traceback in the log holding the whole text),
  gets a plain 4xx, and the log (each record raw, before any filter) holds neither the numbers
  nor the text. The 422 answer lists `loc` and `type` only.
- The app's validation handler never raises, whatever the error holds."""
from __future__ import annotations

import contextlib
import json
import logging
import re
import sys
from collections.abc import Iterator

import httpx
from fastapi.exceptions import RequestValidationError
from hypothesis import given
from hypothesis import strategies as st
from starlette.requests import Request

from bot.limits import invalid_request
from bot.logs import RedactFilter, redact

GROUPS = ((6, 6, 4), (4, 6, 6), (4, 4, 4, 4), (2, 4, 6, 4), (16,))
SEPARATORS = (" ", ".", "-", " - ", ". ", "  ")
WORDS = st.text(alphabet="abcdefghijklmnopqrstuvwxyz ", max_size=12)


def _grouped(digits: str, sizes: tuple[int, ...], sep: str) -> str:
    out, at = [], 0
    for size in sizes:
        out.append(digits[at:at + size])
        at += size
    return sep.join(out)


@st.composite
def nik_or_kk(draw) -> tuple[str, str]:
    digits = draw(st.text(alphabet="0123456789", min_size=16, max_size=16))
    return _grouped(digits, draw(st.sampled_from(GROUPS)), draw(st.sampled_from(SEPARATORS))), digits


@st.composite
def phone(draw) -> tuple[str, str]:
    prefix = draw(st.sampled_from(("08", "628", "+628", "+62 8")))
    rest = draw(st.text(alphabet="0123456789", min_size=9, max_size=10))
    a, b, c = rest[:2], rest[2:6], rest[6:]
    shape = draw(st.sampled_from(("({p}{a}) {b} {c}", "{p}{a}.{b}.{c}", "{p}{a}-{b}-{c}", "{p}{a} {b} {c}",
                                  "{p}{a}{b}{c}")))
    if prefix.startswith("+62"):
        shape = shape.replace("({p}{a})", "{p}{a}")
    return shape.format(p=prefix, a=a, b=b, c=c), re.sub(r"\D", "", prefix + rest)


def _digits_left(text: str) -> str:
    return re.sub(r"\D", "", text)


@given(numbers=st.lists(st.one_of(nik_or_kk(), phone()), min_size=1, max_size=4), before=WORDS, after=WORDS)
def test_redact_masks_every_grouping_of_nik_kk_and_phone(numbers, before, after):
    text = before + " " + " / ".join(spelled for spelled, _ in numbers) + " " + after
    masked = redact(text)
    for spelled, digits in numbers:
        assert spelled not in masked
        assert digits[-8:] not in _digits_left(masked), (text, masked)
    assert masked.startswith(before) and masked.endswith(after)


def test_the_review_s_own_log_line_is_masked_in_the_message_and_the_traceback():
    line = ("NIK 160205.690102.0001 / 1602 056901 020001 HP 0812.9988.7766 (0812) 9988 7766 "
            "KK 16-0205-1234-560001 +62 812-3456-7890")
    try:
        raise ValueError(line)
    except ValueError:
        record = logging.LogRecord("x", logging.ERROR, __file__, 1, "got %s", (line,), sys.exc_info())
    RedactFilter().filter(record)
    for text in (record.getMessage(), record.exc_text):
        assert _digits_left(text).count("9988") == 0 and "160205" not in text and "056901" not in text, text
        assert "3456" not in text and "560001" not in text


def test_a_bot_token_with_a_long_id_is_still_masked():
    masked = redact("https://api.telegram.org/bot1234567890:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw/getMe")
    assert "AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw" not in masked


# --- through the app ---
SECRET_TEXT = ("rahasia-keluarga NIK 160205.690102.0001 / 1602 056901 020001 HP 0812.9988.7766 "
               "(0812) 9988 7766 KK 16-0205-1234-560001")
NUMBERS = ("160205690102", "1602056901", "081299887766", "99887766", "1602051234560001")


class _Uvicorn:
    """What uvicorn does with an exception an app raises: a 500, and the traceback in its error log."""

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        started = False

        async def sending(message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, sending)
        except Exception:
            logging.getLogger("uvicorn.error").exception("Exception in ASGI application\n")
            if not started:
                await send({"type": "http.response.start", "status": 500, "headers": []})
                await send({"type": "http.response.body", "body": b"Internal Server Error"})


@contextlib.contextmanager
def _every_record(caplog) -> Iterator[list[logging.LogRecord]]:
    caplog.set_level(logging.DEBUG)
    yield caplog.records


def _logged(records: list[logging.LogRecord]) -> str:
    lines = []
    for r in records:
        lines.append(r.getMessage())
        if r.exc_info:
            lines.append(logging.Formatter().formatException(r.exc_info))
    return "\n".join(lines)


def _leaks(text: str) -> list[str]:
    joined = re.sub(r"(?<=\d)[ .\-()]+(?=\d)", "", text)
    return [n for n in NUMBERS if n in joined] + (["the message text"] if "rahasia-keluarga" in text else [])


async def test_a_message_with_a_lone_surrogate_is_refused_and_nothing_of_it_is_logged(client, caplog):
    transport = httpx.ASGITransport(app=_Uvicorn(client.app), raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        with _every_record(caplog) as records:
            raw = ('{"user": "web-f7", "text": "' + SECRET_TEXT + ' \\ud83d"}').encode()
            r = await c.post("/api/chat", content=raw, headers={"Content-Type": "application/json"})
    assert 400 <= r.status_code < 500, (r.status_code, r.text[:200])
    assert not _leaks(r.text)
    assert not _leaks(_logged(records)), _logged(records)[:2000]


async def test_a_message_failing_validation_is_answered_with_loc_and_type_only(client, caplog):
    with _every_record(caplog) as records:
        bad_user = await client.post("/api/chat", json={"user": SECRET_TEXT[:60], "text": "halo"})
        too_long = await client.post("/api/chat", json={"user": "web-f7", "text": SECRET_TEXT + " x" * 10_000})
        not_str = await client.post("/api/chat", json={"user": "web-f7", "text": {"nik": SECRET_TEXT}})
    for r in (bad_user, too_long, not_str):
        assert r.status_code == 422, r.text[:200]
        detail = r.json()["detail"]
        assert detail and all(set(e) == {"loc", "type"} for e in detail), detail
        assert not _leaks(r.text)
    assert bad_user.json()["detail"] == [{"loc": ["body", "user"], "type": "string_pattern_mismatch"}]
    assert too_long.json()["detail"][0]["type"] == "string_too_long"
    logged = _logged(records)
    assert "invalid request to /api/chat: body.user" in logged  # logged, by field name only
    assert not _leaks(logged), logged[:2000]


async def test_the_validation_handler_never_raises_whatever_the_error_holds():
    request = Request({"type": "http", "method": "POST", "path": "/x", "headers": [], "query_string": b""})
    odd = RequestValidationError([
        {"type": "string_unicode", "loc": ("body", "text"), "msg": "\ud83d", "input": "NIK 1602 0569 0102 0001 \ud83d"},
        {"type": "dict_type", "loc": ("body", "kecamatan", "\ud83d 160205.690102.0001"), "input": {"\ud83d": 1}},
        {"type": "\ud83d", "loc": "not-a-tuple", "ctx": {"error": ValueError("\ud83d")}},
        {"no": "keys"},
    ])
    response = await invalid_request(request, odd)
    assert response.status_code == 422
    body = json.loads(response.body)
    assert body["detail"][0] == {"loc": ["body", "text"], "type": "string_unicode"}
    assert body["detail"][1]["loc"] == ["body", "kecamatan", "?"]
    assert "1602" not in response.body.decode()

    class Broken(RequestValidationError):
        def errors(self):
            raise RuntimeError("\ud83d")

    assert (await invalid_request(request, Broken([]))).status_code == 422
