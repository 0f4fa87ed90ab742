"""Tables. Migrations in storage/migrations are generated from these and reviewed by hand."""
from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

__all__ = ["Announcement", "AuditEntry", "Base", "CannedReply", "Contact", "ConversationState", "FaqEntry",
           "FaqRevision", "FaqUnanswered", "OutboxMessage", "ProcessedMessage", "RateCounter", "RegistryEntry",
           "RegistryImport", "Report", "ReportCheck", "ReportDocument", "ReportEvent", "RevokedSession", "SentMessage",
           "Staff", "Ticket", "TicketEvent", "TicketMessage", "UTCDateTime", "WebMessage", "WhatsAppContent", "utcnow"]

_NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=_NAMING)


class UTCDateTime(TypeDecorator):
    """Timestamps are stored in UTC and always come back timezone-aware (SQLite forgets the zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        """Any zone in, UTC stored: SQLite keeps the wall-clock digits only, so a time given in WIB
        would otherwise be read back seven hours off (and compare wrongly with the others)."""
        return value.astimezone(UTC) if value is not None and value.tzinfo is not None else value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        return value.replace(tzinfo=UTC) if value is not None and value.tzinfo is None else value


_ID = BigInteger().with_variant(Integer, "sqlite")
_TS = UTCDateTime()


class Contact(Base):
    """One person on one channel. The channel user id is the platform's (Telegram chat id,
    WhatsApp number, web chat id); everything else keys on our own `id`."""

    __tablename__ = "contacts"
    __table_args__ = (UniqueConstraint("channel", "channel_user_id", name="uq_contacts_channel_user"),)

    id: Mapped[int] = mapped_column(_ID, primary_key=True, autoincrement=True)
    channel: Mapped[str] = mapped_column(String(16))
    channel_user_id: Mapped[str] = mapped_column(String(64))
    phone: Mapped[str | None] = mapped_column(String(20))
    display_name: Mapped[str | None] = mapped_column(String(120))
    language: Mapped[str] = mapped_column(String(8), default="id")
    # announcements: subscribed to all of OKI (kecamatan NULL) or to one kecamatan code
    subscribed: Mapped[bool] = mapped_column(Boolean, default=False)
    subscription_kecamatan: Mapped[str | None] = mapped_column(String(16))
    subscribed_at: Mapped[datetime | None] = mapped_column(_TS)
    subscribed_via: Mapped[str | None] = mapped_column(String(32))
    opted_out_at: Mapped[datetime | None] = mapped_column(_TS)
    opted_out_via: Mapped[str | None] = mapped_column(String(32))
    last_inbound_at: Mapped[datetime | None] = mapped_column(_TS)
    blocked: Mapped[bool] = mapped_column(Boolean, default=False)
    # keyed hash of the NIK this person proved is theirs (a coverage lookup with the right name);
    # lets a death report end the deceased's own subscriptions
    nik_hash: Mapped[str | None] = mapped_column(String(64), index=True)
    created_at: Mapped[datetime] = mapped_column(_TS, default=utcnow)
    # the helpdesk ticket open for this contact, if any: read with every message (the contact's
    # touch returns it), so the engine knows the conversation is with a person at no extra cost
    open_ticket_id: Mapped[int | None] = mapped_column(_ID)
    # a ticket that just closed, whose satisfaction question the contact may still answer (once)
    rate_ticket_id: Mapped[int | None] = mapped_column(_ID)


class ConversationState(Base):
    """The SQL backend of the state store: one small JSON document per contact."""

    __tablename__ = "conversation_state"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    data: Mapped[str] = mapped_column(Text)
    version: Mapped[int] = mapped_column(Integer)
    expires_at: Mapped[datetime] = mapped_column(_TS, index=True)


class ProcessedMessage(Base):
    """Platform message ids already handled (Telegram update_id, Twilio MessageSid)."""

    __tablename__ = "processed_messages"

    platform_id: Mapped[str] = mapped_column(String(80), primary_key=True)
    expires_at: Mapped[datetime] = mapped_column(_TS, index=True)


class SentMessage(Base):
    """A message we sent (or held) on a channel that reports delivery, with its latest status.
    The status only moves forward: see storage.deliveries.RANK."""

    __tablename__ = "sent_messages"

    id: Mapped[int] = mapped_column(_ID, primary_key=True, autoincrement=True)
    channel: Mapped[str] = mapped_column(String(16))
    contact_id: Mapped[int | None] = mapped_column(_ID, ForeignKey("contacts.id", ondelete="SET NULL"), index=True)
    provider_id: Mapped[str | None] = mapped_column(String(64), unique=True)
    status: Mapped[str] = mapped_column(String(16))
    status_rank: Mapped[int] = mapped_column(Integer)
    error_code: Mapped[str | None] = mapped_column(String(16))
    reason: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(_TS, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(_TS, default=utcnow)


class Staff(Base):
    """A staff account. `kecamatan_code` for a camat, `desa_code` (and its kecamatan) for a kades."""

    __tablename__ = "staff"

    id: Mapped[int] = mapped_column(_ID, primary_key=True, autoincrement=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(16))  # admin, dinsos, camat, kades, humas
    kecamatan_code: Mapped[str | None] = mapped_column(String(16))
    desa_code: Mapped[str | None] = mapped_column(String(16))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(_TS)
    created_at: Mapped[datetime] = mapped_column(_TS, default=utcnow)
    # the staff member's own WhatsApp or Telegram contact, linked with a one-time code from the admin
    # pages: told of reports waiting for them there, and may verify from the chat
    contact_id: Mapped[int | None] = mapped_column(_ID, ForeignKey("contacts.id", ondelete="SET NULL"), unique=True)
    linked_at: Mapped[datetime | None] = mapped_column(_TS)
    # the pending one-time code (one per account): only its keyed hash, until it is used or expires
    link_code_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    link_code_expires_at: Mapped[datetime | None] = mapped_column(_TS)
    # carried in every token and session; bumped by a password change or reset, disable, enable, a
    # role or area change and "sign out everywhere", so that every earlier token stops working
    session_version: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))
    # how histories name the account: "Nama (Jabatan)", else the username
    display_name: Mapped[str | None] = mapped_column(String(100))
    position: Mapped[str | None] = mapped_column(String(100))


class RevokedSession(Base):
    """An admin session ended by logout before its natural end: its id, until it would have expired."""

    __tablename__ = "revoked_sessions"

    session_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    expires_at: Mapped[datetime] = mapped_column(_TS, index=True)


class AuditEntry(Base):
    """Append-only: who did what, when, to which record. Never updated or deleted (on PostgreSQL a
    trigger refuses it). Personal data appears only as hashes or masked forms."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(_ID, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(_TS, default=utcnow, index=True)
    actor: Mapped[str] = mapped_column(String(80))  # "staff:<id>", "contact:<id>", "cli", "system"
    action: Mapped[str] = mapped_column(String(64))
    target: Mapped[str | None] = mapped_column(String(120))  # "registry:<nik hash>", "staff:<id>", ...
    detail: Mapped[str | None] = mapped_column(Text)  # JSON


class RegistryEntry(Base):
    """One covered worker from the BPJS TK list. The NIK is kept only as a keyed hash (for lookup)
    and a masked form (for display)."""

    __tablename__ = "registry"
    __table_args__ = (Index("ix_registry_kecamatan_kategori", "kecamatan_code", "category"),)

    id: Mapped[int] = mapped_column(_ID, primary_key=True, autoincrement=True)
    nik_hash: Mapped[str] = mapped_column(String(64), unique=True)
    nik_masked: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(120))
    birth_date: Mapped[date] = mapped_column(Date)
    kpj_masked: Mapped[str | None] = mapped_column(String(20))
    category: Mapped[str] = mapped_column(String(60))
    programmes: Mapped[str] = mapped_column(String(40))
    kecamatan_code: Mapped[str] = mapped_column(String(16))
    desa_code: Mapped[str | None] = mapped_column(String(16), index=True)
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16))
    fingerprint: Mapped[str] = mapped_column(String(32))  # of the row's content: unchanged rows are skipped
    import_id: Mapped[int | None] = mapped_column(_ID)
    reported_dead: Mapped[str | None] = mapped_column(String(16))  # the santunan report's reference, if any
    updated_at: Mapped[datetime] = mapped_column(_TS, default=utcnow)


class RegistryImport(Base):
    """One import of the coverage list: its summary and its rejected rows (masked) as CSV."""

    __tablename__ = "registry_imports"

    id: Mapped[int] = mapped_column(_ID, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(_TS, default=utcnow)
    actor: Mapped[str] = mapped_column(String(80))
    filename: Mapped[str] = mapped_column(String(200))
    dry_run: Mapped[bool] = mapped_column(Boolean, default=False)
    summary: Mapped[str] = mapped_column(Text)  # JSON: new, updated, unchanged, rejected by reason
    rejected_csv: Mapped[str] = mapped_column(Text, default="")


class RateCounter(Base):
    """Fixed-window counters for rate limits when Redis is not configured."""

    __tablename__ = "rate_counters"

    key: Mapped[str] = mapped_column(String(120), primary_key=True)
    window_end: Mapped[datetime] = mapped_column(_TS, index=True)
    count: Mapped[int] = mapped_column(Integer, default=0)


class Report(Base):
    """A santunan kematian report. The deceased's NIK is kept as a keyed hash (one report per NIK)
    and masked; what staff need to verify (names, KK, the heir's phone and bank account) is kept
    and shown only to entitled staff."""

    __tablename__ = "reports"
    __table_args__ = (Index("ix_reports_area_status", "kecamatan_code", "desa_code", "status"),)

    id: Mapped[int] = mapped_column(_ID, primary_key=True, autoincrement=True)
    reference: Mapped[str] = mapped_column(String(16), unique=True)
    status: Mapped[str] = mapped_column(String(32), index=True)
    returns_to: Mapped[str | None] = mapped_column(String(32))  # the stage perlu_perbaikan goes back to
    deceased_nik_hash: Mapped[str] = mapped_column(String(64), unique=True)
    deceased_nik_masked: Mapped[str] = mapped_column(String(16))
    deceased_name: Mapped[str] = mapped_column(String(120))
    date_of_death: Mapped[date] = mapped_column(Date)
    kecamatan_code: Mapped[str] = mapped_column(String(16))
    desa_code: Mapped[str] = mapped_column(String(16))
    kk_number: Mapped[str] = mapped_column(String(16))
    reporter_name: Mapped[str] = mapped_column(String(120))
    reporter_relationship: Mapped[str] = mapped_column(String(60))
    reporter_contact_id: Mapped[int | None] = mapped_column(_ID, ForeignKey("contacts.id", ondelete="SET NULL"),
                                                            index=True)
    filed_by: Mapped[str] = mapped_column(String(80))  # "contact:<id>" or "staff:<id>"
    heir_name: Mapped[str] = mapped_column(String(120))
    heir_phone: Mapped[str | None] = mapped_column(String(20))
    bank_name: Mapped[str | None] = mapped_column(String(60))
    bank_account: Mapped[str | None] = mapped_column(String(24))
    bank_holder: Mapped[str | None] = mapped_column(String(120))
    late: Mapped[bool] = mapped_column(Boolean, default=False)  # filed after the window, accepted flagged
    jkm_covered: Mapped[bool] = mapped_column(Boolean, default=False)  # in the coverage list on the date of death
    jkm_told: Mapped[bool] = mapped_column(Boolean, default=False)  # the family was told about JKM
    needs: Mapped[str | None] = mapped_column(Text)  # what is missing, for perlu_perbaikan
    rejection_reason: Mapped[str | None] = mapped_column(Text)
    stage_due: Mapped[datetime | None] = mapped_column(_TS, index=True)  # deadline of the current stage
    escalated_at: Mapped[datetime | None] = mapped_column(_TS)
    desil: Mapped[int | None] = mapped_column(Integer)  # DTSEN desil, recorded at approval
    transfer_date: Mapped[date | None] = mapped_column(Date)  # when the santunan was transferred
    transfer_reference: Mapped[str | None] = mapped_column(String(60))  # SP2D number or bank reference
    created_at: Mapped[datetime] = mapped_column(_TS, default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(_TS, default=utcnow)


class ReportEvent(Base):
    """A report's history: every transition, with who, when and the note."""

    __tablename__ = "report_events"

    id: Mapped[int] = mapped_column(_ID, primary_key=True, autoincrement=True)
    report_id: Mapped[int] = mapped_column(_ID, ForeignKey("reports.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(_TS, default=utcnow)
    from_status: Mapped[str | None] = mapped_column(String(32))
    to_status: Mapped[str] = mapped_column(String(32))
    actor: Mapped[str] = mapped_column(String(80))
    note: Mapped[str | None] = mapped_column(Text)  # internal: staff only, never sent
    family_message: Mapped[str | None] = mapped_column(Text)  # what was sent to the family with this move
    override_reason: Mapped[str | None] = mapped_column(Text)  # why a guardrail was overridden (services/guardrails)


class ReportDocument(Base):
    """A photo or PDF attached to a report; the file lives in the attachment store under `key`."""

    __tablename__ = "report_documents"

    id: Mapped[int] = mapped_column(_ID, primary_key=True, autoincrement=True)
    report_id: Mapped[int] = mapped_column(_ID, ForeignKey("reports.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(32))  # sktm, akta_kematian, kk, ktp_almarhum, ktp_ahli_waris, lain
    key: Mapped[str] = mapped_column(String(120))
    content_type: Mapped[str] = mapped_column(String(40))
    size: Mapped[int] = mapped_column(Integer)
    uploaded_at: Mapped[datetime] = mapped_column(_TS, default=utcnow)
    uploaded_by: Mapped[str] = mapped_column(String(80))


class OutboxMessage(Base):
    """Everything we send that is not a direct reply, one row per recipient and message, written
    before any send. `priority` 0 (status notices) goes ahead of 10 (broadcasts)."""

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_due", "status", "priority", "next_attempt_at"),
                      # the claim walks pending rows in (priority, id) order and stops after a batch,
                      # instead of sorting every pending row (59 ms -> 8 ms per claim at 100,000 pending)
                      Index("ix_outbox_claim", "priority", "id", postgresql_where=text("status = 'pending'"),
                            sqlite_where=text("status = 'pending'")),
                      Index("ix_outbox_opened", "channel", "opened_conversation", "sent_at"))

    id: Mapped[int] = mapped_column(_ID, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(24))  # notification, broadcast
    priority: Mapped[int] = mapped_column(Integer, default=0)
    announcement_id: Mapped[int | None] = mapped_column(_ID, ForeignKey("announcements.id", ondelete="CASCADE"),
                                                        index=True)
    contact_id: Mapped[int | None] = mapped_column(_ID, ForeignKey("contacts.id", ondelete="SET NULL"), index=True)
    channel: Mapped[str] = mapped_column(String(16))
    address: Mapped[str] = mapped_column(String(64))
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="pending")  # pending, sent, failed, held
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(_TS, default=utcnow)
    lease_until: Mapped[datetime | None] = mapped_column(_TS)
    last_error: Mapped[str | None] = mapped_column(String(200))
    provider_id: Mapped[str | None] = mapped_column(String(64))
    # sent as the WhatsApp template outside the 24-hour window: counts against the daily tier
    opened_conversation: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    created_at: Mapped[datetime] = mapped_column(_TS, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(_TS)


class Announcement(Base):
    """A broadcast: composed by humas or admin, approved by a second person, then sent to every
    subscriber of its target (all of OKI, or some kecamatan) through the outbox."""

    __tablename__ = "announcements"

    id: Mapped[int] = mapped_column(_ID, primary_key=True, autoincrement=True)
    title: Mapped[str] = mapped_column(String(120))
    body: Mapped[str] = mapped_column(Text)
    link: Mapped[str | None] = mapped_column(String(300))
    kecamatan: Mapped[str | None] = mapped_column(Text)  # JSON list of codes; NULL: all of OKI
    state: Mapped[str] = mapped_column(String(24), default="draft", index=True)
    author_id: Mapped[int] = mapped_column(_ID)
    approved_by: Mapped[int | None] = mapped_column(_ID)
    send_at: Mapped[datetime | None] = mapped_column(_TS)
    recipients: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(_TS, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(_TS)
    # the canary: this many recipients first; the rest wait until canary_until, when it is judged
    canary_size: Mapped[int] = mapped_column(Integer, default=0)
    canary_until: Mapped[datetime | None] = mapped_column(_TS)
    canary_checked: Mapped[bool] = mapped_column(Boolean, default=False)
    paused_reason: Mapped[str | None] = mapped_column(String(200))


# The conversation tables (the web chat's pushed messages, the helpdesk) live in models_chat.py; they
# are imported here so that `storage.models` names every table and Base.metadata holds them all.
from storage.models_chat import CannedReply, Ticket, TicketEvent, TicketMessage, WebMessage  # noqa: E402
from storage.models_knowledge import FaqEntry, FaqRevision, FaqUnanswered  # noqa: E402
from storage.models_office import ReportCheck  # noqa: E402
from storage.models_reach import WhatsAppContent  # noqa: E402
