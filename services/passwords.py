"""What a staff password must be: 10-1024 characters, not the username, and hard to guess by zxcvbn's
measure (score 3 or more of 4, "safely unguessable" against an online attack), with the username and
its parts as words an attacker would try first. `weakness` says why a password is refused, in
English and as a code the admin pages explain in their own words."""
from __future__ import annotations

import re

from zxcvbn import zxcvbn

__all__ = ["MAX_PASSWORD_LENGTH", "MIN_PASSWORD_LENGTH", "MIN_SCORE", "weakness"]

MIN_PASSWORD_LENGTH, MAX_PASSWORD_LENGTH = 10, 1024
MIN_SCORE = 3
# zxcvbn's cost grows fast with the length (minutes for 1000 characters): it judges this many
# characters from the start, which is plenty to tell a strong password from a weak one
_JUDGED = 72
_PARTS = re.compile(r"[._-]+")


def _user_inputs(username: str) -> list[str]:
    """The username and its parts ('kades.sukaraja' -> 'kades', 'sukaraja'): a password built on
    them ('kades.sukaraja123', 'sukaraja2026') is guessed first."""
    parts = [p for p in _PARTS.split(username) if len(p) >= 3]
    return [username, *parts]


def weakness(username: str, password: str) -> tuple[str, str] | None:
    """None for an acceptable password, else (code, reason in English): code `password` (length),
    `password_is_username` or `password_weak`."""
    if not MIN_PASSWORD_LENGTH <= len(password) <= MAX_PASSWORD_LENGTH:
        return "password", f"password must be {MIN_PASSWORD_LENGTH}-{MAX_PASSWORD_LENGTH} characters long"
    if password.strip().lower() == username:
        return "password_is_username", "password must not be the username"
    result = zxcvbn(password[:_JUDGED], user_inputs=_user_inputs(username), max_length=_JUDGED)
    if result["score"] < MIN_SCORE:
        hint = result["feedback"].get("warning") or "it is built from common words, names or patterns"
        hint = hint[:1].lower() + hint[1:].rstrip(".")
        return "password_weak", (f"password is too easy to guess ({hint}); use a longer phrase of "
                                 "unrelated words, or mix in digits and symbols")
    return None
