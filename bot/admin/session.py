"""The admin pages' session: a cookie holding the staff API's own signed token.

The cookie `oki_admin` (HttpOnly, SameSite=Lax, path /admin, Secure over HTTPS) carries
`<token>~<login time>~<signature>`. The token comes from `StaffService.issue_token` and carries a
random id of this login (`sid`); it is checked by `verify_token` on every request, so a disabled
account, one whose password was reset, whose role or area changed or that was signed out
everywhere, and a login ended by logout (its id is revoked, whether the token comes back in the
cookie or as a bearer token on /api/v1), are signed out at once. Each page a signed-in staff member
opens renews the token (30 minutes of inactivity end the session), but no token of a login ever
expires later than `MAX_SESSION` after it, which the signature (keyed from SECRET_KEY) keeps honest.

    @router.get("/things")
    async def things(session: CurrentSession): ...          # signed in, any role

    Admins = Annotated[AdminSession, Depends(require_roles("admin"))]"""
from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated

from fastapi import Depends, Request, Response

from services.staff import InvalidToken, StaffInfo, StaffService, checked_roles

__all__ = ["COOKIE_PATH", "MAX_SESSION", "SESSION_COOKIE", "AdminSession", "CurrentSession", "Forbidden",
           "LoginRequired", "current_session", "end_session", "is_secure", "require_roles", "start_session"]

SESSION_COOKIE = "oki_admin"
COOKIE_PATH = "/admin"
MAX_SESSION = 12 * 3600  # seconds from the login after which a new login is needed, however active


class LoginRequired(Exception):
    """No valid session: the page answers with a redirect to the login form."""


class Forbidden(Exception):
    """Signed in, but this role may not open the page: the page answers 403 with `message`."""

    def __init__(self, message: str = "Peran Anda tidak diizinkan membuka halaman ini.") -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True, slots=True)
class AdminSession:
    staff: StaffInfo
    started: int  # the login, in seconds since the epoch
    session_id: str  # this login's random id, in every token issued for it

    @property
    def ends(self) -> datetime:
        """The latest this login can last, however active."""
        return datetime.fromtimestamp(self.started + MAX_SESSION, UTC)

    @property
    def subject(self) -> str:
        """What CSRF tokens of this session are bound to: the account and this login."""
        return f"staff:{self.staff.id}:{self.started}"


def _runtime(request: Request):
    return request.app.state.runtime


def _key(request: Request) -> bytes:
    secret = _runtime(request).settings.secret_key
    return hashlib.sha256(b"layanan-oki:admin-session:" + secret.encode()).digest()


def _signature(key: bytes, token: str, started: int) -> str:
    return hmac.new(key, f"{token}~{started}".encode(), hashlib.sha256).hexdigest()[:32]


def _unpack(request: Request, value: str) -> tuple[str, int] | None:
    """(token, login time) from a cookie value whose signature checks, else None."""
    token, _, rest = value.partition("~")
    started, _, signature = rest.partition("~")
    if not (token and started.isdigit() and signature):
        return None
    if not hmac.compare_digest(signature, _signature(_key(request), token, int(started))):
        return None
    return token, int(started)


def is_secure(request: Request) -> bool:
    """Whether cookies must be Secure: the request came over HTTPS, or the public URL is HTTPS
    (the usual case behind a TLS-terminating proxy)."""
    return request.url.scheme == "https" or _runtime(request).settings.public_base_url.startswith("https://")


def start_session(request: Request, response: Response, staff: StaffInfo, *, started: int | None = None,
                  session_id: str | None = None) -> None:
    """Set the session cookie of a new login, or renew that of the login `started` with `session_id`."""
    service: StaffService = _runtime(request).staff
    now = int(time.time())
    session = AdminSession(staff=staff, started=now if started is None else started,
                           session_id=session_id or service.new_session_id())
    token, seconds = service.issue_token(staff, session_id=session.session_id, not_after=session.ends)
    seconds = max(1, min(seconds, session.started + MAX_SESSION - now))
    signature = _signature(_key(request), token, session.started)
    response.set_cookie(SESSION_COOKIE, f"{token}~{session.started}~{signature}", max_age=seconds, path=COOKIE_PATH,
                        httponly=True, samesite="lax", secure=is_secure(request))
    request.state.admin_session = session
    request.state.session_set = True


def end_session(request: Request, response: Response) -> None:
    """Clear the session cookie; the rest of this request is treated as signed out."""
    response.delete_cookie(SESSION_COOKIE, path=COOKIE_PATH, httponly=True, samesite="lax",
                           secure=is_secure(request))
    request.state.admin_session = None
    request.state.session_set = True


async def current_session(request: Request) -> AdminSession:
    """The signed-in staff member, or LoginRequired."""
    unpacked = _unpack(request, request.cookies.get(SESSION_COOKIE, ""))
    if unpacked is None or unpacked[1] + MAX_SESSION <= time.time():
        raise LoginRequired()
    try:
        verified = await _runtime(request).staff.verify_token(unpacked[0])
    except InvalidToken:
        raise LoginRequired() from None
    if verified.session_id is None:  # a token from the API's own sign-in is no admin login
        raise LoginRequired()
    session = AdminSession(staff=verified.staff, started=unpacked[1], session_id=verified.session_id)
    request.state.admin_session = session
    return session


CurrentSession = Annotated[AdminSession, Depends(current_session)]


def require_roles(*roles: str) -> Callable[[AdminSession], Awaitable[AdminSession]]:
    """A dependency giving the session when its role is one of `roles`, else Forbidden (403). It
    carries `roles` as an attribute: tests/security/test_routes.py reads who may open each page from it."""
    checked_roles(roles)

    async def session_with_role(session: CurrentSession) -> AdminSession:
        if session.staff.role not in roles:
            raise Forbidden()
        return session

    session_with_role.roles = roles  # type: ignore[attr-defined]
    return session_with_role
