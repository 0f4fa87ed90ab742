"""The admin pages' session: a cookie holding the staff API's own signed token.

The cookie `oki_admin` (HttpOnly, SameSite=Lax, path /admin, Secure over HTTPS) carries
`<token>~<login time>~<signature>`. The token comes from `StaffService.issue_token` and is checked
by `decode_token` on every request, so a disabled account, or one whose role or area changed, is
signed out at once. Each page a signed-in staff member opens renews the token (30 minutes of
inactivity end the session), up to `MAX_SESSION` after the login, which the signature (keyed
from SECRET_KEY) keeps honest.

    @router.get("/things")
    async def things(session: CurrentSession): ...          # signed in, any role

    Admins = Annotated[AdminSession, Depends(require_roles("admin"))]"""
from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
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


def start_session(request: Request, response: Response, staff: StaffInfo, *, started: int | None = None) -> None:
    """Set (or renew) the session cookie for this staff member."""
    service: StaffService = _runtime(request).staff
    started = int(time.time()) if started is None else started
    token, seconds = service.issue_token(staff)
    seconds = max(1, min(seconds, started + MAX_SESSION - int(time.time())))
    response.set_cookie(SESSION_COOKIE, f"{token}~{started}~{_signature(_key(request), token, started)}",
                        max_age=seconds, path=COOKIE_PATH, httponly=True, samesite="lax",
                        secure=is_secure(request))
    request.state.admin_session = AdminSession(staff=staff, started=started)
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
        staff = await _runtime(request).staff.decode_token(unpacked[0])
    except InvalidToken:
        raise LoginRequired() from None
    session = request.state.admin_session = AdminSession(staff=staff, started=unpacked[1])
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
