"""Retention (UU PDP No. 27/2022, Pasal 42-44: processing ends and data is deleted when its retention
period ends or its purpose is reached): `python -m bot purge` and, once a day, the worker.

- Conversation state idle past CONVERSATION_TIMEOUT_MINUTES, expired dedupe marks and rate
  counters: at once, since nothing can use them any more (in Redis their TTL does this).
- After RETENTION_CONVERSATION_DAYS: delivery records, finished outbox rows (notices deleted;
  broadcast rows keep their status for the announcement's counts but lose address and contact),
  and contacts gone quiet that nothing needs (not subscribed, no report still moving, not a staff
  chat): forgotten as if they had asked (storage/personal_data.py).
- RETENTION_DOCUMENTS_DAYS after a report was paid or rejected: its documents, rows and files; the
  report itself is kept as a government record, and its history says the documents were deleted.
- Attachments no report uses (the citizen stopped before sending), once no conversation can still
  attach them.

Safe to run again and again, and by several workers at once: each run deletes what is due and
counts it. A real run is audited with the counts only."""
from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from services.audit import Audit
from storage.files import AttachmentStore
from storage.models import utcnow
from storage.personal_data import PersonalData
from storage.retention import RetentionStore

__all__ = ["Policy", "PurgeReport", "Retention"]

_FORGET_BATCH = 1000
DOCUMENTS_NOTE = "{count} dokumen dihapus karena masa simpannya habis; data laporan tetap disimpan"


@dataclass(frozen=True, slots=True)
class Policy:
    conversation_days: int = 30
    documents_days: int = 365
    # unfiled attachments: kept until no conversation can still attach them (the idle timeout, and
    # the dedupe window for a redelivered message)
    orphan_grace: timedelta = timedelta(days=2)
    tickets_days: int = 180  # closed helpdesk conversations (transcripts) after closing


@dataclass(slots=True)
class PurgeReport:
    dry_run: bool
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.counts.values())


class Retention:
    def __init__(self, *, store: RetentionStore, people: PersonalData, attachments: AttachmentStore, audit: Audit,
                 policy: Policy, clock: Callable[[], datetime] = utcnow) -> None:
        self._store, self._people, self._files, self._audit = store, people, attachments, audit
        self.policy, self._clock = policy, clock

    async def purge(self, *, dry_run: bool = False, actor: str = "system") -> PurgeReport:
        now = self._clock()
        talk = now - timedelta(days=self.policy.conversation_days)
        report = PurgeReport(dry_run)
        c = report.counts
        c["conversation_states"] = await self._store.expired_states(now=now, dry_run=dry_run)
        c["dedupe_marks"] = await self._store.expired_marks(now=now, dry_run=dry_run)
        c["rate_counters"] = await self._store.expired_counters(now=now, dry_run=dry_run)
        c["deliveries_deleted"], c["deliveries_detached"] = await self._store.old_deliveries(before=talk,
                                                                                             dry_run=dry_run)
        c["outbox_deleted"], c["outbox_anonymised"] = await self._store.old_outbox(before=talk, dry_run=dry_run)
        c["tickets"] = await self._store.old_tickets(before=now - timedelta(days=self.policy.tickets_days),
                                                     dry_run=dry_run)
        c["contacts_forgotten"] = await self._forget_idle(before=talk, dry_run=dry_run)
        c["documents"], c["document_files"] = await self._documents(now, dry_run=dry_run)
        c["orphan_files"] = await self._orphans(now, dry_run=dry_run)
        if not dry_run:
            await self._audit.record(actor=actor, action="privacy.purge", detail={
                **c, "conversation_days": self.policy.conversation_days,
                "documents_days": self.policy.documents_days, "tickets_days": self.policy.tickets_days})
        return report

    async def _forget_idle(self, *, before: datetime, dry_run: bool) -> int:
        if dry_run:
            return len(await self._people.idle(before=before, limit=None))
        total = 0
        while ids := await self._people.idle(before=before, limit=_FORGET_BATCH):
            total += (await self._people.forget(contact_ids=ids)).contacts
            if len(ids) < _FORGET_BATCH:
                break
        return total

    async def _documents(self, now: datetime, *, dry_run: bool) -> tuple[int, int]:
        """(rows, files) of the documents of reports that ended RETENTION_DOCUMENTS_DAYS ago."""
        old = await self._store.old_documents(before=now - timedelta(days=self.policy.documents_days))
        keys = {d.key for d in old}
        if dry_run:
            present = {k for k, _ in await asyncio.to_thread(lambda: list(self._files.files()))}
            return len(old), len(keys & present)
        rows = await self._store.drop_documents(old, at=now, note=DOCUMENTS_NOTE)
        still_used = await self._store.document_keys()  # rows first: a crash leaves files, swept later
        files = await asyncio.to_thread(self._delete, sorted(keys - still_used))
        return rows, files

    async def _orphans(self, now: datetime, *, dry_run: bool) -> int:
        cutoff = (now - self.policy.orphan_grace).timestamp()
        used = await self._store.document_keys()
        found = await asyncio.to_thread(lambda: [k for k, mtime in self._files.files()
                                                 if mtime < cutoff and k not in used])
        if dry_run:
            return len(found)
        return await asyncio.to_thread(self._delete, found)

    def _delete(self, keys: list[str]) -> int:
        deleted = sum(self._files.delete(k) for k in keys)
        if deleted:
            self._files.prune()
        return deleted
