"""What the service holds about one contact, and forgetting it: the data subject's access and erasure
under UU PDP No. 27/2022 (services/data_rights.py has the rules, services/retention.py forgets idle
contacts the same way).

Forgetting keeps the contact's row as a tombstone (`channel_user_id` becomes `erased:<id>`, every
other personal field empty) rather than deleting it: ids are never reused (SQLite reuses the highest
rowid of a deleted row), so an audit entry naming `contact:<id>` can never point at someone else,
and a message being sent at that moment still finds its row. The person's next message creates a
new contact. Santunan reports are government records and stay; only their link to the chat goes."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import datetime

from sqlalchemy import String, and_, cast, delete, exists, func, literal, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage.contact_cache import cache_for
from storage.models import Contact, OutboxMessage, RegistryEntry, Report, SentMessage, Staff, Ticket, WebMessage

__all__ = ["ERASED", "Forgotten", "Holdings", "PersonalData", "ReportRef"]

ERASED = "erased:"  # channel_user_id prefix of a forgotten contact


@dataclass(frozen=True, slots=True)
class ReportRef:
    reference: str
    status: str


@dataclass(frozen=True, slots=True)
class Holdings:
    """Everything stored about one contact (its reports' contents are the reports' own: see there)."""

    contact_id: int
    channel: str
    channel_user_id: str
    phone: str | None
    display_name: str | None
    subscribed: bool
    subscription_kecamatan: str | None
    nik_linked: bool
    nik_masked: str | None  # from the coverage list, when the linked NIK is in it
    created_at: datetime
    last_inbound_at: datetime | None
    reports: tuple[ReportRef, ...]
    pending_messages: int
    staff_chat: bool  # a staff account's own linked chat
    tickets: tuple[tuple[int, str], ...] = ()  # conversations with a person: (number, status); transcripts held

    @property
    def erased(self) -> bool:
        return self.channel_user_id.startswith(ERASED)


@dataclass(frozen=True, slots=True)
class Forgotten:
    """What forgetting changed, as counts (the audit log keeps these, nothing else)."""

    contacts: int = 0
    subscriptions_ended: int = 0
    reports_detached: int = 0
    outbox_deleted: int = 0
    outbox_anonymised: int = 0
    deliveries_deleted: int = 0
    deliveries_detached: int = 0
    staff_unlinked: int = 0
    web_messages_deleted: int = 0
    tickets_deleted: int = 0  # conversations with a person, with their transcripts

    def counts(self) -> dict[str, int]:
        return asdict(self)


def _broadcast_receipt():
    """A delivery row that an announcement's statistics count (joined on the provider's id)."""
    return exists().where(OutboxMessage.provider_id == SentMessage.provider_id, OutboxMessage.kind == "broadcast")


class PersonalData:
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions
        self._contacts = cache_for(sessions)

    async def find(self, *, channel: str, user_id: str) -> int | None:
        async with self._sessions() as s:
            return await s.scalar(select(Contact.id).where(Contact.channel == channel,
                                                           Contact.channel_user_id == user_id))

    async def holdings(self, contact_id: int) -> Holdings | None:
        async with self._sessions() as s:
            c = await s.get(Contact, contact_id)
            if c is None:
                return None
            reports = (await s.execute(select(Report.reference, Report.status)
                                       .where(Report.reporter_contact_id == contact_id)
                                       .order_by(Report.created_at, Report.id))).all()
            masked = (await s.scalar(select(RegistryEntry.nik_masked).where(RegistryEntry.nik_hash == c.nik_hash))
                      if c.nik_hash else None)
            pending = await s.scalar(select(func.count()).select_from(OutboxMessage).where(
                OutboxMessage.contact_id == contact_id, OutboxMessage.status == "pending"))
            staff = await s.scalar(select(func.count()).select_from(Staff).where(Staff.contact_id == contact_id))
            tickets = (await s.execute(select(Ticket.id, Ticket.status).where(Ticket.contact_id == contact_id)
                                       .order_by(Ticket.id))).all()
        return Holdings(contact_id=c.id, channel=c.channel, channel_user_id=c.channel_user_id, phone=c.phone,
                        display_name=c.display_name, subscribed=c.subscribed,
                        subscription_kecamatan=c.subscription_kecamatan, nik_linked=c.nik_hash is not None,
                        nik_masked=masked, created_at=c.created_at, last_inbound_at=c.last_inbound_at,
                        reports=tuple(ReportRef(r.reference, r.status) for r in reports),
                        pending_messages=int(pending or 0), staff_chat=bool(staff),
                        tickets=tuple((t.id, t.status) for t in tickets))

    async def forget(self, *, contact_ids: Sequence[int]) -> Forgotten:
        """Forget these contacts in one transaction: unlink their reports and any staff account,
        delete the messages still queued for them, strip the address from those already sent (an
        announcement's counts stay right), delete their delivery records (or, where an
        announcement's counts use one, cut it from the contact), delete what waits for them in the
        web chat, and empty the contact row."""
        ids = list(contact_ids)
        if not ids:
            return Forgotten()
        mine = OutboxMessage.contact_id.in_(ids)
        async with self._sessions() as s, s.begin():
            ended = await s.scalar(select(func.count()).select_from(Contact).where(
                Contact.id.in_(ids), Contact.subscribed.is_(True)))
            counts = {
                "reports_detached": await self._run(s, update(Report).where(Report.reporter_contact_id.in_(ids))
                                                    .values(reporter_contact_id=None)),
                "outbox_deleted": await self._run(s, delete(OutboxMessage).where(mine,
                                                                                 OutboxMessage.status == "pending")),
                "outbox_anonymised": await self._run(s, update(OutboxMessage).where(mine)
                                                     .values(address="", contact_id=None)),
                "deliveries_deleted": await self._run(s, delete(SentMessage).where(
                    SentMessage.contact_id.in_(ids), or_(SentMessage.provider_id.is_(None), ~_broadcast_receipt()))),
                "deliveries_detached": await self._run(s, update(SentMessage).where(SentMessage.contact_id.in_(ids))
                                                       .values(contact_id=None)),
                "staff_unlinked": await self._run(s, update(Staff).where(Staff.contact_id.in_(ids)).values(
                    contact_id=None, linked_at=None, link_code_hash=None, link_code_expires_at=None)),
                "web_messages_deleted": await self._run(s, delete(WebMessage).where(WebMessage.contact_id.in_(ids))),
                # the transcripts are theirs: what they wrote and what staff answered them
                "tickets_deleted": await self._run(s, delete(Ticket).where(Ticket.contact_id.in_(ids))),
            }
            emptied = await self._run(s, update(Contact).where(Contact.id.in_(ids)).values(
                channel_user_id=literal(ERASED, String) + cast(Contact.id, String), phone=None, display_name=None,
                nik_hash=None, subscribed=False, subscription_kecamatan=None, subscribed_at=None,
                subscribed_via=None, opted_out_at=None, opted_out_via=None, last_inbound_at=None, blocked=False,
                open_ticket_id=None, rate_ticket_id=None))
        self._contacts.forget(ids)
        return Forgotten(contacts=emptied, subscriptions_ended=int(ended or 0), **counts)

    async def idle(self, *, before: datetime, limit: int | None = 5000) -> list[int]:
        """Contacts quiet since `before` that nothing needs any more: not subscribed, no report still
        moving, no staff account linked, nothing queued for them, no open conversation with a person,
        not already forgotten."""
        final = ("dicairkan", "ditolak")
        open_report = exists().where(Report.reporter_contact_id == Contact.id, Report.status.not_in(final))
        staff = exists().where(Staff.contact_id == Contact.id)
        queued = exists().where(OutboxMessage.contact_id == Contact.id, OutboxMessage.status == "pending")
        with_person = exists().where(Ticket.contact_id == Contact.id, Ticket.status == "open")
        quiet = or_(Contact.last_inbound_at < before, and_(Contact.last_inbound_at.is_(None),
                                                           Contact.created_at < before))
        async with self._sessions() as s:
            return list(await s.scalars(select(Contact.id).where(
                quiet, Contact.subscribed.is_(False), ~Contact.channel_user_id.startswith(ERASED),
                ~open_report, ~staff, ~queued, ~with_person).order_by(Contact.id).limit(limit)))

    @staticmethod
    async def _run(s: AsyncSession, stmt) -> int:
        return int((await s.execute(stmt.execution_options(synchronize_session=False))).rowcount or 0)
