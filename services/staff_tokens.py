"""The staff API's bearer tokens: HS256 JWTs signed with a key of their own, derived from SECRET_KEY.

Claims: `sub` (the account's id), `role` and `area` as issued, `sv` (the account's session version:
a password reset, disable or enable, an area change or "sign out everywhere" raises it and ends every
earlier token), `sid` (only in tokens of an admin-page login: that login's id, which logout revokes),
`aud`, `iat` and `exp`. This module only signs and reads them; StaffService checks them against
the database."""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta

import jwt

__all__ = ["AUDIENCE", "InvalidToken", "TokenClaims", "TokenSigner"]

AUDIENCE = "layanan-oki:staff-api"
_LEEWAY = 30  # seconds of clock difference tolerated between machines


class InvalidToken(Exception):
    """A bearer token that is malformed, badly signed, expired, or names no active account."""


@dataclass(frozen=True, slots=True)
class TokenClaims:
    staff_id: int
    role: object
    area: object
    session_version: object
    session_id: str | None


class TokenSigner:
    def __init__(self, *, secret_key: str, ttl: timedelta) -> None:
        # a key of its own: a token can never be confused with anything else the same secret signs
        # or keys (sessions, the NIK hash)
        self.key = hashlib.sha256(b"layanan-oki:staff-token:" + secret_key.encode()).digest()
        self.ttl = ttl

    def issue(self, *, staff_id: int, role: str, area: dict[str, str | None], session_version: int,
              now: datetime, session_id: str | None = None, not_after: datetime | None = None) -> tuple[str, int]:
        """A signed token and its lifetime in seconds; it never outlives `not_after` when given
        (an admin session's maximum end)."""
        expires = now + self.ttl if not_after is None else min(now + self.ttl, not_after)
        claims = {"sub": str(staff_id), "role": role, "aud": AUDIENCE, "area": area, "sv": session_version,
                  "iat": int(now.timestamp()), "exp": int(expires.timestamp())}
        if session_id is not None:
            claims["sid"] = session_id
        return jwt.encode(claims, self.key, algorithm="HS256"), max(0, int((expires - now).total_seconds()))

    def read(self, token: str) -> TokenClaims:
        """The claims of a well-formed, well-signed, unexpired token, else InvalidToken."""
        try:
            claims = jwt.decode(token, self.key, algorithms=["HS256"], audience=AUDIENCE, leeway=_LEEWAY,
                                options={"require": ["sub", "exp", "iat", "aud", "sv"]})
            staff_id = int(claims["sub"])
        except (jwt.PyJWTError, ValueError, TypeError):
            raise InvalidToken("malformed, badly signed or expired") from None
        session_id = claims.get("sid")
        if session_id is not None and not isinstance(session_id, str):
            raise InvalidToken("malformed session id")
        return TokenClaims(staff_id=staff_id, role=claims.get("role"), area=claims.get("area"),
                           session_version=claims.get("sv"), session_id=session_id)
