"""The knowledge base's tables: the entries staff keep, the revision every process watches to know
its cached copy is stale, and the questions the bot could not answer. Part of storage/models.py
(which imports them), kept apart to keep each module short."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, Integer, String, Text, true
from sqlalchemy.orm import Mapped, mapped_column

from storage.models import _ID, _TS, Base, utcnow

__all__ = ["FaqEntry", "FaqRevision", "FaqUnanswered"]


class FaqEntry(Base):
    """One question and its answer. `alternatives` is a JSON list of other phrasings; `action` the
    service the answer offers to start (an intent such as "lapor_kematian"), if any."""

    __tablename__ = "faq_entries"

    id: Mapped[int] = mapped_column(_ID, primary_key=True, autoincrement=True)
    question: Mapped[str] = mapped_column(String(300))
    alternatives: Mapped[str] = mapped_column(Text, default="[]")
    answer: Mapped[str] = mapped_column(Text)
    topic: Mapped[str] = mapped_column(String(40), default="umum", index=True)
    action: Mapped[str | None] = mapped_column(String(40))
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    uses: Mapped[int] = mapped_column(Integer, default=0)
    helpful: Mapped[int] = mapped_column(Integer, default=0)
    unhelpful: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(_TS, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(_TS, default=utcnow)
    updated_by: Mapped[str] = mapped_column(String(80), default="system")


class FaqRevision(Base):
    """One row: bumped in the same transaction as every change to the entries. Each process
    compares it with the revision of its cached index before answering (one small read)."""

    __tablename__ = "faq_revision"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    revision: Mapped[int] = mapped_column(Integer, default=0)


class FaqUnanswered(Base):
    """Questions the bot could not answer, grouped by their normalised words (`key`), with the
    latest wording, masked (no NIK, KK, phone or account numbers)."""

    __tablename__ = "faq_unanswered"

    id: Mapped[int] = mapped_column(_ID, primary_key=True, autoincrement=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    text: Mapped[str] = mapped_column(String(300))
    count: Mapped[int] = mapped_column(Integer, default=1)
    last_at: Mapped[datetime] = mapped_column(_TS, default=utcnow, index=True)
