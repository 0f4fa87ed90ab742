"""Staff accounts repository: rows of `staff`, looked up by username or id, with the session version
that ends earlier tokens when raised; the link to the staff member's own chat contact and its
one-time code; the admin sessions ended by logout (`revoked_sessions`). The rules (roles, areas,
passwords, login throttling, codes) are in services/staff.py and services/staff_links.py."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage.models import Contact, OutboxMessage, RevokedSession, Staff

__all__ = ["ChatLink", "CodeUsed", "RevokedSessions", "StaffAccounts", "StaffRecord", "UsernameTaken"]


class UsernameTaken(Exception):
    """Another account already has this username."""


class CodeUsed(Exception):
    """The one-time code was used, replaced or expired in the meantime."""


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
    session_version: int = 0
    display_name: str | None = None
    position: str | None = None


@dataclass(frozen=True, slots=True)
class ChatLink:
    """A staff account's own chat: where its notices go."""

    staff_id: int
    contact_id: int
    channel: str
    address: str  # the channel's id of the person (Telegram chat id, WhatsApp number)
    linked_at: datetime | None
    blocked: bool = False


def _aware(at: datetime | None) -> datetime | None:
    """SQLite hands back naive datetimes; everything here is stored in UTC."""
    return at.replace(tzinfo=UTC) if at is not None and at.tzinfo is None else at


def _record(s: Staff) -> StaffRecord:
    return StaffRecord(id=s.id, username=s.username, password_hash=s.password_hash, role=s.role,
                       kecamatan_code=s.kecamatan_code, desa_code=s.desa_code, active=s.active,
                       failed_logins=s.failed_logins, locked_until=_aware(s.locked_until),
                       created_at=_aware(s.created_at), session_version=s.session_version or 0,
                       display_name=s.display_name, position=s.position)


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

    async def all(self) -> list[StaffRecord]:
        """Every account, by username."""
        async with self._sessions() as s:
            return [_record(row) for row in await s.scalars(select(Staff).order_by(Staff.username))]

    async def insert(self, *, username: str, password_hash: str, role: str, kecamatan_code: str | None,
                     desa_code: str | None, at: datetime, display_name: str | None = None,
                     position: str | None = None) -> StaffRecord:
        """Add an account; UsernameTaken when the name is in use."""
        row = Staff(username=username, password_hash=password_hash, role=role, kecamatan_code=kecamatan_code,
                    desa_code=desa_code, active=True, failed_logins=0, locked_until=None, created_at=at,
                    session_version=0, display_name=display_name, position=position)
        try:
            async with self._sessions() as s, s.begin():
                s.add(row)
        except IntegrityError:
            raise UsernameTaken(username) from None
        return _record(row)

    async def set_profile(self, *, staff_id: int, display_name: str | None, position: str | None) -> bool:
        """The name and position histories show; sessions go on (nothing they carry changes)."""
        async with self._sessions() as s, s.begin():
            res = await s.execute(update(Staff).where(Staff.id == staff_id)
                                  .values(display_name=display_name, position=position))
            return res.rowcount == 1

    async def set_password_hash(self, *, staff_id: int, password_hash: str) -> None:
        """The same password, hashed anew (a login after the hash parameters changed): sessions go on."""
        async with self._sessions() as s, s.begin():
            await s.execute(update(Staff).where(Staff.id == staff_id).values(password_hash=password_hash))

    async def _changed(self, staff_id: int, **values) -> bool:
        """Change an account and raise its session version in one statement, so that no token
        issued before the change is accepted after it. True if the account exists."""
        async with self._sessions() as s, s.begin():
            res = await s.execute(update(Staff).where(Staff.id == staff_id)
                                  .values(session_version=Staff.session_version + 1, **values))
            return res.rowcount == 1

    async def replace_password(self, *, staff_id: int, password_hash: str) -> bool:
        """A new password: every earlier session ends, and the old failed-login count goes."""
        return await self._changed(staff_id, password_hash=password_hash, failed_logins=0, locked_until=None)

    async def set_active(self, *, staff_id: int, active: bool) -> bool:
        """Enable or disable an account; either way its earlier sessions end. True if it exists."""
        return await self._changed(staff_id, active=active)

    async def set_area(self, *, staff_id: int, kecamatan_code: str | None, desa_code: str | None) -> bool:
        """Move an account to another area; its earlier sessions end. True if the account exists."""
        return await self._changed(staff_id, kecamatan_code=kecamatan_code, desa_code=desa_code)

    async def end_sessions(self, *, staff_id: int) -> bool:
        """Sign the account out everywhere. True if the account exists."""
        return await self._changed(staff_id)

    # --- the staff member's own chat ---
    async def set_link_code(self, *, staff_id: int, code_hash: str | None, expires_at: datetime | None) -> bool:
        """Store the pending one-time code (replacing any earlier one), or clear it with None."""
        async with self._sessions() as s, s.begin():
            res = await s.execute(update(Staff).where(Staff.id == staff_id)
                                  .values(link_code_hash=code_hash, link_code_expires_at=expires_at))
            return res.rowcount == 1

    async def by_link_code(self, code_hash: str) -> tuple[StaffRecord, str, datetime | None] | None:
        """The account whose pending code has this hash, with the stored hash and its expiry."""
        async with self._sessions() as s:
            row = (await s.scalars(select(Staff).where(Staff.link_code_hash == code_hash))).first()
            return (_record(row), row.link_code_hash, _aware(row.link_code_expires_at)) if row else None

    async def link(self, *, staff_id: int, code_hash: str, contact_id: int, now: datetime) -> list[int]:
        """Use the code: link the contact to the account and clear the code, in one transaction;
        a contact belongs to one account, so any other account it was linked to lets go. Returns
        those accounts' ids; CodeUsed when the code is no longer pending (used at the same moment,
        replaced or expired)."""
        async with self._sessions() as s, s.begin():
            released = list(await s.scalars(
                update(Staff).where(Staff.contact_id == contact_id, Staff.id != staff_id)
                .values(contact_id=None, linked_at=None).returning(Staff.id)))
            res = await s.execute(
                update(Staff).where(Staff.id == staff_id, Staff.link_code_hash == code_hash,
                                    Staff.link_code_expires_at > now)
                .values(contact_id=contact_id, linked_at=now, link_code_hash=None, link_code_expires_at=None))
            if res.rowcount != 1:
                raise CodeUsed()
        return released

    async def unlink(self, *, staff_id: int) -> bool:
        """Let go of the account's chat (and any pending code). True if it had one linked."""
        async with self._sessions() as s, s.begin():
            res = await s.execute(update(Staff).where(Staff.id == staff_id, Staff.contact_id.is_not(None))
                                  .values(contact_id=None, linked_at=None, link_code_hash=None,
                                          link_code_expires_at=None))
            return res.rowcount == 1

    async def chat_link(self, staff_id: int) -> ChatLink | None:
        async with self._sessions() as s:
            row = (await s.execute(self._links().where(Staff.id == staff_id))).first()
            return ChatLink(*row) if row else None

    async def by_contact(self, contact_id: int) -> StaffRecord | None:
        """The account this contact is linked to (active or not)."""
        async with self._sessions() as s:
            row = (await s.scalars(select(Staff).where(Staff.contact_id == contact_id))).first()
            return _record(row) if row else None

    async def linked_chats(self, *, role: str, kecamatan_code: str | None = None,
                           desa_code: str | None = None) -> list[ChatLink]:
        """The reachable chats of the active accounts with this role in this area."""
        stmt = self._links().where(Staff.role == role, Staff.active.is_(True), Contact.blocked.is_(False))
        if kecamatan_code is not None:
            stmt = stmt.where(Staff.kecamatan_code == kecamatan_code)
        if desa_code is not None:
            stmt = stmt.where(Staff.desa_code == desa_code)
        async with self._sessions() as s:
            return [ChatLink(*row) for row in await s.execute(stmt.order_by(Staff.id))]

    async def queue_notice(self, *, staff_id: int, body: str, now: datetime) -> bool:
        """A notification in the outbox for the account's chat, if it is active and has a reachable one."""
        async with self._sessions() as s, s.begin():
            row = (await s.execute(self._links().where(Staff.id == staff_id, Staff.active.is_(True),
                                                       Contact.blocked.is_(False)))).first()
            if row is None:
                return False
            link = ChatLink(*row)
            s.add(OutboxMessage(kind="notification", priority=0, contact_id=link.contact_id, channel=link.channel,
                                address=link.address, body=body, created_at=now, next_attempt_at=now))
            return True

    @staticmethod
    def _links():
        return (select(Staff.id, Contact.id, Contact.channel, Contact.channel_user_id, Staff.linked_at,
                       Contact.blocked).join(Contact, Contact.id == Staff.contact_id))


class RevokedSessions:
    """Admin sessions ended by logout, each kept until the session would have ended anyway."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def revoke(self, *, session_id: str, expires_at: datetime, now: datetime) -> None:
        """Record the session as ended (again is harmless), and drop the rows whose time is over."""
        async with self._sessions() as s, s.begin():
            await s.execute(delete(RevokedSession).where(RevokedSession.expires_at <= now))
            await s.merge(RevokedSession(session_id=session_id, expires_at=expires_at))

    async def is_revoked(self, session_id: str) -> bool:
        async with self._sessions() as s:
            return await s.get(RevokedSession, session_id) is not None
