"""Helpdesk tickets repository: one open ticket per contact (a partial unique index decides races),
the transcript and the events, written with the contact's `open_ticket_id` in one transaction, and
the staff's lists. The rules (who sees what, office hours, acknowledgements) are in services/helpdesk.py."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage.contact_cache import cache_for
from storage.models import CannedReply, Contact, OutboxMessage, RegistryEntry, Staff, Ticket, TicketEvent, TicketMessage

__all__ = ["TicketFilter", "Tickets"]


@dataclass(frozen=True, slots=True)
class TicketFilter:
    status: str | None = None
    assignee_id: int | None = None
    unassigned: bool = False
    kecamatan: str | None = None
    desa: str | None = None
    topic: str | None = None
    # a camat's or kades' view: tickets of this area (kecamatan, and desa for a kades) only
    area_kecamatan: str | None = None
    area_desa: str | None = None
    area_only: bool = False


class Tickets:
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions
        self._contacts = cache_for(sessions)  # what a turn remembers of a contact: forgotten on each change here

    async def open_for(self, contact_id: int) -> Ticket | None:
        async with self._sessions() as s:
            return (await s.scalars(select(Ticket).where(Ticket.contact_id == contact_id,
                                                         Ticket.status == "open"))).first()

    async def create(self, *, values: dict[str, Any], messages: Sequence[dict[str, Any]],
                     outbox: Sequence[dict[str, Any]] = ()) -> Ticket | None:
        """A new open ticket with its first messages and the contact marked, all or nothing; None
        when the contact has an open ticket already (made at the same moment by another turn)."""
        async with self._sessions() as s:
            try:
                async with s.begin():
                    ticket = Ticket(**values)
                    s.add(ticket)
                    await s.flush()
                    s.add_all(TicketMessage(ticket_id=ticket.id, **m) for m in messages)
                    s.add(TicketEvent(ticket_id=ticket.id, kind="opened", actor=f"contact:{ticket.contact_id}",
                                      at=values["opened_at"]))
                    s.add_all(OutboxMessage(**row) for row in outbox)
                    await s.execute(update(Contact).where(Contact.id == ticket.contact_id)
                                    .values(open_ticket_id=ticket.id))
            except IntegrityError:
                return None
            self._contacts.forget((ticket.contact_id,))
            return ticket

    async def rated(self, *, contact_id: int) -> None:
        """The contact answered (or passed over) the satisfaction question."""
        async with self._sessions() as s, s.begin():
            await s.execute(update(Contact).where(Contact.id == contact_id).values(rate_ticket_id=None))
        self._contacts.forget((contact_id,))

    async def get(self, ticket_id: int) -> Ticket | None:
        async with self._sessions() as s:
            return await s.get(Ticket, ticket_id)

    async def add_message(self, *, ticket_id: int, message: dict[str, Any], values: dict[str, Any] | None = None,
                          event: dict[str, Any] | None = None, outbox: Sequence[dict[str, Any]] = ()) -> int:
        """A transcript line, with changes to the ticket and an event, in one transaction; its id."""
        async with self._sessions() as s, s.begin():
            row = TicketMessage(ticket_id=ticket_id, **message)
            s.add(row)
            if values:
                await s.execute(update(Ticket).where(Ticket.id == ticket_id).values(**values))
            if event:
                s.add(TicketEvent(ticket_id=ticket_id, **event))
            s.add_all(OutboxMessage(**r) for r in outbox)
            await s.flush()
            return row.id

    async def change(self, *, ticket_id: int, values: dict[str, Any], event: dict[str, Any] | None = None,
                     outbox: Sequence[dict[str, Any]] = (), only_open: bool = False) -> bool:
        """Update the ticket (and record an event, queue messages); False when nothing matched."""
        where = [Ticket.id == ticket_id] + ([Ticket.status == "open"] if only_open else [])
        async with self._sessions() as s, s.begin():
            res = await s.execute(update(Ticket).where(*where).values(**values))
            if res.rowcount != 1:
                return False
            if event:
                s.add(TicketEvent(ticket_id=ticket_id, **event))
            s.add_all(OutboxMessage(**r) for r in outbox)
            return True

    async def close(self, *, ticket_id: int, contact_id: int | None, values: dict[str, Any], event: dict[str, Any],
                    outbox: Sequence[dict[str, Any]] = ()) -> bool:
        """Close an open ticket and free its contact for the bot, in one transaction."""
        async with self._sessions() as s, s.begin():
            res = await s.execute(update(Ticket).where(Ticket.id == ticket_id, Ticket.status == "open")
                                  .values(status="closed", **values))
            if res.rowcount != 1:
                return False
            if contact_id is not None:  # back to the bot, with the satisfaction question to answer
                await s.execute(update(Contact).where(Contact.id == contact_id, Contact.open_ticket_id == ticket_id)
                                .values(open_ticket_id=None, rate_ticket_id=ticket_id))
            s.add(TicketEvent(ticket_id=ticket_id, **event))
            s.add_all(OutboxMessage(**r) for r in outbox)
        if contact_id is not None:
            self._contacts.forget((contact_id,))
        return True

    async def messages(self, ticket_id: int) -> list[TicketMessage]:
        async with self._sessions() as s:
            return list(await s.scalars(select(TicketMessage).where(TicketMessage.ticket_id == ticket_id)
                                        .order_by(TicketMessage.id)))

    async def pending(self, ticket_id: int) -> list[TicketMessage]:
        """Staff replies waiting for the citizen to write (sent outside WhatsApp's 24-hour window)."""
        async with self._sessions() as s:
            return list(await s.scalars(select(TicketMessage).where(
                TicketMessage.ticket_id == ticket_id, TicketMessage.delivery == "pending").order_by(TicketMessage.id)))

    async def mark_delivered(self, message_ids: Sequence[int]) -> None:
        if message_ids:
            async with self._sessions() as s, s.begin():
                await s.execute(update(TicketMessage).where(TicketMessage.id.in_(message_ids))
                                .values(delivery="sent"))

    async def events(self, ticket_id: int) -> list[TicketEvent]:
        async with self._sessions() as s:
            return list(await s.scalars(select(TicketEvent).where(TicketEvent.ticket_id == ticket_id)
                                        .order_by(TicketEvent.id)))

    async def record(self, *, ticket_id: int, event: dict[str, Any]) -> None:
        async with self._sessions() as s, s.begin():
            s.add(TicketEvent(ticket_id=ticket_id, **event))

    def _where(self, f: TicketFilter) -> list[Any]:
        where: list[Any] = []
        for column, value in ((Ticket.status, f.status), (Ticket.assignee_id, f.assignee_id),
                              (Ticket.kecamatan_code, f.kecamatan), (Ticket.desa_code, f.desa),
                              (Ticket.topic, f.topic)):
            if value is not None:
                where.append(column == value)
        if f.unassigned:
            where.append(Ticket.assignee_id.is_(None))
        if f.area_only:  # a camat or kades: their area, never the tickets without one
            where.append(Ticket.kecamatan_code == f.area_kecamatan)
            if f.area_desa is not None:
                where.append(Ticket.desa_code == f.area_desa)
        return where

    async def search(self, f: TicketFilter, *, page: int, size: int) -> tuple[list[Ticket], int]:
        """Open tickets waiting longest first, then the newest."""
        where = self._where(f)
        async with self._sessions() as s:
            total = int(await s.scalar(select(func.count()).select_from(Ticket).where(*where)) or 0)
            rows = await s.scalars(select(Ticket).where(*where)
                                   .order_by(Ticket.status.desc(), Ticket.waiting_since.asc().nulls_last(),
                                             Ticket.opened_at.desc(), Ticket.id.desc())
                                   .offset((page - 1) * size).limit(size))
            return list(rows), total

    async def people(self, ticket_ids: Sequence[int]) -> dict[int, tuple[str | None, str | None]]:
        """Per ticket: its citizen's channel id and its assignee's username (one query, for lists)."""
        if not ticket_ids:
            return {}
        async with self._sessions() as s:
            rows = await s.execute(select(Ticket.id, Contact.channel_user_id, Staff.username)
                                   .outerjoin(Contact, Contact.id == Ticket.contact_id)
                                   .outerjoin(Staff, Staff.id == Ticket.assignee_id)
                                   .where(Ticket.id.in_(list(ticket_ids))))
            return {tid: (cid, name) for tid, cid, name in rows}

    async def idle(self, *, before: datetime) -> list[Ticket]:
        async with self._sessions() as s:
            return list(await s.scalars(select(Ticket).where(Ticket.status == "open",
                                                             Ticket.last_activity_at < before)))

    async def unanswered(self, *, since_before: datetime) -> list[Ticket]:
        """Open, unassigned tickets whose citizen has waited since before then and not yet escalated."""
        async with self._sessions() as s:
            return list(await s.scalars(select(Ticket).where(
                Ticket.status == "open", Ticket.assignee_id.is_(None), Ticket.escalated_at.is_(None),
                Ticket.waiting_since < since_before)))

    async def all_between(self, *, since: datetime) -> list[Ticket]:
        """Tickets opened since then or still open (the dashboard's figures)."""
        async with self._sessions() as s:
            return list(await s.scalars(select(Ticket).where(or_(Ticket.opened_at >= since,
                                                                 Ticket.status == "open"))))

    async def latest_change(self) -> int:
        """A number that grows whenever a ticket gets a message or an event (the live inbox polls it)."""
        async with self._sessions() as s:
            m = await s.scalar(select(func.max(TicketMessage.id))) or 0
            e = await s.scalar(select(func.max(TicketEvent.id))) or 0
            return int(m) * 1_000_003 + int(e)

    # --- read-only helpers of the inbox pages and the dashboard (bot/admin/helpdesk.py) ---
    async def count(self, f: TicketFilter, *, waiting: bool = False) -> int:
        """How many tickets match; `waiting`: only those whose citizen waits for an answer."""
        where = self._where(f) + ([Ticket.waiting_since.is_not(None)] if waiting else [])
        async with self._sessions() as s:
            return int(await s.scalar(select(func.count()).select_from(Ticket).where(*where)) or 0)

    async def figures(self, f: TicketFilter, *, since: datetime) -> list[Any]:
        """Per ticket opened since then or still open (within `f`): what the dashboard's figures need,
        with the assignee's username."""
        columns = (Ticket.id, Ticket.status, Ticket.kecamatan_code, Staff.username, Ticket.opened_at,
                   Ticket.waiting_since, Ticket.first_reply_at, Ticket.closed_at, Ticket.satisfaction)
        async with self._sessions() as s:
            return list(await s.execute(select(*columns).outerjoin(Staff, Staff.id == Ticket.assignee_id)
                                        .where(*self._where(f), or_(Ticket.opened_at >= since,
                                                                    Ticket.status == "open"))))

    async def message(self, *, ticket_id: int, message_id: int) -> TicketMessage | None:
        async with self._sessions() as s:
            row = await s.get(TicketMessage, message_id)
            return row if row is not None and row.ticket_id == ticket_id else None

    async def coverage(self, registry_id: int) -> RegistryEntry | None:
        """The coverage record the citizen proved (NIK and KPJ kept masked there)."""
        async with self._sessions() as s:
            return await s.get(RegistryEntry, registry_id)

    # --- canned replies ---
    async def canned(self) -> list[CannedReply]:
        async with self._sessions() as s:
            return list(await s.scalars(select(CannedReply).order_by(CannedReply.title)))

    async def save_canned(self, *, reply_id: int | None, title: str, text: str, actor: str, at: datetime) -> None:
        async with self._sessions() as s, s.begin():
            if reply_id is None:
                s.add(CannedReply(title=title, text=text, updated_by=actor, updated_at=at))
            else:
                await s.execute(update(CannedReply).where(CannedReply.id == reply_id)
                                .values(title=title, text=text, updated_by=actor, updated_at=at))
