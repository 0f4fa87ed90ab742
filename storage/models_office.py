"""The office's own records on a report: the verifier's checklist state for each required document
(ada, tidak terbaca, diperiksa langsung di kantor, belum ada). Part of storage/models.py (which
imports it), kept apart to keep each module short."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from storage.models import _ID, _TS, Base, utcnow

__all__ = ["ReportCheck"]


class ReportCheck(Base):
    """What the verifier found for one required document of a report; the latest word wins."""

    __tablename__ = "report_checks"
    __table_args__ = (UniqueConstraint("report_id", "kind"),)

    id: Mapped[int] = mapped_column(_ID, primary_key=True, autoincrement=True)
    report_id: Mapped[int] = mapped_column(_ID, ForeignKey("reports.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(32))  # one of services.santunan.DOCUMENTS
    state: Mapped[str] = mapped_column(String(24))  # ada, tidak_terbaca, diperiksa_langsung, belum_ada
    actor: Mapped[str] = mapped_column(String(80))
    at: Mapped[datetime] = mapped_column(_TS, default=utcnow)
