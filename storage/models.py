"""Tables. Migrations in storage/migrations are generated from these and reviewed by hand."""
from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import BigInteger, Boolean, DateTime, ForeignKey, Integer, MetaData, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

__all__ = ["Base", "Contact", "ConversationState", "ProcessedMessage", "SentMessage", "utcnow"]

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


_ID = BigInteger().with_variant(Integer, "sqlite")
_TS = DateTime(timezone=True)


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
    created_at: Mapped[datetime] = mapped_column(_TS, default=utcnow)


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
