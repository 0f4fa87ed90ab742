"""The rows retention deletes (services/retention.py decides when): expired conversation state,
dedupe marks and rate counters; old delivery records and finished outbox rows; the documents of
reports that ended long enough ago. Every method counts the same rows with `dry_run=True` and
changes nothing, so a dry run prints exactly what a real run would delete."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, exists, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage.models import (
    ConversationState,
    OutboxMessage,
    ProcessedMessage,
    RateCounter,
    Report,
    ReportDocument,
    ReportEvent,
    SentMessage,
    Ticket,
    TicketMessage,
)

__all__ = ["OldDocument", "RetentionStore"]

FINAL = ("dicairkan", "ditolak")


@dataclass(frozen=True, slots=True)
class OldDocument:
    id: int
    report_id: int
    key: str


class RetentionStore:
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def _apply(self, where, table, *, dry_run: bool, change=None) -> int:
        """Count the rows `where` selects, or delete them (or apply `change`, an UPDATE's values)."""
        async with self._sessions() as s, s.begin():
            if dry_run:
                return int(await s.scalar(select(func.count()).select_from(table).where(*where)) or 0)
            stmt = (update(table).where(*where).values(**change) if change is not None
                    else delete(table).where(*where))
            return int((await s.execute(stmt.execution_options(synchronize_session=False))).rowcount or 0)

    # --- traces of conversations ---

    async def expired_states(self, *, now: datetime, dry_run: bool) -> int:
        """Conversation state idle past CONVERSATION_TIMEOUT_MINUTES: nothing can resume it, and it
        holds the answers of an unfinished flow (a NIK typed before the citizen stopped)."""
        return await self._apply([ConversationState.expires_at <= now], ConversationState, dry_run=dry_run)

    async def expired_marks(self, *, now: datetime, dry_run: bool) -> int:
        return await self._apply([ProcessedMessage.expires_at <= now], ProcessedMessage, dry_run=dry_run)

    async def expired_counters(self, *, now: datetime, dry_run: bool) -> int:
        return await self._apply([RateCounter.window_end < now], RateCounter, dry_run=dry_run)

    async def old_deliveries(self, *, before: datetime, dry_run: bool) -> tuple[int, int]:
        """Delivery records older than `before`: deleted, except those an announcement's statistics
        count, which are only cut from the contact. (deleted, detached)."""
        counted = exists().where(OutboxMessage.provider_id == SentMessage.provider_id,
                                 OutboxMessage.kind == "broadcast")
        old = SentMessage.created_at < before
        deleted = await self._apply([old, (SentMessage.provider_id.is_(None)) | ~counted], SentMessage,
                                    dry_run=dry_run)
        detached = await self._apply([old, SentMessage.contact_id.is_not(None), counted], SentMessage,
                                     dry_run=dry_run, change={"contact_id": None})
        return deleted, detached

    async def old_outbox(self, *, before: datetime, dry_run: bool) -> tuple[int, int]:
        """Finished outbox rows older than `before`: notices deleted; broadcast rows keep their status
        (the announcement's counts) but lose the address and the contact. (deleted, anonymised)."""
        done = [OutboxMessage.created_at < before, OutboxMessage.status != "pending"]
        deleted = await self._apply([*done, OutboxMessage.kind == "notification"], OutboxMessage, dry_run=dry_run)
        anonymised = await self._apply([*done, OutboxMessage.kind == "broadcast", OutboxMessage.address != ""],
                                       OutboxMessage, dry_run=dry_run, change={"address": "", "contact_id": None})
        return deleted, anonymised

    # --- documents of finished reports ---

    async def old_documents(self, *, before: datetime) -> list[OldDocument]:
        """Documents of reports paid or rejected before `before` (the time of that final move)."""
        ended = (select(ReportEvent.report_id).join(Report, Report.id == ReportEvent.report_id)
                 .where(Report.status.in_(FINAL), ReportEvent.to_status == Report.status)
                 .group_by(ReportEvent.report_id).having(func.max(ReportEvent.at) < before))
        async with self._sessions() as s:
            rows = await s.execute(select(ReportDocument.id, ReportDocument.report_id, ReportDocument.key)
                                   .where(ReportDocument.report_id.in_(ended)).order_by(ReportDocument.id))
            return [OldDocument(*row) for row in rows]

    async def drop_documents(self, documents: list[OldDocument], *, at: datetime, note: str) -> int:
        """Delete these document rows and say so in each report's history, in one transaction."""
        if not documents:
            return 0
        by_report: dict[int, int] = {}
        for d in documents:
            by_report[d.report_id] = by_report.get(d.report_id, 0) + 1
        async with self._sessions() as s, s.begin():
            res = await s.execute(delete(ReportDocument).where(ReportDocument.id.in_([d.id for d in documents])))
            statuses = dict((await s.execute(select(Report.id, Report.status)
                                              .where(Report.id.in_(list(by_report))))).all())
            s.add_all(ReportEvent(report_id=rid, at=at, from_status=statuses[rid], to_status=statuses[rid],
                                  actor="system", note=note.format(count=n)) for rid, n in by_report.items())
            return int(res.rowcount or 0)

    async def document_keys(self) -> set[str]:
        """The attachment keys some report, or some helpdesk transcript, still uses."""
        async with self._sessions() as s:
            keys = set(await s.scalars(select(ReportDocument.key)))
            sent = await s.scalars(select(TicketMessage.media_key).where(TicketMessage.media_key.is_not(None)))
            return keys | set(sent)

    async def old_tickets(self, *, before: datetime, dry_run: bool) -> int:
        """Conversations with a person closed before then, with their transcripts and events."""
        return await self._apply([Ticket.status == "closed", Ticket.closed_at < before], Ticket, dry_run=dry_run)
