"""Staff accounts: roles and the area each may see, argon2 passwords, login with lockout, and the
short-lived bearer tokens of the staff API.

Roles: `admin`, `dinsos` (Dinas Sosial) and `humas` (communications) see all of OKI; a `camat`
sees one kecamatan; a `kades` one desa/kelurahan (its kecamatan is kept beside it)."""
from __future__ import annotations

import asyncio
import hashlib
import math
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import jwt
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from rapidfuzz import fuzz, process
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.audit import Audit
from services.wilayah import Place, Wilayah
from storage.models import utcnow
from storage.staff import StaffAccounts, StaffRecord, UsernameTaken

__all__ = ["ROLES", "ALL_AREA_ROLES", "MAX_FAILED_LOGINS", "LOCK_MINUTES", "MIN_PASSWORD_LENGTH", "TOKEN_MINUTES",
           "checked_roles", "AreaError", "InvalidToken", "LoginFailed", "LoginThrottled", "StaffAccount", "StaffError",
           "StaffInfo", "StaffService"]

ROLES = ("admin", "dinsos", "camat", "kades", "humas")
ALL_AREA_ROLES = frozenset({"admin", "dinsos", "humas"})


def checked_roles(roles: tuple[str, ...]) -> tuple[str, ...]:
    """`roles`, when there is at least one and each is one of ROLES; else ValueError (a route that
    names a role wrongly fails when it is defined, not when it is used)."""
    unknown = set(roles) - set(ROLES)
    if not roles or unknown:
        raise ValueError(f"require_roles needs roles from {ROLES}, got {sorted(unknown) or 'none'}")
    return roles

MAX_FAILED_LOGINS = 5  # consecutive wrong passwords that lock an account ...
LOCK_MINUTES = 15  # ... for this long
MIN_PASSWORD_LENGTH, MAX_PASSWORD_LENGTH = 10, 1024
TOKEN_MINUTES = 30

_USERNAME = re.compile(r"(?=.*[a-z])[a-z0-9._-]{3,64}")  # used with fullmatch
_CODE_LIKE = re.compile(r"[\d.\s]+")
_PREFIX = re.compile(r"^(desa|ds|kelurahan|kel)\b\.?\s*")
_AUDIENCE = "layanan-oki:staff-api"
_LEEWAY = 30  # seconds of clock difference tolerated between machines


class StaffError(ValueError):
    """An account cannot be created or changed as asked; the message says why and what to do.
    `code` names the kind of problem for callers that explain it in their own words (the admin
    pages): username, role, password, password_is_username, taken, not_found or area."""

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
    """Too many failed logins: the account is locked for `retry_after_seconds`."""

    def __init__(self, retry_after_seconds: int) -> None:
        super().__init__(f"locked for {retry_after_seconds} s")
        self.retry_after_seconds = retry_after_seconds


class InvalidToken(Exception):
    """A bearer token that is malformed, badly signed, expired, or names no active account."""


def _parent(desa_code: str | None) -> str | None:
    """`16.02.05.2001` -> `16.02.05`."""
    return desa_code.rsplit(".", 1)[0] if desa_code and desa_code.count(".") == 3 else None


@dataclass(frozen=True, slots=True)
class StaffInfo:
    """Who is acting: what the API and the services need to know about a signed-in staff member."""

    id: int
    username: str
    role: str
    kecamatan_code: str | None
    desa_code: str | None

    @property
    def actor(self) -> str:
        """How this staff member is named in the audit log."""
        return f"staff:{self.id}"

    @property
    def sees_all(self) -> bool:
        return self.role in ALL_AREA_ROLES

    def can_see(self, *, kecamatan_code: str | None, desa_code: str | None) -> bool:
        """Whether a record placed in this kecamatan/desa is within this staff member's area.
        A record with no place at all is visible only to the roles that see all of OKI."""
        if self.sees_all:
            return True
        if self.role == "kades":
            return desa_code is not None and desa_code == self.desa_code
        if self.role == "camat":
            parent = _parent(desa_code)
            if desa_code is not None and parent != self.kecamatan_code:
                return False
            return self.kecamatan_code is not None and (kecamatan_code or parent) == self.kecamatan_code
        return False

    def area_filter(self) -> tuple[str | None, str | None]:
        """(kecamatan_code, desa_code) a list query must be restricted to; (None, None) for all."""
        if self.sees_all:
            return None, None
        if self.role == "camat":
            return self.kecamatan_code, None
        return self.kecamatan_code, self.desa_code


def _info(r: StaffRecord) -> StaffInfo:
    return StaffInfo(id=r.id, username=r.username, role=r.role, kecamatan_code=r.kecamatan_code,
                     desa_code=r.desa_code)


@dataclass(frozen=True, slots=True)
class StaffAccount:
    """An account as the staff list shows it: no password hash."""

    id: int
    username: str
    role: str
    kecamatan_code: str | None
    desa_code: str | None
    active: bool
    locked_until: datetime | None
    created_at: datetime


def _account(r: StaffRecord) -> StaffAccount:
    return StaffAccount(id=r.id, username=r.username, role=r.role, kecamatan_code=r.kecamatan_code,
                        desa_code=r.desa_code, active=r.active, locked_until=r.locked_until, created_at=r.created_at)


def _check_password(username: str, password: str) -> None:
    if not MIN_PASSWORD_LENGTH <= len(password) <= MAX_PASSWORD_LENGTH:
        raise StaffError(f"password must be {MIN_PASSWORD_LENGTH}-{MAX_PASSWORD_LENGTH} characters long",
                         code="password")
    if password.strip().lower() == username:
        raise StaffError("password must not be the username", code="password_is_username")


def _key(text: str) -> str:
    """'Desa Suka Raja' == 'sukaraja'."""
    return re.sub(r"[^a-z0-9]", "", _PREFIX.sub("", text.strip().lower()))


def _seconds(delta: timedelta) -> int:
    return max(1, math.ceil(delta.total_seconds()))


class StaffService:
    def __init__(self, *, sessions: async_sessionmaker[AsyncSession], wilayah: Wilayah, audit: Audit,
                 secret_key: str, token_minutes: int = TOKEN_MINUTES, max_failures: int = MAX_FAILED_LOGINS,
                 lock_minutes: int = LOCK_MINUTES, hasher: PasswordHasher | None = None) -> None:
        if len(secret_key) < 32:
            raise ValueError("the token key must be at least 32 characters")
        self._accounts = StaffAccounts(sessions)
        self._wilayah, self._audit = wilayah, audit
        # a key of its own, derived from SECRET_KEY: a token can never be confused with anything
        # else the same secret signs or keys (sessions, the NIK hash)
        self._key = hashlib.sha256(b"layanan-oki:staff-token:" + secret_key.encode()).digest()
        self._ttl = timedelta(minutes=token_minutes)
        self._max_failures, self._lock = max_failures, timedelta(minutes=lock_minutes)
        self._hasher = hasher or PasswordHasher()
        self._dummy_hash: str | None = None

    # --- accounts ---
    async def create(self, *, username: str, role: str, password: str, kecamatan: str | None = None,
                     desa: str | None = None, actor: str) -> StaffInfo:
        """A new active account. `kecamatan`/`desa` are codes or names (see `_area`)."""
        username = username.strip().lower()
        if not _USERNAME.fullmatch(username):
            raise StaffError("username must be 3-64 characters of a-z, 0-9, '.', '_' or '-', with a letter",
                             code="username")
        if role not in ROLES:
            raise StaffError(f"role must be one of {', '.join(ROLES)}, not {role!r}", code="role")
        _check_password(username, password)
        kecamatan_code, desa_code = self._area(role=role, kecamatan=kecamatan, desa=desa)
        taken = f"a staff account named {username!r} already exists"
        if await self._accounts.by_username(username) is not None:
            raise StaffError(taken, code="taken")
        password_hash = await asyncio.to_thread(self._hasher.hash, password)
        try:
            record = await self._accounts.insert(username=username, password_hash=password_hash, role=role,
                                                 kecamatan_code=kecamatan_code, desa_code=desa_code, at=utcnow())
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
        """Disable an account (its tokens stop working at once) or enable it again."""
        if not await self._accounts.set_active(staff_id=staff_id, active=active):
            raise StaffError(f"no staff account with id {staff_id}", code="not_found")
        await self._audit.record(actor=actor, action="staff.enable" if active else "staff.disable",
                                 target=f"staff:{staff_id}")

    async def accounts(self) -> list[StaffAccount]:
        """Every account, by username."""
        return [_account(r) for r in await self._accounts.all()]

    async def reset_password(self, *, staff_id: int, password: str, actor: str) -> None:
        """Give an account a new password; it also lifts a lock after failed logins."""
        record = await self._accounts.get(staff_id)
        if record is None:
            raise StaffError(f"no staff account with id {staff_id}", code="not_found")
        _check_password(record.username, password)
        password_hash = await asyncio.to_thread(self._hasher.hash, password)
        await self._accounts.set_password_hash(staff_id=staff_id, password_hash=password_hash)
        await self._accounts.reset_failures(staff_id=staff_id)
        await self._audit.record(actor=actor, action="staff.reset_password", target=f"staff:{staff_id}")

    async def set_area(self, *, staff_id: int, kecamatan: str | None, desa: str | None, actor: str) -> StaffInfo:
        """Move an account to another area, checked against its role as in `create`. Its tokens
        stop working (they carry the area they were issued for)."""
        record = await self._accounts.get(staff_id)
        if record is None:
            raise StaffError(f"no staff account with id {staff_id}", code="not_found")
        kecamatan_code, desa_code = self._area(role=record.role, kecamatan=kecamatan, desa=desa)
        await self._accounts.set_area(staff_id=staff_id, kecamatan_code=kecamatan_code, desa_code=desa_code)
        await self._audit.record(actor=actor, action="staff.set_area", target=f"staff:{staff_id}",
                                 detail={"kecamatan_code": kecamatan_code, "desa_code": desa_code})
        return StaffInfo(id=record.id, username=record.username, role=record.role, kecamatan_code=kecamatan_code,
                         desa_code=desa_code)

    def describe_area(self, staff: StaffInfo) -> str:
        """'all of OKI', 'kecamatan Kayu Agung (16.02.05)' or 'desa X (code), kecamatan Y'."""
        if staff.desa_code:
            kecamatan = staff.kecamatan_code or _parent(staff.desa_code) or "?"
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
    async def authenticate(self, *, username: str, password: str) -> StaffInfo:
        """The account for these credentials. LoginFailed when they are wrong (or the account is
        unknown or disabled), LoginThrottled while the account is locked after repeated failures."""
        name = username.strip().lower()
        record = await self._accounts.by_username(name) if _USERNAME.fullmatch(name) else None
        if record is None or not record.active:
            # verify anyway, so an unknown name takes as long as a wrong password
            await self._verify(record.password_hash if record else await self._dummy(), password)
            await self._failed(record, name, "inactive" if record else "unknown")
            raise LoginFailed()
        now = utcnow()
        if record.locked_until is not None and record.locked_until > now:
            await self._failed(record, name, "locked")
            raise LoginThrottled(_seconds(record.locked_until - now))
        if not await self._verify(record.password_hash, password):
            locked = await self._accounts.record_failure(staff_id=record.id, max_failures=self._max_failures,
                                                         lock_until=now + self._lock)
            await self._failed(record, name, "password, now locked" if locked else "password")
            if locked:
                raise LoginThrottled(_seconds(self._lock))
            raise LoginFailed()
        await self._signed_in(record, password)
        return _info(record)

    async def _signed_in(self, record: StaffRecord, password: str) -> None:
        if self._hasher.check_needs_rehash(record.password_hash):
            new_hash = await asyncio.to_thread(self._hasher.hash, password)
            await self._accounts.set_password_hash(staff_id=record.id, password_hash=new_hash)
        if record.failed_logins or record.locked_until is not None:
            await self._accounts.reset_failures(staff_id=record.id)
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

    # --- tokens ---
    def issue_token(self, staff: StaffInfo, *, now: datetime | None = None) -> tuple[str, int]:
        """A signed bearer token for the staff API and its lifetime in seconds."""
        now = now or utcnow()
        claims = {"sub": str(staff.id), "role": staff.role, "aud": _AUDIENCE,
                  "area": {"kecamatan": staff.kecamatan_code, "desa": staff.desa_code},
                  "iat": int(now.timestamp()), "exp": int((now + self._ttl).timestamp())}
        return jwt.encode(claims, self._key, algorithm="HS256"), int(self._ttl.total_seconds())

    async def decode_token(self, token: str) -> StaffInfo:
        """The staff member a token names, checked against the database: the account must still
        exist, be active, and have the role and area the token was issued for."""
        try:
            claims = jwt.decode(token, self._key, algorithms=["HS256"], audience=_AUDIENCE, leeway=_LEEWAY,
                                options={"require": ["sub", "exp", "iat", "aud"]})
            staff_id = int(claims["sub"])
        except (jwt.PyJWTError, ValueError, TypeError):
            raise InvalidToken("malformed, badly signed or expired") from None
        record = await self._accounts.get(staff_id)
        if record is None or not record.active:
            raise InvalidToken("no such active account")
        info = _info(record)
        if claims.get("role") != info.role or claims.get("area") != {"kecamatan": info.kecamatan_code,
                                                                      "desa": info.desa_code}:
            raise InvalidToken("the account's role or area changed since the token was issued")
        return info
