"""The WhatsApp content templates we created through Twilio's Content API, by a hash of their
content, so each is created once across processes and restarts. Part of storage/models.py (which
imports it), kept apart to keep each module short."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from storage.models import _TS, Base, utcnow

__all__ = ["WhatsAppContent"]


class WhatsAppContent(Base):
    """One content template (quick-reply or list-picker): no personal data, only button titles and
    ids. `sid` is empty while the process that claimed the hash is creating it."""

    __tablename__ = "whatsapp_content"

    content_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    sid: Mapped[str | None] = mapped_column(String(40))
    claimed_at: Mapped[datetime] = mapped_column(_TS, default=utcnow)
