"""Staff accounts: roles and the area each may see, argon2 passwords (strength in services/passwords.py),
login throttled by source (services/login_throttle.py), and the short-lived bearer tokens of the
staff API (services/staff_tokens.py), checked against the account's session version and, for an
admin-page login, against the sessions ended by logout. The roles and who sees what are in
services/staff_roles.py (and exported from here too)."""
from __future__ import annotations

import asyncio
import hashlib
import math
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import NoReturn

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from rapidfuzz import fuzz, process
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.audit import Audit
from services.login_throttle import LoginLimits, LoginThrottle
from services.passwords import MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH, weakness
from services.staff_roles import (
    ALL_AREA_ROLES,
    PROFILE_MAX,
    ROLES,
    StaffAccount,
    StaffInfo,
    checked_roles,
    parent_code,
    profile_text,
)
from services.staff_tokens import InvalidToken, TokenSigner
from services.wilayah import Place, Wilayah
from storage.models import utcnow
from storage.ratelimit import RateLimiter
from storage.staff import RevokedSessions, StaffAccounts, StaffRecord, UsernameTaken

__all__ = ["ROLES", "ALL_AREA_ROLES", "MAX_PASSWORD_LENGTH", "MIN_PASSWORD_LENGTH", "PROFILE_MAX", "TOKEN_MINUTES",
           "checked_roles",
           "AreaError", "InvalidToken", "LoginFailed", "LoginLimits", "LoginThrottled", "StaffAccount", "StaffError",
           "StaffInfo", "StaffService", "VerifiedToken"]

TOKEN_MINUTES = 30

_USERNAME = re.compile(r"(?=.*[a-z])[a-z0-9._-]{3,64}")  # used with fullmatch
_CODE_LIKE = re.compile(r"[\d.\s]+")
_PREFIX = re.compile(r"^(desa|ds|kelurahan|kel)\b\.?\s*")


class StaffError(ValueError):
    """An account cannot be created or changed as asked; the message says why and what to do.
    `code` names the kind of problem for callers that explain it in their own words (the admin
    pages): username, role, password (length), password_is_username, password_weak, taken, not_found
    or area."""

    def __init__(self, message: str, *, code: str = "invalid") -> None:
        super().__init__(message)
        self.code = code


class AreaError(StaffError):
    """The kecamatan/desa given does not exist, is ambiguous, or does not fit the role."""

    def __init__(self, message: str) -> None:
        super().__init__(message, code="area")


class LoginFailed(Exception):
    """Unknown username, wrong password or a disabled account (deliberately not told apart)."""


class LoginThrottled(Exception):
    """Too many failed logins from this source (or from everywhere): try again in `retry_after_seconds`."""

    def __init__(self, retry_after_seconds: int) -> None:
        super().__init__(f"throttled for {retry_after_seconds} s")
        self.retry_after_seconds = retry_after_seconds


def _info(r: StaffRecord) -> StaffInfo:
    return StaffInfo(id=r.id, username=r.username, role=r.role, kecamatan_code=r.kecamatan_code,
                     desa_code=r.desa_code, session_version=r.session_version, display_name=r.display_name,
                     position=r.position)


@dataclass(frozen=True, slots=True)
class VerifiedToken:
    """A token that checked out: who it names, and the admin-page login it belongs to (None for a
    token from the staff API's own sign-in)."""

    staff: StaffInfo
    session_id: str | None


def _account(r: StaffRecord) -> StaffAccount:
    return StaffAccount(id=r.id, username=r.username, role=r.role, kecamatan_code=r.kecamatan_code,
                        desa_code=r.desa_code, active=r.active, locked_until=r.locked_until, created_at=r.created_at,
                        display_name=r.display_name, position=r.position)


def _profile(display_name: str | None, position: str | None) -> tuple[str | None, str | None]:
    try:
        return profile_text(display_name), profile_text(position)
    except ValueError:
        raise StaffError(f"a display name or position is at most {PROFILE_MAX} printable characters",
                         code="profile") from None


async def _check_password(username: str, password: str) -> None:
    found = await asyncio.to_thread(weakness, username, password)  # zxcvbn takes some milliseconds
    if found is not None:
        code, reason = found
        raise StaffError(reason, code=code)


def _key(text: str) -> str:
    """'Desa Suka Raja' == 'sukaraja'."""
    return re.sub(r"[^a-z0-9]", "", _PREFIX.sub("", text.strip().lower()))


def _seconds(wait: float) -> int:
    return max(1, math.ceil(wait))


class StaffService:
    def __init__(self, *, sessions: async_sessionmaker[AsyncSession], wilayah: Wilayah, audit: Audit,
                 secret_key: str, limiter: RateLimiter | None = None, login_limits: LoginLimits | None = None,
                 token_minutes: int = TOKEN_MINUTES, hasher: PasswordHasher | None = None) -> None:
        """`limiter` counts failed logins; without one (tools that create accounts only, like the
        CLI) `authenticate` refuses to run rather than sign anyone in unthrottled."""
        if len(secret_key) < 32:
            raise ValueError("the token key must be at least 32 characters")
        self._accounts, self._revoked = StaffAccounts(sessions), RevokedSessions(sessions)
        self._wilayah, self._audit = wilayah, audit
        self._tokens = TokenSigner(secret_key=secret_key, ttl=timedelta(minutes=token_minutes))
        self._key = self._tokens.key
        throttle_key = hashlib.sha256(b"layanan-oki:login-throttle:" + secret_key.encode()).digest()
        self._throttle = None if limiter is None else LoginThrottle(
            limiter=limiter, limits=login_limits or LoginLimits(), key=throttle_key)
        self._hasher = hasher or PasswordHasher()
        self._dummy_hash: str | None = None

    # --- accounts ---
    async def create(self, *, username: str, role: str, password: str, kecamatan: str | None = None,
                     desa: str | None = None, actor: str, display_name: str | None = None,
                     position: str | None = None) -> StaffInfo:
        """A new active account. `kecamatan`/`desa` are codes or names (see `_area`); the display
        name and position (jabatan) are optional."""
        username = username.strip().lower()
        display_name, position = _profile(display_name, position)
        if not _USERNAME.fullmatch(username):
            raise StaffError("username must be 3-64 characters of a-z, 0-9, '.', '_' or '-', with a letter",
                             code="username")
        if role not in ROLES:
            raise StaffError(f"role must be one of {', '.join(ROLES)}, not {role!r}", code="role")
        await _check_password(username, password)
        kecamatan_code, desa_code = self._area(role=role, kecamatan=kecamatan, desa=desa)
        taken = f"a staff account named {username!r} already exists"
        if await self._accounts.by_username(username) is not None:
            raise StaffError(taken, code="taken")
        password_hash = await asyncio.to_thread(self._hasher.hash, password)
        try:
            record = await self._accounts.insert(username=username, password_hash=password_hash, role=role,
                                                 kecamatan_code=kecamatan_code, desa_code=desa_code, at=utcnow(),
                                                 display_name=display_name, position=position)
        except UsernameTaken:
            raise StaffError(taken, code="taken") from None
        info = _info(record)
        await self._audit.record(actor=actor, action="staff.create", target=info.actor,
                                 detail={"username": username, "role": role, "kecamatan_code": kecamatan_code,
                                         "desa_code": desa_code})
        return info

    async def get(self, *, staff_id: int) -> StaffInfo | None:
        record = await self._accounts.get(staff_id)
        return _info(record) if record else None

    async def set_active(self, *, staff_id: int, active: bool, actor: str) -> None:
        """Disable an account or enable it again. Either way every earlier token and admin session
        ends (a token from before a disable never comes back with the enable)."""
        if not await self._accounts.set_active(staff_id=staff_id, active=active):
            raise StaffError(f"no staff account with id {staff_id}", code="not_found")
        await self._audit.record(actor=actor, action="staff.enable" if active else "staff.disable",
                                 target=f"staff:{staff_id}")

    async def accounts(self) -> list[StaffAccount]:
        """Every account, by username."""
        return [_account(r) for r in await self._accounts.all()]

    async def labels(self) -> dict[str, str]:
        """How histories name each account, by its actor ('staff:7' -> 'Siti Aminah (Kepala Desa)')."""
        return {f"staff:{a.id}": a.label for a in await self.accounts()}

    async def set_profile(self, *, staff_id: int, display_name: str | None, position: str | None,
                          actor: str) -> None:
        """Set or clear the display name and position; audited. Sessions go on."""
        display_name, position = _profile(display_name, position)
        if not await self._accounts.set_profile(staff_id=staff_id, display_name=display_name, position=position):
            raise StaffError(f"no staff account with id {staff_id}", code="not_found")
        await self._audit.record(actor=actor, action="staff.set_profile", target=f"staff:{staff_id}",
                                 detail={"display_name": display_name, "position": position})

    async def reset_password(self, *, staff_id: int, password: str, actor: str) -> None:
        """Give an account a new password; every earlier token and admin session ends. (The failed
        logins counted against the sources that made them are not lifted: they end by themselves.)"""
        record = await self._accounts.get(staff_id)
        if record is None:
            raise StaffError(f"no staff account with id {staff_id}", code="not_found")
        await _check_password(record.username, password)
        password_hash = await asyncio.to_thread(self._hasher.hash, password)
        await self._accounts.replace_password(staff_id=staff_id, password_hash=password_hash)
        await self._audit.record(actor=actor, action="staff.reset_password", target=f"staff:{staff_id}")

    async def sign_out_everywhere(self, *, staff_id: int, actor: str) -> None:
        """End every token and admin session of an account (a lost phone, a shared computer)."""
        if not await self._accounts.end_sessions(staff_id=staff_id):
            raise StaffError(f"no staff account with id {staff_id}", code="not_found")
        await self._audit.record(actor=actor, action="staff.sign_out_everywhere", target=f"staff:{staff_id}")

    async def set_area(self, *, staff_id: int, kecamatan: str | None, desa: str | None, actor: str) -> StaffInfo:
        """Move an account to another area, checked against its role as in `create`. Every earlier
        token and admin session ends."""
        record = await self._accounts.get(staff_id)
        if record is None:
            raise StaffError(f"no staff account with id {staff_id}", code="not_found")
        kecamatan_code, desa_code = self._area(role=record.role, kecamatan=kecamatan, desa=desa)
        await self._accounts.set_area(staff_id=staff_id, kecamatan_code=kecamatan_code, desa_code=desa_code)
        await self._audit.record(actor=actor, action="staff.set_area", target=f"staff:{staff_id}",
                                 detail={"kecamatan_code": kecamatan_code, "desa_code": desa_code})
        return StaffInfo(id=record.id, username=record.username, role=record.role, kecamatan_code=kecamatan_code,
                         desa_code=desa_code, session_version=record.session_version + 1)

    def describe_area(self, staff: StaffInfo) -> str:
        """'all of OKI', 'kecamatan Kayu Agung (16.02.05)' or 'desa X (code), kecamatan Y'."""
        if staff.desa_code:
            kecamatan = staff.kecamatan_code or parent_code(staff.desa_code) or "?"
            return f"desa {self._name(staff.desa_code)} ({staff.desa_code}), kecamatan {self._name(kecamatan)}"
        if staff.kecamatan_code:
            return f"kecamatan {self._name(staff.kecamatan_code)} ({staff.kecamatan_code})"
        return "all of OKI"

    # --- areas ---
    def _area(self, *, role: str, kecamatan: str | None, desa: str | None) -> tuple[str | None, str | None]:
        """Resolve the area a role needs to (kecamatan_code, desa_code), or explain what is wrong."""
        kecamatan, desa = (kecamatan or "").strip() or None, (desa or "").strip() or None
        if role in ALL_AREA_ROLES:
            if kecamatan or desa:
                raise AreaError(f"role {role} covers all of OKI: give no kecamatan or desa")
            return None, None
        if role == "camat":
            if desa:
                raise AreaError("a camat covers a whole kecamatan: give the kecamatan, not a desa")
            if not kecamatan:
                raise AreaError("role camat needs a kecamatan: its code (like 16.02.05) or its name")
            return self._kecamatan(kecamatan).code, None
        if not desa:
            raise AreaError("role kades needs a desa: its code (like 16.02.05.2001), or its name with the kecamatan")
        place = self._desa(desa, self._kecamatan(kecamatan) if kecamatan else None)
        return place.parent_code, place.code

    def _kecamatan(self, text: str) -> Place:
        place = self._wilayah.get(text)
        if place is not None and place.level == "kecamatan":
            return place
        match = self._wilayah.match_kecamatan(text)
        if match.place is not None and match.place.level == "kecamatan":
            return match.place
        if match.candidates:
            names = ", ".join(f"{p.name} ({p.code})" for p in match.candidates)
            raise AreaError(f"kecamatan {text!r} is not clear: did you mean {names}? Give the code")
        raise AreaError(f"{text!r} is not a kecamatan of OKI: give its code (like 16.02.05) or its name")

    def _desa(self, text: str, kecamatan: Place | None) -> Place:
        place = self._wilayah.get(text)
        if place is not None and place.level in ("desa", "kelurahan"):
            if kecamatan is not None and place.parent_code != kecamatan.code:
                raise AreaError(f"{place.name} ({place.code}) is not in kecamatan {kecamatan.name}")
            return place
        if _CODE_LIKE.fullmatch(text):
            raise AreaError(f"{text!r} is not the code of a desa or kelurahan of OKI")
        scope = [v for v in self._wilayah.villages if kecamatan is None or v.parent_code == kecamatan.code]
        key = _key(text)
        hits = [v for v in scope if _key(v.name) == key]
        if len(hits) == 1:
            return hits[0]
        if hits:
            listed = ", ".join(f"{v.name} ({v.code}, kecamatan {self._name(v.parent_code)})" for v in hits)
            raise AreaError(f"there is more than one desa called {text!r}: {listed}; give the kecamatan or the code")
        where = f" in kecamatan {kecamatan.name}" if kecamatan else ""
        close = process.extract(key, [_key(v.name) for v in scope], scorer=fuzz.ratio, limit=3, score_cutoff=70)
        hint = "; did you mean " + ", ".join(f"{scope[i].name} ({scope[i].code})" for _, _, i in close) if close else ""
        raise AreaError(f"no desa or kelurahan called {text!r}{where}{hint}")

    def _name(self, code: str) -> str:
        place = self._wilayah.get(code)
        return place.name if place else code

    # --- login ---
    async def authenticate(self, *, username: str, password: str, client_ip: str | None) -> StaffInfo:
        """The account for these credentials. LoginFailed when they are wrong (or the account is
        unknown or disabled), LoginThrottled while this source (this name from this address, or
        this address) has failed too often, or everyone has (see services/login_throttle.py)."""
        if self._throttle is None:
            raise RuntimeError("StaffService was built without a limiter: it cannot sign anyone in")
        name = username.strip().lower()
        record = await self._accounts.by_username(name) if _USERNAME.fullmatch(name) else None
        wait = await self._throttle.wait(name=name, ip=client_ip)
        if wait:  # known or not, the same answer without checking anything
            await self._failed(record, name, "throttled")
            raise LoginThrottled(_seconds(wait))
        if record is None or not record.active:
            # verify anyway, so an unknown name takes as long as a wrong password
            await self._verify(record.password_hash if record else await self._dummy(), password)
            await self._refuse(record, name, client_ip, "inactive" if record else "unknown")
        if not await self._verify(record.password_hash, password):
            await self._refuse(record, name, client_ip, "password")
        await self._signed_in(record, password)
        return _info(record)

    async def _refuse(self, record: StaffRecord | None, name: str, client_ip: str | None, reason: str) -> NoReturn:
        """Count the failure against its source, audit it, and raise LoginFailed, or LoginThrottled
        when this failure reached a limit."""
        wait = await self._throttle.failed(name=name, ip=client_ip)
        await self._failed(record, name, f"{reason}, now throttled" if wait else reason)
        if wait:
            raise LoginThrottled(_seconds(wait))
        raise LoginFailed()

    async def _signed_in(self, record: StaffRecord, password: str) -> None:
        if self._hasher.check_needs_rehash(record.password_hash):
            new_hash = await asyncio.to_thread(self._hasher.hash, password)
            await self._accounts.set_password_hash(staff_id=record.id, password_hash=new_hash)
        await self._audit.record(actor=f"staff:{record.id}", action="auth.login", target=f"staff:{record.id}",
                                 detail={"username": record.username})

    async def _failed(self, record: StaffRecord | None, name: str, reason: str) -> None:
        # A name that is no account may be a password typed in the wrong box: keep only its start.
        shown = record.username if record else (name[:3] + "…" if len(name) > 3 else "…")
        await self._audit.record(actor=f"staff:{record.id}" if record else "anonymous", action="auth.login_failed",
                                 target=f"staff:{record.id}" if record else None,
                                 detail={"username": shown, "reason": reason})

    async def _verify(self, password_hash: str, password: str) -> bool:
        try:
            return await asyncio.to_thread(self._hasher.verify, password_hash, password)
        except (VerificationError, InvalidHashError):
            return False

    async def _dummy(self) -> str:
        if self._dummy_hash is None:
            self._dummy_hash = await asyncio.to_thread(self._hasher.hash, secrets.token_urlsafe(16))
        return self._dummy_hash

    # --- tokens and admin sessions ---
    @staticmethod
    def new_session_id() -> str:
        """A random id for one admin-page login, carried in every token issued for it."""
        return secrets.token_urlsafe(24)

    def issue_token(self, staff: StaffInfo, *, now: datetime | None = None, session_id: str | None = None,
                    not_after: datetime | None = None) -> tuple[str, int]:
        """A signed bearer token for the staff API and its lifetime in seconds. An admin-page login
        passes its `session_id` and its maximum end (`not_after`), which the token never outlives."""
        return self._tokens.issue(staff_id=staff.id, role=staff.role, session_version=staff.session_version,
                                  area={"kecamatan": staff.kecamatan_code, "desa": staff.desa_code},
                                  now=now or utcnow(), session_id=session_id, not_after=not_after)

    async def verify_token(self, token: str) -> VerifiedToken:
        """The staff member a token names, checked against the database: the account must still
        exist, be active, have the role, area and session version the token was issued with, and
        the token's admin session (if any) must not have been ended by logout."""
        claims = self._tokens.read(token)
        record = await self._accounts.get(claims.staff_id)
        if record is None or not record.active:
            raise InvalidToken("no such active account")
        info = _info(record)
        if claims.session_version != record.session_version:
            raise InvalidToken("the account's sessions were ended since the token was issued")
        if claims.role != info.role or claims.area != {"kecamatan": info.kecamatan_code, "desa": info.desa_code}:
            raise InvalidToken("the account's role or area changed since the token was issued")
        if claims.session_id is not None and await self._revoked.is_revoked(claims.session_id):
            raise InvalidToken("the session was ended by logout")
        return VerifiedToken(staff=info, session_id=claims.session_id)

    async def decode_token(self, token: str) -> StaffInfo:
        """`verify_token`'s staff member (the staff API's check of a bearer token)."""
        return (await self.verify_token(token)).staff

    async def end_session(self, *, session_id: str, until: datetime) -> None:
        """End one admin-page login (logout): its tokens, cookie or bearer, are refused from now on.
        `until` is the session's maximum end, after which they would be refused anyway."""
        await self._revoked.revoke(session_id=session_id, expires_at=until, now=utcnow())
