"""The conversation tables: what the web chat is sent outside a reply, and the helpdesk's tickets,
their transcripts, events and canned replies. Part of storage/models.py (which imports them), kept
apart to keep each module short."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from storage.models import _ID, _TS, Base, utcnow

__all__ = ["CannedReply", "Ticket", "TicketEvent", "TicketMessage", "WebMessage"]


class WebMessage(Base):
    """What was sent to a web-chat user outside a reply (status notices, announcements): the web
    chat has no provider to push to, so the page reads these with GET /api/chat/messages."""

    __tablename__ = "web_messages"
    __table_args__ = (Index("ix_web_messages_contact", "contact_id", "id"),)

    id: Mapped[int] = mapped_column(_ID, primary_key=True, autoincrement=True)
    contact_id: Mapped[int] = mapped_column(_ID, ForeignKey("contacts.id", ondelete="CASCADE"))
    text: Mapped[str] = mapped_column(Text)
    choices: Mapped[str | None] = mapped_column(Text)  # JSON list of button labels
    created_at: Mapped[datetime] = mapped_column(_TS, default=utcnow)


class Ticket(Base):
    """A conversation with a person (the helpdesk): one open ticket per contact at a time."""

    __tablename__ = "tickets"
    __table_args__ = (Index("uq_tickets_open_contact", "contact_id", unique=True,
                            postgresql_where=text("status = 'open'"), sqlite_where=text("status = 'open'")),
                      Index("ix_tickets_status_area", "status", "kecamatan_code", "desa_code"))

    id: Mapped[int] = mapped_column(_ID, primary_key=True, autoincrement=True)
    contact_id: Mapped[int | None] = mapped_column(_ID, ForeignKey("contacts.id", ondelete="SET NULL"), index=True)
    status: Mapped[str] = mapped_column(String(16), default="open")  # open, closed
    channel: Mapped[str] = mapped_column(String(16))
    topic: Mapped[str] = mapped_column(String(16), default="lainnya")  # santunan, kepesertaan, pengumuman, lainnya
    report_id: Mapped[int | None] = mapped_column(_ID, ForeignKey("reports.id", ondelete="SET NULL"))
    registry_id: Mapped[int | None] = mapped_column(_ID, ForeignKey("registry.id", ondelete="SET NULL"))
    kecamatan_code: Mapped[str | None] = mapped_column(String(16))
    desa_code: Mapped[str | None] = mapped_column(String(16))
    assignee_id: Mapped[int | None] = mapped_column(_ID, ForeignKey("staff.id", ondelete="SET NULL"), index=True)
    priority: Mapped[int] = mapped_column(Integer, default=0)  # 0 normal, 1 high
    step: Mapped[str | None] = mapped_column(String(80))  # where the citizen was: "lapor_kematian:kk"
    opened_at: Mapped[datetime] = mapped_column(_TS, default=utcnow, index=True)
    waiting_since: Mapped[datetime | None] = mapped_column(_TS)  # the citizen's oldest unanswered message
    last_activity_at: Mapped[datetime] = mapped_column(_TS, default=utcnow)
    last_inbound_at: Mapped[datetime | None] = mapped_column(_TS)  # the citizen's last message (WhatsApp window)
    first_reply_at: Mapped[datetime | None] = mapped_column(_TS)
    closed_at: Mapped[datetime | None] = mapped_column(_TS)
    closed_by: Mapped[str | None] = mapped_column(String(80))
    # "pesan Anda sudah kami teruskan": when it was last said (at most once in a while)
    acknowledged_at: Mapped[datetime | None] = mapped_column(_TS)
    away_notice_on: Mapped[date | None] = mapped_column(Date)  # the day the out-of-hours notice was given
    escalated_at: Mapped[datetime | None] = mapped_column(_TS)
    satisfaction: Mapped[int | None] = mapped_column(Integer)  # 1-5, asked once when it closes


class TicketMessage(Base):
    """The transcript: what the citizen wrote ("in"), what staff answered ("out"), private notes
    ("note"), and what the bot had said before the handover ("bot")."""

    __tablename__ = "ticket_messages"

    id: Mapped[int] = mapped_column(_ID, primary_key=True, autoincrement=True)
    ticket_id: Mapped[int] = mapped_column(_ID, ForeignKey("tickets.id", ondelete="CASCADE"), index=True)
    direction: Mapped[str] = mapped_column(String(8))
    text: Mapped[str] = mapped_column(Text, default="")
    media_key: Mapped[str | None] = mapped_column(String(120))
    media_type: Mapped[str | None] = mapped_column(String(40))
    staff_id: Mapped[int | None] = mapped_column(_ID, ForeignKey("staff.id", ondelete="SET NULL"))
    delivery: Mapped[str | None] = mapped_column(String(16))  # out: sent, queued, template, pending, failed
    at: Mapped[datetime] = mapped_column(_TS, default=utcnow)


class TicketEvent(Base):
    """A ticket's history: opened, assigned, transferred, note, reopened, closed, escalated, read."""

    __tablename__ = "ticket_events"

    id: Mapped[int] = mapped_column(_ID, primary_key=True, autoincrement=True)
    ticket_id: Mapped[int] = mapped_column(_ID, ForeignKey("tickets.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    actor: Mapped[str] = mapped_column(String(80))
    detail: Mapped[str | None] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(_TS, default=utcnow)


class CannedReply(Base):
    """A ready answer staff pick in the inbox; kept by admin and dinsos."""

    __tablename__ = "canned_replies"

    id: Mapped[int] = mapped_column(_ID, primary_key=True, autoincrement=True)
    title: Mapped[str] = mapped_column(String(80))
    text: Mapped[str] = mapped_column(Text)
    updated_by: Mapped[str] = mapped_column(String(80))
    updated_at: Mapped[datetime] = mapped_column(_TS, default=utcnow)
