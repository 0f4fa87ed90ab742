"""Staff accounts repository: rows of `staff`, looked up by username or id, and the failed-login
counter with its lock. The rules (roles, areas, passwords, lockout policy) are in services/staff.py."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import case, literal, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage.models import Staff

__all__ = ["StaffAccounts", "StaffRecord", "UsernameTaken"]


class UsernameTaken(Exception):
    """Another account already has this username."""


@dataclass(frozen=True, slots=True)
class StaffRecord:
    id: int
    username: str
    password_hash: str
    role: str
    kecamatan_code: str | None
    desa_code: str | None
    active: bool
    failed_logins: int
    locked_until: datetime | None
    created_at: datetime


def _aware(at: datetime | None) -> datetime | None:
    """SQLite hands back naive datetimes; everything here is stored in UTC."""
    return at.replace(tzinfo=UTC) if at is not None and at.tzinfo is None else at


def _record(s: Staff) -> StaffRecord:
    return StaffRecord(id=s.id, username=s.username, password_hash=s.password_hash, role=s.role,
                       kecamatan_code=s.kecamatan_code, desa_code=s.desa_code, active=s.active,
                       failed_logins=s.failed_logins, locked_until=_aware(s.locked_until),
                       created_at=_aware(s.created_at))


class StaffAccounts:
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def get(self, staff_id: int) -> StaffRecord | None:
        async with self._sessions() as s:
            row = await s.get(Staff, staff_id)
            return _record(row) if row else None

    async def by_username(self, username: str) -> StaffRecord | None:
        async with self._sessions() as s:
            row = (await s.scalars(select(Staff).where(Staff.username == username))).first()
            return _record(row) if row else None

    async def insert(self, *, username: str, password_hash: str, role: str, kecamatan_code: str | None,
                     desa_code: str | None, at: datetime) -> StaffRecord:
        """Add an account; UsernameTaken when the name is in use."""
        row = Staff(username=username, password_hash=password_hash, role=role, kecamatan_code=kecamatan_code,
                    desa_code=desa_code, active=True, failed_logins=0, locked_until=None, created_at=at)
        try:
            async with self._sessions() as s, s.begin():
                s.add(row)
        except IntegrityError:
            raise UsernameTaken(username) from None
        return _record(row)

    async def record_failure(self, *, staff_id: int, max_failures: int, lock_until: datetime) -> bool:
        """Count one failed login, in one statement. The failure that reaches `max_failures` locks the
        account until `lock_until` and starts the count again; True when this one did."""
        reached = Staff.failed_logins + 1 >= max_failures
        until = literal(lock_until, Staff.locked_until.type)
        async with self._sessions() as s, s.begin():
            count = await s.scalar(
                update(Staff).where(Staff.id == staff_id)
                .values(failed_logins=case((reached, 0), else_=Staff.failed_logins + 1),
                        locked_until=case((reached, until), else_=Staff.locked_until))
                .returning(Staff.failed_logins))
        return count == 0

    async def reset_failures(self, *, staff_id: int) -> None:
        async with self._sessions() as s, s.begin():
            await s.execute(update(Staff).where(Staff.id == staff_id).values(failed_logins=0, locked_until=None))

    async def lock(self, *, staff_id: int, until: datetime | None) -> None:
        """Lock an account until a time (None unlocks it)."""
        async with self._sessions() as s, s.begin():
            await s.execute(update(Staff).where(Staff.id == staff_id).values(locked_until=until))

    async def set_password_hash(self, *, staff_id: int, password_hash: str) -> None:
        async with self._sessions() as s, s.begin():
            await s.execute(update(Staff).where(Staff.id == staff_id).values(password_hash=password_hash))

    async def set_active(self, *, staff_id: int, active: bool) -> bool:
        """Enable or disable an account. True if the account exists."""
        async with self._sessions() as s, s.begin():
            res = await s.execute(update(Staff).where(Staff.id == staff_id).values(active=active))
            return res.rowcount == 1
