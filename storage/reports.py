"""Santunan reports repository: filing (unique per NIK hash and reference), transitions with their
history in one transaction, documents, staff lists and the outbox rows a transition writes."""
from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage.db import Work
from storage.models import Contact, OutboxMessage, Report, ReportCheck, ReportDocument, ReportEvent

__all__ = ["Conflict", "ReportFilter", "Reports", "StaleStatus", "TextQuery"]


class Conflict(Exception):
    """A unique value is taken: `field` is "nik" or "reference"."""

    def __init__(self, field: str) -> None:
        super().__init__(field)
        self.field = field


class StaleStatus(Exception):
    """The report's status changed since it was read (a concurrent transition)."""


@dataclass(frozen=True, slots=True)
class ReportFilter:
    kecamatan: str | None = None
    desa: str | None = None
    status: str | None = None
    since: date | None = None
    until: date | None = None
    jkm: bool | None = None
    overdue_at: datetime | None = None  # only reports whose stage deadline passed by then
    statuses: tuple[str, ...] | None = None  # any of these (Tugas saya: the stages this account moves)
    text: TextQuery | None = None  # the search box


@dataclass(frozen=True, slots=True)
class TextQuery:
    """What the search box matches: the reference exactly, a name in part, the desa by its codes,
    a full NIK exactly through its keyed hash (services/office_search.py builds it)."""

    words: str
    desa_codes: tuple[str, ...] = ()
    nik_hash: str | None = None  # a full NIK: only this is matched (the unique index)
    reference: str | None = None  # a well-formed reference: only this is matched (the unique index)


class Reports:
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def insert(self, *, values: dict[str, Any], event: dict[str, Any],
                     documents: Sequence[dict[str, Any]] = (), outbox: Sequence[dict[str, Any]] = (),
                     then: Sequence[Work] = ()) -> tuple[Report, list[int]]:
        """Store a new report with its first history entry, documents, the notifications to send and
        `then`, other tables' statements that go with it (the coverage row flagged, subscriptions
        ended), all or nothing, in one commit. The report and the row counts of `then`."""
        async with self._sessions() as s:
            try:
                async with s.begin():
                    report = Report(**values)
                    s.add(report)
                    await s.flush()
                    s.add(ReportEvent(report_id=report.id, **event))
                    s.add_all(ReportDocument(report_id=report.id, **d) for d in documents)
                    s.add_all(OutboxMessage(**row) for row in outbox)
                    conn = await s.connection()
                    counts = [(await conn.execute(statement, params)).rowcount for statement, params in then]
            except IntegrityError as exc:
                raise Conflict("reference" if "reference" in str(exc.orig).lower() else "nik") from None
            return report, counts

    async def by_reference(self, reference: str) -> Report | None:
        async with self._sessions() as s:
            return (await s.scalars(select(Report).where(Report.reference == reference))).first()

    async def by_nik_hash(self, nik_hash: str) -> Report | None:
        async with self._sessions() as s:
            return (await s.scalars(select(Report).where(Report.deceased_nik_hash == nik_hash))).first()

    async def for_contact(self, contact_id: int, *, limit: int = 5) -> list[Report]:
        async with self._sessions() as s:
            return list(await s.scalars(select(Report).where(Report.reporter_contact_id == contact_id)
                                        .order_by(Report.created_at.desc()).limit(limit)))

    async def history(self, report_id: int) -> list[ReportEvent]:
        async with self._sessions() as s:
            return list(await s.scalars(select(ReportEvent).where(ReportEvent.report_id == report_id)
                                        .order_by(ReportEvent.at, ReportEvent.id)))

    async def documents(self, report_id: int) -> list[ReportDocument]:
        async with self._sessions() as s:
            return list(await s.scalars(select(ReportDocument).where(ReportDocument.report_id == report_id)
                                        .order_by(ReportDocument.id)))

    async def move(self, *, report_id: int, from_status: str, values: dict[str, Any], event: dict[str, Any],
                   outbox: Sequence[dict[str, Any]] = ()) -> None:
        """Apply a transition if the status is still `from_status`: the report, its history entry and
        the notifications to send are written in one transaction."""
        async with self._sessions() as s, s.begin():
            res = await s.execute(update(Report).where(Report.id == report_id, Report.status == from_status)
                                  .values(**values))
            if res.rowcount != 1:
                raise StaleStatus(from_status)
            s.add(ReportEvent(report_id=report_id, from_status=from_status, **event))
            s.add_all(OutboxMessage(**row) for row in outbox)

    async def add_documents(self, *, report_id: int, documents: Sequence[dict[str, Any]]) -> None:
        async with self._sessions() as s, s.begin():
            s.add_all(ReportDocument(report_id=report_id, **d) for d in documents)

    async def mark(self, *, report_id: int, event: dict[str, Any] | None = None, **values: Any) -> None:
        async with self._sessions() as s, s.begin():
            await s.execute(update(Report).where(Report.id == report_id).values(**values))
            if event:
                s.add(ReportEvent(report_id=report_id, **event))

    def _where(self, f: ReportFilter) -> list[Any]:
        where: list[Any] = []
        for column, value in ((Report.kecamatan_code, f.kecamatan), (Report.desa_code, f.desa),
                              (Report.status, f.status), (Report.jkm_covered, f.jkm)):
            if value is not None:
                where.append(column == value)
        if f.since:
            where.append(Report.date_of_death >= f.since)
        if f.until:
            where.append(Report.date_of_death <= f.until)
        if f.overdue_at:
            where.append(Report.stage_due < f.overdue_at)
        if f.statuses is not None:
            where.append(Report.status.in_(f.statuses))
        if f.text is not None:
            where.append(_matches(f.text))
        return where

    async def search(self, f: ReportFilter, *, page: int, size: int) -> tuple[list[Report], int]:
        """Most urgent first: by the current stage's deadline, so overdue reports lead, and reports
        with no deadline (paid, rejected, waiting for the family) come last, newest first. The order
        follows the stage_due index."""
        where = self._where(f)
        async with self._sessions() as s:
            total = int(await s.scalar(select(func.count()).select_from(Report).where(*where)) or 0)
            rows = await s.scalars(select(Report).where(*where)
                                   .order_by(Report.stage_due.asc().nulls_last(), Report.created_at.desc(), Report.id)
                                   .offset((page - 1) * size).limit(size))
            return list(rows), total

    async def checks(self, report_id: int) -> dict[str, ReportCheck]:
        """The verifier's checklist of a report, by document kind."""
        async with self._sessions() as s:
            rows = await s.scalars(select(ReportCheck).where(ReportCheck.report_id == report_id))
            return {c.kind: c for c in rows}

    async def set_check(self, *, report_id: int, kind: str, state: str, actor: str, at: datetime) -> None:
        async with self._sessions() as s, s.begin():
            await s.execute(delete(ReportCheck).where(ReportCheck.report_id == report_id, ReportCheck.kind == kind))
            s.add(ReportCheck(report_id=report_id, kind=kind, state=state, actor=actor, at=at))

    async def notices(self, *, contact_id: int, reference: str) -> list[tuple[str, OutboxMessage]]:
        """The status notices sent (or held) to a report's reporter: (the status told, the outbox row)."""
        async with self._sessions() as s:
            rows = await s.scalars(select(OutboxMessage).where(
                OutboxMessage.kind == "notification", OutboxMessage.contact_id == contact_id,
                OutboxMessage.body.contains(f'"reference": "{reference}"')).order_by(OutboxMessage.id))
            return [(str(json.loads(r.body).get("status", "")), r) for r in rows]

    async def overdue_unescalated(self, now: datetime) -> list[Report]:
        async with self._sessions() as s:
            return list(await s.scalars(select(Report).where(Report.stage_due < now, Report.escalated_at.is_(None))))

    async def contact(self, contact_id: int | None) -> Contact | None:
        if contact_id is None:
            return None
        async with self._sessions() as s:
            return await s.get(Contact, contact_id)


def _matches(q: TextQuery) -> Any:
    """An exact NIK or reference through its unique index; else names in part and the desa (% and _
    in what staff typed are letters, not wildcards)."""
    if q.nik_hash:
        return Report.deceased_nik_hash == q.nik_hash
    if q.reference:
        return Report.reference == q.reference
    text = q.words.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    like = f"%{text}%"
    terms = [Report.reference == q.words.upper()] + [
        func.lower(column).like(like, escape="\\") for column in (Report.deceased_name, Report.reporter_name,
                                                                    Report.heir_name)]
    if q.desa_codes:
        terms.append(Report.desa_code.in_(q.desa_codes))
    return or_(*terms)
