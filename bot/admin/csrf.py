"""CSRF protection for every admin form, the login form included (double submit, signed).

A random nonce lives in the cookie `oki_csrf` (HttpOnly, SameSite=Lax, path /admin); each form
carries the hidden field `csrf_token` = HMAC(key from SECRET_KEY, nonce | subject), where the
subject is "anonymous" on the login form and the account plus its login time on signed-in pages.
A POST is accepted only when the field matches the cookie's nonce for the current subject, so a
page of another site can neither read nor forge the field, a token from before the login does not
work after it, and one staff member's token is worthless to another. The nonce is replaced at
login and logout.

In a template:   <form method="post">{{ csrf_field(request) }} ... </form>
In a route:      session: PostedSession            (signed in, CSRF checked)
                 session: Annotated[AdminSession, Depends(posted_by("admin"))]   (and a role)
                 await verify_csrf(request, None)   (the login form: no session yet)"""
from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import Depends, Request, Response
from markupsafe import Markup, escape

from bot.admin.session import COOKIE_PATH, AdminSession, CurrentSession, is_secure, require_roles

__all__ = ["CSRF_COOKIE", "CSRF_FIELD", "CsrfRejected", "PostedSession", "apply_csrf_cookie", "csrf_field",
           "csrf_token", "posted_by", "posted_session", "rotate_csrf", "verify_csrf"]

CSRF_COOKIE = "oki_csrf"
CSRF_FIELD = "csrf_token"
_ANONYMOUS = "anonymous"


class CsrfRejected(Exception):
    """A form came without a valid CSRF token: nothing was changed."""


def _key(request: Request) -> bytes:
    secret = request.app.state.runtime.settings.secret_key
    return hashlib.sha256(b"layanan-oki:admin-csrf:" + secret.encode()).digest()


def _nonce(request: Request) -> str:
    """This browser's nonce: the one set during this request, else the cookie's, else a new one
    (sent back with the response by `apply_csrf_cookie`)."""
    nonce = getattr(request.state, "csrf_nonce", None) or request.cookies.get(CSRF_COOKIE)
    if not nonce:
        rotate_csrf(request)
        nonce = request.state.csrf_nonce
    return nonce


def _token_for(request: Request, nonce: str, subject: str) -> str:
    return hmac.new(_key(request), f"{nonce}|{subject}".encode(), hashlib.sha256).hexdigest()


def _subject(session: AdminSession | None) -> str:
    return session.subject if session is not None else _ANONYMOUS


def csrf_token(request: Request) -> str:
    """The token for forms on the page being rendered, for whoever is signed in (or nobody)."""
    return _token_for(request, _nonce(request), _subject(getattr(request.state, "admin_session", None)))


def csrf_field(request: Request) -> Markup:
    """The hidden input every admin form carries (a Jinja global)."""
    return Markup(f'<input type="hidden" name="{CSRF_FIELD}" value="{escape(csrf_token(request))}">')


def rotate_csrf(request: Request) -> None:
    """Start a new nonce (at login and logout); pages rendered afterwards in this request use it."""
    request.state.csrf_nonce = secrets.token_urlsafe(32)
    request.state.csrf_new = True


def apply_csrf_cookie(request: Request, response: Response) -> None:
    """Send the nonce cookie if this request made a new one."""
    if getattr(request.state, "csrf_new", False):
        response.set_cookie(CSRF_COOKIE, request.state.csrf_nonce, path=COOKIE_PATH, httponly=True,
                            samesite="lax", secure=is_secure(request))


async def verify_csrf(request: Request, session: AdminSession | None) -> None:
    """CsrfRejected unless the posted form's token matches this browser's nonce for `session`
    (None: the signed-out login form)."""
    nonce = request.cookies.get(CSRF_COOKIE, "")
    posted = (await request.form()).get(CSRF_FIELD, "")
    if not (nonce and isinstance(posted, str) and posted):
        raise CsrfRejected()
    if not hmac.compare_digest(posted.encode(), _token_for(request, nonce, _subject(session)).encode()):
        raise CsrfRejected()


async def posted_session(request: Request, session: CurrentSession) -> AdminSession:
    """A dependency for every form a signed-in staff member posts: the session, CSRF checked."""
    await verify_csrf(request, session)
    return session


PostedSession = Annotated[AdminSession, Depends(posted_session)]


def posted_by(*roles: str) -> Callable[..., Awaitable[AdminSession]]:
    """Like `PostedSession`, for a form only some roles may post (others get 403):

        AdminForm = Annotated[AdminSession, Depends(posted_by("admin"))]"""
    with_role = require_roles(*roles)

    # a default, not an annotation: annotations are strings here, and `with_role` is not a module name
    async def posted_with_role(request: Request, session: AdminSession = Depends(with_role)) -> AdminSession:  # noqa: B008
        await verify_csrf(request, session)
        return session

    return posted_with_role
