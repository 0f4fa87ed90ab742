"""Santunan kematian: filing a report, its life cycle, who may move it, deadlines and escalation.

Stages: diajukan -> diverifikasi_desa -> diverifikasi_kecamatan -> disetujui -> dicairkan; any open
report can go to perlu_perbaikan (and back to where it left once supplied) or to ditolak. The kades
of the report's desa verifies for the desa, the camat of its kecamatan for the kecamatan, Dinas
Sosial (and admin) approves, pays or rejects; whoever may move a report on may also send it back for
perbaikan. Rules are configuration (Perbup OKI 17/2025 as published); see `Rules`."""
from __future__ import annotations

import asyncio
import hmac
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from services.audit import Audit
from services.banks import normalise_bank
from services.guardrails import DOCUMENTS, Guardrails, MoveDetails
from services.lookups import LookupGuard
from services.office_search import nik_digest, text_query
from services.privacy import NikHasher, mask_nik
from services.references import new_reference
from services.staff import StaffInfo
from services.staff_links import StaffLinks
from services.wilayah import Wilayah
from storage.contacts import ContactInfo, Contacts
from storage.models import Report, utcnow
from storage.registry import Registry
from storage.reports import Conflict, ReportFilter, Reports, TextQuery

__all__ = ["DOCUMENTS", "NEXT", "STATUSES", "WIB", "Draft", "Duplicate", "LateReport", "NotAllowed", "Rules",
           "Santunan",
           "WrongMove"]

WIB = ZoneInfo("Asia/Jakarta")  # the regency's calendar: a day starts at midnight in Kayuagung
NEXT = {"diajukan": "diverifikasi_desa", "diverifikasi_desa": "diverifikasi_kecamatan",
        "diverifikasi_kecamatan": "disetujui", "disetujui": "dicairkan"}
STATUSES = (*NEXT, "dicairkan", "perlu_perbaikan", "ditolak")
FINAL = ("dicairkan", "ditolak")
_MOVER = {"diajukan": "kades", "diverifikasi_desa": "camat", "diverifikasi_kecamatan": "dinsos", "disetujui": "dinsos"}
_ROLE_TARGETS = {"kades": {"diverifikasi_desa", "perlu_perbaikan"},
                 "camat": {"diverifikasi_kecamatan", "perlu_perbaikan"},
                 "dinsos": {"disetujui", "dicairkan", "ditolak", "perlu_perbaikan"}}
_ALERT_FIELDS = ("reference", "kecamatan_code", "desa_code", "deceased_name", "date_of_death")  # for staff_links


class Duplicate(Exception):
    def __init__(self, report: Report) -> None:
        super().__init__(report.reference)
        self.report = report


class LateReport(Exception):
    """Filed after the reporting window, and late reports are not accepted."""

    def __init__(self, days: int, window: int) -> None:
        super().__init__(f"{days} days after the death, window {window}")
        self.days, self.window = days, window


class NotAllowed(Exception):
    """This staff member's role or area may not make this move (HTTP 403)."""


class WrongMove(Exception):
    """The workflow does not allow this move from the report's current status (HTTP 409)."""


@dataclass(frozen=True, slots=True)
class Rules:
    amount: int = 1_000_000
    window_days: int = 7
    accept_late: bool = False
    desil_max: int = 5
    desa_days: int = 3
    kecamatan_days: int = 3
    payment_days: int = 7
    office_contact: str = ""
    jkm_contact: str = ""


@dataclass
class Draft:
    """What a report is filed with, from the chat or the staff API. Documents: (kind, key, type, size)."""

    deceased_nik: str
    deceased_name: str
    date_of_death: date
    kecamatan_code: str
    desa_code: str
    kk_number: str
    reporter_name: str
    reporter_relationship: str
    heir_name: str
    heir_phone: str | None = None
    bank_name: str | None = None
    bank_account: str | None = None
    bank_holder: str | None = None
    documents: list[tuple[str, str, str, int]] = field(default_factory=list)


def _document_rows(documents: Sequence[tuple[str, str, str, int]], *, actor: str, at: datetime) -> list[dict]:
    """(kind, key, content type, size) tuples as report_documents rows."""
    return [{"kind": kind, "key": key, "content_type": ctype, "size": size, "uploaded_at": at, "uploaded_by": actor}
            for kind, key, ctype, size in documents]


def _role(staff: StaffInfo) -> str:
    return "dinsos" if staff.role == "admin" else staff.role


class Santunan:
    def __init__(self, *, reports: Reports, registry: Registry, contacts: Contacts, hasher: NikHasher, audit: Audit,
                 rules: Rules, clock: Callable[[], datetime] = utcnow, alerts: StaffLinks | None = None,
                 lookups: LookupGuard | None = None) -> None:
        """`alerts`: tells the linked chats of the staff who must act on a report next; `lookups`:
        the limits on NIK checks and status lookups by citizens (services/lookups.py)."""
        self._reports, self._registry, self._contacts = reports, registry, contacts
        self._hasher, self._audit, self.rules, self._clock = hasher, audit, rules, clock
        self._alerts, self._lookups = alerts, lookups
        self.guard = Guardrails(reports=reports, desil_max=rules.desil_max, clock=clock)

    # --- filing ---

    def now(self) -> datetime:
        return self._clock()

    def days_since(self, date_of_death: date, *, today: date | None = None) -> int:
        return ((today or self._clock().astimezone(WIB).date()) - date_of_death).days

    def is_late(self, date_of_death: date, *, today: date | None = None) -> bool:
        return self.days_since(date_of_death, today=today) > self.rules.window_days

    def text_query(self, text: str | None, wilayah: Wilayah) -> TextQuery | None:
        """The search box's text as a report filter (services/office_search.py)."""
        return text_query(text, hasher=self._hasher, wilayah=wilayah)

    def nik_digest(self, text: str) -> str | None:
        return nik_digest(text, self._hasher)

    async def existing(self, nik: str) -> Report | None:
        return await self._reports.by_nik_hash(self._hasher.digest(nik))

    # --- what a citizen may see and do (a chat is not staff: only the family that filed a report
    # sees it, or whoever proves to be that family with a second factor) ---

    async def check_nik(self, nik: str, *, contact_id: int, ip: str | None = None,
                        proof: bool = False) -> Report | None:
        """The report already filed for this NIK, at the NIK step of a citizen's report: counted
        against the lookup limits (raises NeedsProof or LookupRefused, services/lookups.py)."""
        digest = self._hasher.digest(nik)
        if self._lookups is not None:
            await self._lookups.admit(kind="santunan_nik", contact_id=contact_id, subject=digest, ip=ip, proof=proof)
        return await self._reports.by_nik_hash(digest)

    async def lookup(self, reference: str, *, contact_id: int, ip: str | None = None,
                     proof: bool = False) -> Report | None:
        """A report by its reference, for a citizen's status check: counted against the limits."""
        if self._lookups is not None:
            await self._lookups.admit(kind="status", contact_id=contact_id, subject=f"ref:{reference}", ip=ip,
                                      proof=proof)
        return await self._reports.by_reference(reference)

    def proves(self, report: Report, evidence: str | None) -> bool:
        """Whether `evidence` is the second factor of this report: the deceased's NIK (16 digits)
        or the heir's phone as E.164 ("+628…"), as the family typed them in the report."""
        if not evidence:
            return False
        if evidence.startswith("+"):
            return bool(report.heir_phone) and hmac.compare_digest(evidence, report.heir_phone)
        return hmac.compare_digest(self._hasher.digest(evidence), report.deceased_nik_hash)

    def family(self, report: Report, *, contact_id: int, evidence: str | None = None) -> bool:
        """Whether this contact may see the report's details and act on it: it filed the report,
        or it gave the report's second factor."""
        return report.reporter_contact_id == contact_id or self.proves(report, evidence)

    def _check_citizen(self, report: Report, actor: str, evidence: str | None) -> None:
        if actor.startswith("contact:") and not self.family(report, contact_id=int(actor.split(":", 1)[1]),
                                                            evidence=evidence):
            raise NotAllowed(f"{actor} is not the family of {report.reference}")

    async def file(self, draft: Draft, *, filed_by: str, contact: ContactInfo | None = None) -> Report:
        """Store the report (before anyone is told it exists). Raises Duplicate or LateReport."""
        now = self._clock()
        nik_hash = self._hasher.digest(draft.deceased_nik)
        found, covered = await asyncio.gather(self._reports.by_nik_hash(nik_hash),  # two reads, one wait
                                              self._jkm_covered(nik_hash, draft.date_of_death))
        if found is not None:
            raise Duplicate(found)
        if draft.date_of_death > now.astimezone(WIB).date():
            raise ValueError("date of death in the future")
        late = self.is_late(draft.date_of_death)
        if late and not self.rules.accept_late:
            raise LateReport(self.days_since(draft.date_of_death), self.rules.window_days)
        values = {"status": "diajukan", "deceased_nik_hash": nik_hash,
                  "deceased_nik_masked": mask_nik(draft.deceased_nik),
                  "deceased_name": draft.deceased_name, "date_of_death": draft.date_of_death,
                  "kecamatan_code": draft.kecamatan_code, "desa_code": draft.desa_code, "kk_number": draft.kk_number,
                  "reporter_name": draft.reporter_name, "reporter_relationship": draft.reporter_relationship,
                  "reporter_contact_id": contact.id if contact else None, "filed_by": filed_by,
                  "heir_name": draft.heir_name, "heir_phone": draft.heir_phone,
                  "bank_name": normalise_bank(draft.bank_name),
                  "bank_account": draft.bank_account, "bank_holder": draft.bank_holder, "late": late,
                  "jkm_covered": covered, "created_at": now,
                  "updated_at": now, "stage_due": now + timedelta(days=self.rules.desa_days)}
        values["jkm_told"] = bool(values["jkm_covered"] and contact is not None)
        documents = _document_rows(draft.documents, actor=filed_by, at=now)
        event = {"at": now, "from_status": None, "to_status": "diajukan", "actor": filed_by,
                 "note": "dilaporkan terlambat" if late else None}
        for _attempt in range(5):
            reference = new_reference()
            alerts = await self._staff_alerts({**values, "reference": reference}, "diajukan", actor=filed_by)
            then = [self._contacts.opt_out_nik_work(nik_hash=nik_hash, via="meninggal", at=now),
                    self._registry.mark_dead_work(nik_hash=nik_hash, reference=reference)]
            try:  # the report, its coverage row flagged and the person's subscriptions ended: one commit
                report, (ended, _flagged) = await self._reports.insert(
                    values={**values, "reference": reference}, event=event, documents=documents, outbox=alerts,
                    then=then)
                break
            except Conflict as exc:
                if exc.field == "nik":  # filed at the same moment by someone else
                    raise Duplicate(await self._reports.by_nik_hash(nik_hash)) from None
        else:
            raise RuntimeError("no free reference number after 5 tries")
        await self._audit.record(actor=filed_by, action="report.file", target=f"report:{report.reference}",
                                 detail={"late": late, "jkm_covered": values["jkm_covered"],
                                         "documents": len(documents), "subscriptions_ended": ended})
        return report

    async def _jkm_covered(self, nik_hash: str, on: date) -> bool:
        row = await self._registry.find(nik_hash)
        return bool(row and row.status == "aktif" and row.start_date <= on <= row.end_date)

    # --- reading ---

    async def get(self, reference: str) -> Report | None:
        return await self._reports.by_reference(reference)

    async def for_contact(self, contact_id: int) -> list[Report]:
        return await self._reports.for_contact(contact_id)

    async def history(self, report: Report) -> list[Any]:
        return await self._reports.history(report.id)

    async def documents(self, report: Report) -> list[Any]:
        return await self._reports.documents(report.id)

    async def notices(self, report: Report) -> tuple[Any, list[tuple[str, Any]]]:
        """The reporter's contact (None for a report staff filed) and the status notices queued for it."""
        contact = await self._reports.contact(report.reporter_contact_id)
        found = await self._reports.notices(contact_id=contact.id, reference=report.reference) if contact else []
        return contact, found

    def overdue(self, report: Report, *, now: datetime | None = None) -> bool:
        return report.stage_due is not None and report.stage_due < (now or self._clock())

    async def search(self, staff: StaffInfo, f: ReportFilter, *, page: int, size: int) -> tuple[list[Report], int]:
        kec, desa = staff.area_filter()
        scoped = replace(f, kecamatan=kec or f.kecamatan, desa=desa or f.desa)
        return await self._reports.search(scoped, page=page, size=size)

    # --- moving ---

    def allowed_moves(self, report: Report, staff: StaffInfo) -> list[str]:
        return [to for to in STATUSES if self._check(report, staff, to) is None]

    def _check(self, report: Report, staff: StaffInfo, to: str) -> type[Exception] | None:
        role = _role(staff)
        returning = report.status == "perlu_perbaikan" and to == report.returns_to
        if not returning and to not in _ROLE_TARGETS.get(role, set()):
            return NotAllowed
        if not staff.can_see(kecamatan_code=report.kecamatan_code, desa_code=report.desa_code):
            return NotAllowed
        if report.status in FINAL:
            return WrongMove
        if returning:
            stage = report.returns_to
        elif to == "ditolak":
            stage = None
        elif to == "perlu_perbaikan":
            if report.status == "perlu_perbaikan":
                return WrongMove
            stage = report.status
        elif NEXT.get(report.status) == to:
            stage = report.status
        else:
            return WrongMove
        if stage is not None and role != "dinsos" and _MOVER.get(stage) != role:
            return NotAllowed
        return None

    async def transition(self, *, reference: str, to: str, note: str | None, staff: StaffInfo,
                         message_to_family: str | None = None, details: MoveDetails | None = None) -> Report:
        """Move a report on. `note` is internal (staff only); `message_to_family` is the only text
        sent to the reporter with the notice (and, for perbaikan, what they are shown as missing).
        Perbaikan and ditolak need a reason: one of the two. `details`: what the guardrails ask
        for (services/guardrails.py; MissingField when absent)."""
        report = await self._reports.by_reference(reference)
        if report is None or not staff.can_see(kecamatan_code=report.kecamatan_code, desa_code=report.desa_code):
            raise LookupError(reference)
        problem = self._check(report, staff, to) if to in STATUSES else WrongMove
        if problem is not None:
            raise problem(f"{report.status} -> {to}")
        note, message = (note or "").strip() or None, (message_to_family or "").strip() or None
        if to in ("ditolak", "perlu_perbaikan") and not (note or message):
            raise ValueError("a reason is needed")
        extra, override = await self.guard.check(report, to, details)
        await self._move(report, to, note=note, actor=staff.actor, message=message, extra=extra, override=override)
        return await self._reports.by_reference(reference)

    async def resubmit(self, *, report: Report, actor: str, documents: Sequence[tuple[str, str, str, int]],
                       evidence: str | None = None) -> None:
        """The family supplied what was asked: attach it and go back to the stage it left. A chat
        (`contact:` actor) must be the family (`family`); NotAllowed otherwise."""
        self._check_citizen(report, actor, evidence)
        if documents:
            await self.add_documents(report=report, actor=actor, documents=documents, evidence=evidence)
        if report.status == "perlu_perbaikan" and report.returns_to:
            await self._move(report, report.returns_to, note="kekurangan dikirim", actor=actor)

    async def add_documents(self, *, report: Report, actor: str, documents: Sequence[tuple[str, str, str, int]],
                            evidence: str | None = None) -> None:
        """Attach files; a chat (`contact:` actor) must be the family (`family`), else NotAllowed."""
        self._check_citizen(report, actor, evidence)
        await self._reports.add_documents(report_id=report.id,
                                          documents=_document_rows(documents, actor=actor, at=self._clock()))

    async def _move(self, report: Report, to: str, *, note: str | None, actor: str, message: str | None = None,
                    extra: dict[str, Any] | None = None, override: str | None = None) -> None:
        now = self._clock()
        values: dict[str, Any] = {"status": to, "updated_at": now, "escalated_at": None,
                                  "stage_due": self._due(to, report, now), **(extra or {})}
        if to == "perlu_perbaikan":  # the family is shown only what was written for them
            values.update(returns_to=report.status, needs=message)
        elif report.status == "perlu_perbaikan":
            values.update(returns_to=None, needs=None)
        if to == "ditolak":
            values["rejection_reason"] = note or message
        outbox = await self._notice(report, to, message)
        fields = {name: getattr(report, name) for name in _ALERT_FIELDS}
        outbox += await self._staff_alerts(fields, to, actor=actor, again=report.status == "perlu_perbaikan")
        await self._reports.move(report_id=report.id, from_status=report.status, values=values,
                                 event={"at": now, "to_status": to, "actor": actor, "note": note,
                                        "family_message": message if outbox else None, "override_reason": override},
                                 outbox=outbox)
        await self._audit.record(actor=actor, action="report.transition", target=f"report:{report.reference}",
                                 detail={"from": report.status, "to": to, "override": override is not None})

    def _due(self, to: str, report: Report, now: datetime) -> datetime | None:
        days = {"diajukan": self.rules.desa_days, "diverifikasi_desa": self.rules.kecamatan_days,
                "diverifikasi_kecamatan": self.rules.payment_days}.get(to)
        if to == "disetujui":  # the payment promise runs from the kecamatan's verification
            return report.stage_due
        return now + timedelta(days=days) if days else None

    async def _notice(self, report: Report, to: str, message: str | None) -> list[dict[str, Any]]:
        """The outbox row telling the reporter, on their channel (none for reports staff filed),
        with the staff's message to the family; an internal note never goes here."""
        contact = await self._reports.contact(report.reporter_contact_id)
        if contact is None or contact.blocked:
            return []
        body = json.dumps({"notice": "report_status", "reference": report.reference, "status": to,
                           "message": message or ""}, ensure_ascii=False)
        return [{"kind": "notification", "priority": 0, "contact_id": contact.id, "channel": contact.channel,
                 "address": contact.channel_user_id, "body": body, "created_at": self._clock(),
                 "next_attempt_at": self._clock()}]

    async def _staff_alerts(self, report: dict[str, Any], status: str, *, actor: str,
                            again: bool = False) -> list[dict[str, Any]]:
        """Outbox rows for the linked chats of whoever must act on the report in `status` next."""
        if self._alerts is None:
            return []
        return await self._alerts.report_alerts(**{name: report[name] for name in _ALERT_FIELDS}, status=status,
                                                again=again, skip_actor=actor)

    # --- deadlines ---

    async def escalate_overdue(self) -> int:
        """Flag reports past their stage's deadline and record that the next level was told."""
        now = self._clock()
        count = 0
        for report in await self._reports.overdue_unescalated(now):
            upward = {"diajukan": "kecamatan", "diverifikasi_desa": "Dinas Sosial"}.get(report.status, "Kepala Dinas")
            await self._reports.mark(report_id=report.id, escalated_at=now, event={
                "at": now, "from_status": report.status, "to_status": report.status, "actor": "system",
                "note": f"lewat tenggat; diteruskan ke {upward}"})
            await self._audit.record(actor="system", action="report.escalate", target=f"report:{report.reference}",
                                     detail={"status": report.status})
            count += 1
        return count
