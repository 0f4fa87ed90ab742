"""The helpdesk: a person when the bot is not enough (PRODUCT.md section 7, CONTRACT.md "Helpdesk").

A contact is with the bot or, while it has an open ticket, with a person: everything it sends goes
into the ticket's transcript, and the bot starts nothing (conversations/helpdesk.py). One open
ticket per contact: asking again adds to it. A ticket carries its topic (from where the citizen
came), the report it concerns, its area (from the report, else the coverage record the citizen
proved, else their subscription), its assignee, and events. Staff of the ticket's area (kades,
camat) and Dinas Sosial, admin and humas see it; a ticket without an area is for the latter only.
Every read of a transcript is audited. Replies go to the citizen's channel through the outbox,
ahead of broadcasts; on WhatsApp past the 24-hour window the citizen gets the approved template
instead and the reply waits for their answer. Outside office hours the ticket still opens and the
citizen is told, once a day, when someone will read it."""
from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from services.audit import Audit
from services.office_hours import WIB, OfficeHours
from services.staff import StaffInfo
from services.staff_links import StaffLinks
from storage.contacts import ContactInfo
from storage.helpdesk import TicketFilter, Tickets
from storage.models import Ticket, utcnow
from storage.registry import Registry
from storage.reports import Reports
from storage.staff import StaffAccounts

__all__ = ["TOPICS", "Helpdesk", "Opened", "Said", "TicketView"]

TOPICS = ("santunan", "kepesertaan", "pengumuman", "lainnya")
_TOPIC_OF_FLOW = {"lapor_kematian": "santunan", "status_laporan": "santunan", "cek_bpjs": "kepesertaan",
                  "pengumuman": "pengumuman", "langganan": "pengumuman", "berhenti_langganan": "pengumuman"}
WINDOW = timedelta(hours=24)  # WhatsApp's customer-service window


@dataclass(frozen=True, slots=True)
class Opened:
    ticket_id: int
    created: bool  # False: the contact's open ticket got the message
    next_open: datetime | None  # outside office hours: when someone will read it (told once a day)
    area_known: bool = True  # False: a new ticket of unknown area, whose citizen is asked it once


@dataclass(frozen=True, slots=True)
class Said:
    """What the citizen's message in a conversation with a person calls for."""

    open: bool  # the ticket is still open (False: staff closed it meanwhile; the bot takes over)
    acknowledge: bool = False  # "pesan Anda sudah kami teruskan": at most once in a while
    next_open: datetime | None = None  # outside office hours, once a day
    replies: tuple[str, ...] = ()  # staff replies that waited for the citizen to write (the 24-hour window)
    area_asked: bool = False  # this message answers "dari kecamatan mana?" (see `answer_area`)


@dataclass(frozen=True, slots=True)
class TicketView:
    ticket: Ticket
    messages: list[Any]
    events: list[Any]
    window_left: timedelta | None  # WhatsApp: how long replies may still go as text


def topic_of(flow: str | None) -> str:
    return _TOPIC_OF_FLOW.get(flow or "", "lainnya")


def masked_contact(channel: str, user_id: str) -> str:
    """How a ticket's citizen is named in lists: the channel and the id's last three characters."""
    return f"{channel} …{user_id[-3:]}" if len(user_id) > 3 else channel


class Helpdesk:
    def __init__(self, *, tickets: Tickets, reports: Reports, registry: Registry, accounts: StaffAccounts,
                 audit: Audit, hours: OfficeHours, alerts: StaffLinks | None = None,
                 clock: Callable[[], datetime] = utcnow, acknowledge_every: timedelta = timedelta(minutes=30),
                 template_sid: str = "", base_url: str = "", retention_days: int = 180,
                 push: Callable[[int, str], Awaitable[Any]] | None = None) -> None:
        """`retention_days`: how long a closed conversation is kept (the purge deletes it after);
        `push`: puts a notice (its JSON body) straight into a web-chat contact's page (bot/app.py)."""
        self._push = push
        self._tickets, self._reports, self._registry, self._accounts = tickets, reports, registry, accounts
        self._base_url, self.retention_days = base_url, retention_days
        self._audit, self.hours, self._alerts, self.clock = audit, hours, alerts, clock
        self._ack_every, self._template = acknowledge_every, template_sid

    # --- the citizen's side (conversations/helpdesk.py) ---

    async def open(self, *, contact: ContactInfo, text: str, flow: str | None = None, step: str | None = None,
                   bot_said: str | None = None, report_reference: str | None = None,
                   media: Sequence[tuple[str, str]] = (),
                   place: tuple[str | None, str | None] = (None, None)) -> Opened:
        """Open a ticket for this contact, or add to its open one. Stored before the citizen is told.
        `place`: the (kecamatan, desa) the citizen gave in the form they were filling in, if any."""
        now = self.clock()
        if (existing := await self._tickets.open_for(contact.id)) is not None:
            await self.citizen_message(contact=contact, text=text, media=media)
            return Opened(existing.id, False, self._away(now))
        report = await self._reports.by_reference(report_reference) if report_reference else None
        kecamatan, desa, registry_id = await self._area(contact, report)
        if kecamatan is None:
            kecamatan, desa = place
        topic = "santunan" if report else topic_of(flow)
        values = {"contact_id": contact.id, "status": "open", "channel": contact.channel, "topic": topic,
                  "report_id": report.id if report else None, "registry_id": registry_id,
                  "kecamatan_code": kecamatan, "desa_code": desa, "priority": 1 if topic == "santunan" else 0,
                  "step": f"{flow}:{step}" if flow and step else flow, "opened_at": now, "waiting_since": now,
                  "last_activity_at": now, "last_inbound_at": now, "acknowledged_at": now,
                  "away_notice_on": now.astimezone(WIB).date() if not self.hours.is_open(now) else None}
        lines = ([{"direction": "bot", "text": bot_said, "at": now}] if bot_said else []) + \
            [{"direction": "in", "text": text, "at": now, **self._media(media)}]
        ticket = await self._tickets.create(values=values, messages=lines)
        if ticket is None:  # another message of the same contact opened it a moment ago
            return await self.open(contact=contact, text=text, flow=flow, step=step, media=media)
        await self._alert(ticket, kecamatan, desa, now)
        if kecamatan is None:  # the citizen is asked once; their next message may answer it
            await self._tickets.record(ticket_id=ticket.id, event={"kind": "area_asked", "actor": "system", "at": now})
        await self._audit.record(actor=f"contact:{contact.id}", action="helpdesk.open", target=f"ticket:{ticket.id}",
                                 detail={"topic": topic})
        return Opened(ticket.id, True, self._away(now), area_known=kecamatan is not None)

    async def answer_area(self, *, contact: ContactInfo, kecamatan: str | None, desa: str | None) -> bool:
        """The citizen's answer to "dari kecamatan mana?": the open ticket gets the area (its staff
        are told, in office hours), or, when the answer named no place, is left for Dinas Sosial.
        Either way the question is not asked again."""
        ticket = await self._tickets.open_for(contact.id)
        if ticket is None or ticket.kecamatan_code is not None:
            return False
        now, actor = self.clock(), f"contact:{contact.id}"
        if kecamatan is None:
            await self._tickets.record(ticket_id=ticket.id, event={"kind": "area_unknown", "actor": actor, "at": now})
            return False
        await self._tickets.change(ticket_id=ticket.id, values={"kecamatan_code": kecamatan, "desa_code": desa},
                                   event={"kind": "area", "actor": actor, "detail": desa or kecamatan, "at": now})
        await self._alert(ticket, kecamatan, desa, now, dinsos=False)
        return True

    async def citizen_message(self, *, contact: ContactInfo, text: str,
                              media: Sequence[tuple[str, str]] = ()) -> Said:
        """Put what the citizen sent in the transcript; say whether to acknowledge it."""
        ticket = await self._tickets.open_for(contact.id)
        if ticket is None:
            return Said(open=False)
        now = self.clock()
        ack = ticket.acknowledged_at is None or now - ticket.acknowledged_at >= self._ack_every
        away = not self.hours.is_open(now) and ticket.away_notice_on != now.astimezone(WIB).date()
        values: dict[str, Any] = {"last_activity_at": now, "last_inbound_at": now,
                                  "waiting_since": ticket.waiting_since or now}
        if ack:
            values["acknowledged_at"] = now
        if away:
            values["away_notice_on"] = now.astimezone(WIB).date()
        await self._tickets.add_message(ticket_id=ticket.id, values=values,
                                        message={"direction": "in", "text": text, "at": now, **self._media(media)})
        waiting = await self._tickets.pending(ticket.id)
        await self._tickets.mark_delivered([m.id for m in waiting])
        asked = ticket.kecamatan_code is None and await self._area_asked(ticket.id)
        return Said(open=True, acknowledge=ack and not away and not asked,
                    next_open=self.hours.next_open(now) if away else None,
                    replies=tuple(m.text for m in waiting), area_asked=asked)

    async def close_by_citizen(self, *, contact: ContactInfo) -> int | None:
        """SELESAI from the citizen: the ticket's id, or None when none was open."""
        ticket = await self._tickets.open_for(contact.id)
        if ticket is None:
            return None
        now = self.clock()
        await self._tickets.close(ticket_id=ticket.id, contact_id=contact.id,
                                  values={"closed_at": now, "closed_by": f"contact:{contact.id}"},
                                  event={"kind": "closed", "actor": f"contact:{contact.id}", "at": now})
        await self._audit.record(actor=f"contact:{contact.id}", action="helpdesk.close", target=f"ticket:{ticket.id}")
        return ticket.id

    async def rate(self, *, ticket_id: int, contact_id: int, score: int | None) -> bool:
        """The satisfaction answer (1-5) of a closed ticket of this contact, kept once; None: the
        contact wrote something else, and the question is not asked again."""
        await self._tickets.rated(contact_id=contact_id)
        if score is None:
            return False
        ticket = await self._tickets.get(ticket_id)
        if ticket is None or ticket.contact_id != contact_id or ticket.status != "closed" or not 1 <= score <= 5:
            return False
        return await self._tickets.change(ticket_id=ticket_id, values={"satisfaction": score},
                                          event={"kind": "rated", "actor": f"contact:{contact_id}",
                                                 "detail": str(score), "at": self.clock()})

    # --- the staff's side (bot/api/helpdesk.py, bot/admin/helpdesk.py) ---

    async def search(self, staff: StaffInfo, f: TicketFilter, *, page: int, size: int) -> tuple[list[Ticket], int]:
        if not staff.sees_all:  # a camat or kades: their area only, never tickets without one
            kec, desa = staff.area_filter()
            f = TicketFilter(status=f.status, assignee_id=f.assignee_id, unassigned=f.unassigned, topic=f.topic,
                             kecamatan=f.kecamatan, desa=f.desa, area_kecamatan=kec, area_desa=desa, area_only=True)
        return await self._tickets.search(f, page=page, size=size)

    async def summaries(self, tickets: Sequence[Ticket]) -> list[dict[str, Any]]:
        """What a list shows of each ticket; the citizen masked (channel and the id's last characters)."""
        people = await self._tickets.people([t.id for t in tickets])
        return [{"id": t.id, "status": t.status, "channel": t.channel, "topic": t.topic,
                 "contact": masked_contact(t.channel, people.get(t.id, (None, None))[0] or ""),
                 "kecamatan": t.kecamatan_code, "desa": t.desa_code, "assignee": people.get(t.id, (None, None))[1],
                 "priority": t.priority, "step": t.step, "opened_at": t.opened_at, "waiting_since": t.waiting_since,
                 "first_reply_at": t.first_reply_at, "closed_at": t.closed_at, "closed_by": t.closed_by,
                 "satisfaction": t.satisfaction,
                 "window_left_seconds": int(w.total_seconds()) if (w := self.window_left(t)) is not None else None}
                for t in tickets]

    async def visible(self, staff: StaffInfo, ticket_id: int) -> Ticket:
        """The ticket, or LookupError when it does not exist or is outside the staff member's area."""
        ticket = await self._tickets.get(ticket_id)
        if ticket is None or not self._sees(staff, ticket):
            raise LookupError(ticket_id)
        return ticket

    async def view(self, staff: StaffInfo, ticket_id: int) -> TicketView:
        """The ticket with its transcript and events; the read is audited."""
        ticket = await self.visible(staff, ticket_id)
        await self._audit.record(actor=staff.actor, action="helpdesk.read", target=f"ticket:{ticket.id}")
        return TicketView(ticket, await self._tickets.messages(ticket.id), await self._tickets.events(ticket.id),
                          self.window_left(ticket))

    def window_left(self, ticket: Ticket) -> timedelta | None:
        if ticket.channel != "whatsapp" or ticket.last_inbound_at is None:
            return None
        return max(timedelta(0), ticket.last_inbound_at + WINDOW - self.clock())

    async def staff_id(self, username: str) -> int | None:
        record = await self._accounts.by_username(username.strip().lower())
        return record.id if record else None

    async def reply(self, staff: StaffInfo, ticket_id: int, text: str) -> tuple[str, int]:
        """Send a staff answer on the citizen's channel: "queued" (through the outbox), "template"
        (WhatsApp past the window: the approved template goes now, the answer when they write) or
        "pending" (past the window with no template: delivered when they write). ValueError when
        the ticket is closed. Returns the delivery and the transcript line's id."""
        ticket = await self.visible(staff, ticket_id)
        if ticket.status != "open" or ticket.contact_id is None:
            raise ValueError("closed")
        now, left = self.clock(), self.window_left(ticket)
        delivery = "queued" if left is None or left > timedelta(0) else ("template" if self._template else "pending")
        if ticket.channel == "web" and self._push is not None:  # no provider between: it is there at once
            delivery = "sent"
        notice = ({"notice": "helpdesk_reply", "text": text} if delivery == "queued" else
                  {"notice": "helpdesk_waiting", "template": "helpdesk"} if delivery == "template" else None)
        outbox = [await self._row(ticket, notice, now)] if notice else []
        values = {"last_activity_at": now, "waiting_since": None,
                  **({"first_reply_at": now} if ticket.first_reply_at is None else {}),
                  **({"assignee_id": staff.id} if ticket.assignee_id is None else {})}
        message = {"direction": "out", "text": text, "staff_id": staff.id, "at": now,
                   "delivery": "sent" if delivery in ("queued", "sent") else "pending"}
        message_id = await self._tickets.add_message(ticket_id=ticket.id, message=message, values=values,
                                                     outbox=outbox)
        if delivery == "sent":  # the web chat: into the citizen's page now, not through the outbox's rounds
            await self._push(ticket.contact_id, json.dumps({"notice": "helpdesk_reply", "text": text},
                                                           ensure_ascii=False))
        await self._audit.record(actor=staff.actor, action="helpdesk.reply", target=f"ticket:{ticket.id}",
                                 detail={"delivery": delivery})
        return delivery, message_id

    async def note(self, staff: StaffInfo, ticket_id: int, text: str) -> int:
        """A private note: in the transcript for staff, never sent. Its id."""
        ticket = await self.visible(staff, ticket_id)
        now = self.clock()
        return await self._tickets.add_message(ticket_id=ticket.id, message={"direction": "note", "text": text,
                                                                      "staff_id": staff.id, "at": now},
                                        event={"kind": "note", "actor": staff.actor, "at": now})

    async def assign(self, staff: StaffInfo, ticket_id: int, username: str) -> StaffInfo:
        """Claim (one's own username) or give a ticket to a staff member who may see it; LookupError
        for an unknown or inactive account, PermissionError for one outside the ticket's area."""
        ticket = await self.visible(staff, ticket_id)
        record = await self._accounts.by_username(username.strip().lower())
        if record is None or not record.active:
            raise LookupError(username)
        target = StaffInfo(record.id, record.username, record.role, record.kecamatan_code, record.desa_code)
        if not self._sees(target, ticket):
            raise PermissionError(username)
        kind = "assigned" if ticket.assignee_id is None else "transferred"
        await self._tickets.change(ticket_id=ticket.id, values={"assignee_id": target.id},
                                   event={"kind": kind, "actor": staff.actor, "detail": target.username,
                                          "at": self.clock()})
        await self._audit.record(actor=staff.actor, action=f"helpdesk.{kind}", target=f"ticket:{ticket.id}",
                                 detail={"to": target.actor})
        return target

    async def close(self, staff: StaffInfo | None, ticket_id: int, note: str | None = None, *,
                    reason: str = "staff") -> bool:
        """Close the ticket (staff, or the system when idle): the citizen is told, asked how satisfied
        they were, and the bot takes over. False when it was closed already."""
        ticket = await self.visible(staff, ticket_id) if staff is not None else await self._tickets.get(ticket_id)
        if ticket is None or ticket.status != "open":
            return False
        now, actor = self.clock(), staff.actor if staff else "system"
        notice = {"notice": "helpdesk_closed", "ticket": ticket.id, "reason": reason}
        outbox = [await self._row(ticket, notice, now)] if ticket.contact_id else []
        done = await self._tickets.close(ticket_id=ticket.id, contact_id=ticket.contact_id,
                                         values={"closed_at": now, "closed_by": actor},
                                         event={"kind": "closed", "actor": actor, "detail": note, "at": now},
                                         outbox=outbox)
        if done:
            await self._audit.record(actor=actor, action="helpdesk.close", target=f"ticket:{ticket.id}",
                                     detail={"reason": reason})
        return done

    # --- the worker ---

    async def close_idle(self, *, after: timedelta) -> int:
        """Close tickets nobody wrote in for `after`; the citizen is told."""
        idle = await self._tickets.idle(before=self.clock() - after)
        return sum([await self.close(None, t.id, reason="idle") for t in idle])

    async def escalate(self, *, after: timedelta) -> int:
        """Unassigned tickets whose citizen has waited longer than `after` (in office hours): Dinas
        Sosial's linked chats are told, once per ticket."""
        now = self.clock()
        if not self.hours.is_open(now):
            return 0
        count = 0
        for ticket in await self._tickets.unanswered(since_before=now - after):
            rows = []
            if self._alerts is not None:
                rows = await self._alerts.ticket_alerts(ticket_id=ticket.id, topic=ticket.topic, kecamatan_code=None,
                                                        desa_code=None, url=self._inbox_url(ticket.id))
            await self._tickets.change(ticket_id=ticket.id, values={"escalated_at": now}, outbox=rows,
                                       event={"kind": "escalated", "actor": "system", "at": now})
            count += 1
        return count

    # --- helpers ---

    def _sees(self, staff: StaffInfo, ticket: Ticket) -> bool:
        if staff.sees_all:
            return True
        if ticket.kecamatan_code is None:
            return False
        return staff.can_see(kecamatan_code=ticket.kecamatan_code, desa_code=ticket.desa_code) if ticket.desa_code \
            else staff.role == "camat" and staff.kecamatan_code == ticket.kecamatan_code

    def _inbox_url(self, ticket_id: int) -> str:
        return f"{self._base_url}/admin/bantuan/{ticket_id}"

    async def _alert(self, ticket: Ticket, kecamatan: str | None, desa: str | None, now: datetime, *,
                     dinsos: bool = True) -> None:
        """The linked chats of the staff who may answer the ticket are told, in office hours."""
        if self._alerts is None or not self.hours.is_open(now):
            return
        alerts = await self._alerts.ticket_alerts(ticket_id=ticket.id, topic=ticket.topic, kecamatan_code=kecamatan,
                                                  desa_code=desa, url=self._inbox_url(ticket.id), dinsos=dinsos)
        if alerts:
            await self._tickets.change(ticket_id=ticket.id, values={}, outbox=alerts)

    async def _area_asked(self, ticket_id: int) -> bool:
        """The citizen was asked the area and has not answered yet (the ticket's last area event)."""
        kinds = [e.kind for e in await self._tickets.events(ticket_id) if e.kind.startswith("area")]
        return bool(kinds) and kinds[-1] == "area_asked"

    def _away(self, now: datetime) -> datetime | None:
        return None if self.hours.is_open(now) else self.hours.next_open(now)

    @staticmethod
    def _media(media: Sequence[tuple[str, str]]) -> dict[str, Any]:
        return {"media_key": media[0][0], "media_type": media[0][1]} if media else {}

    async def _area(self, contact: ContactInfo, report: Any) -> tuple[str | None, str | None, int | None]:
        """(kecamatan, desa, coverage record id) the ticket belongs to, as far as it is known."""
        if report is not None:
            return report.kecamatan_code, report.desa_code, None
        stored = await self._reports.contact(contact.id)  # the NIK it proved in a coverage lookup, as a hash
        row = await self._registry.find(stored.nik_hash) if stored is not None and stored.nik_hash else None
        if row is not None:
            return row.kecamatan_code, row.desa_code, row.id
        return contact.subscription_kecamatan, None, None

    async def _row(self, ticket: Ticket, notice: dict[str, Any], now: datetime) -> dict[str, Any]:
        contact = await self._reports.contact(ticket.contact_id)
        return {"kind": "notification", "priority": 0, "contact_id": ticket.contact_id, "channel": ticket.channel,
                "address": contact.channel_user_id if contact else "", "body": json.dumps(notice, ensure_ascii=False),
                "created_at": now, "next_attempt_at": now}
