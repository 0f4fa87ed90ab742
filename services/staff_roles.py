"""Who a staff member is and what they may see: the roles, the area of each, and the account as the
staff list shows it. Roles: `admin`, `dinsos` (Dinas Sosial) and `humas` (communications) see all of
OKI; a `camat` sees one kecamatan; a `kades` one desa/kelurahan (its kecamatan is kept beside it)."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

__all__ = ["ALL_AREA_ROLES", "PROFILE_MAX", "ROLES", "StaffAccount", "StaffInfo", "checked_roles", "parent_code",
           "profile_text"]

ROLES = ("admin", "dinsos", "camat", "kades", "humas")
ALL_AREA_ROLES = frozenset({"admin", "dinsos", "humas"})


def checked_roles(roles: tuple[str, ...]) -> tuple[str, ...]:
    """`roles`, when there is at least one and each is one of ROLES; else ValueError (a route that
    names a role wrongly fails when it is defined, not when it is used)."""
    unknown = set(roles) - set(ROLES)
    if not roles or unknown:
        raise ValueError(f"require_roles needs roles from {ROLES}, got {sorted(unknown) or 'none'}")
    return roles


def parent_code(desa_code: str | None) -> str | None:
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
    # the account's session version when this was read (not part of who it is: not compared)
    session_version: int = field(default=0, compare=False)
    display_name: str | None = field(default=None, compare=False)  # "Nama (Jabatan)" on the pages
    position: str | None = field(default=None, compare=False)

    @property
    def shown_as(self) -> str:
        """How the pages name this staff member: "Nama (Jabatan)", else the username."""
        name = self.display_name or self.username
        return f"{name} ({self.position})" if self.position else name

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
            parent = parent_code(desa_code)
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
    display_name: str | None = None
    position: str | None = None

    @property
    def label(self) -> str:
        """How histories name the account: 'Siti Aminah (Kepala Desa Sukadana)', the name alone,
        or the username when no name is set."""
        name = self.display_name or self.username
        return f"{name} ({self.position})" if self.position else name


PROFILE_MAX = 100  # characters of a display name or a position (storage/models.py: Staff)


def profile_text(value: str | None) -> str | None:
    """A display name or position as stored: spaces collapsed, None when empty; ValueError for one
    longer than PROFILE_MAX or holding control characters."""
    text = " ".join((value or "").split())
    if len(text) > PROFILE_MAX or any(not ch.isprintable() for ch in text):
        raise ValueError(f"at most {PROFILE_MAX} printable characters")
    return text or None
