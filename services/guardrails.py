"""Guardrails for public money on a report's moves: the documents checked before a verification
(the verifier's checklist, or an explicit override with a reason), the DTSEN desil before an
approval (1-10, at most the rule's maximum unless overridden with a reason), and the transfer date
and its SP2D or bank reference before a payment is marked. A missing field raises `MissingField`
naming it (the staff API answers 422 with that name); an override is kept in the report's history
and audited by services/santunan.py."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from storage.models import Report
from storage.reports import Reports

__all__ = ["CHECK_STATES", "DOCUMENTS", "VERIFYING", "Guardrails", "MissingField", "MoveDetails"]

WIB = ZoneInfo("Asia/Jakarta")
DOCUMENTS = ("sktm", "akta_kematian", "kk", "ktp_almarhum", "ktp_ahli_waris")
CHECK_STATES = ("ada", "tidak_terbaca", "diperiksa_langsung", "belum_ada")
PRESENT = ("ada", "diperiksa_langsung")  # what counts as a document seen
VERIFYING = ("diverifikasi_desa", "diverifikasi_kecamatan")
DESIL_RANGE = range(1, 11)


@dataclass(frozen=True, slots=True)
class MoveDetails:
    """What a move may carry besides its note: see the module's docstring."""

    desil: int | None = None
    transfer_date: date | None = None
    transfer_reference: str | None = None
    override_reason: str | None = None


class MissingField(Exception):
    """A required field of this move is missing or out of bounds: `field` names it."""

    def __init__(self, field: str, problem: str) -> None:
        super().__init__(f"{field}: {problem}")
        self.field, self.problem = field, problem


class Guardrails:
    def __init__(self, *, reports: Reports, desil_max: int, clock: Callable[[], datetime]) -> None:
        self._reports, self._desil_max, self._clock = reports, desil_max, clock

    async def checklist(self, report: Report) -> dict[str, str]:
        """Each required document's state: what the verifier set, else "ada" once a file of its kind
        is attached, else "belum_ada"."""
        kinds = {d.kind for d in await self._reports.documents(report.id)}
        checks = await self._reports.checks(report.id)
        return {k: checks[k].state if k in checks else ("ada" if k in kinds else "belum_ada") for k in DOCUMENTS}

    async def missing(self, report: Report) -> list[str]:
        return [k for k, state in (await self.checklist(report)).items() if state not in PRESENT]

    async def set_check(self, *, report: Report, kind: str, state: str, actor: str) -> None:
        if kind not in DOCUMENTS or state not in CHECK_STATES:
            raise MissingField("state" if kind in DOCUMENTS else "kind", "tidak dikenal")
        await self._reports.set_check(report_id=report.id, kind=kind, state=state, actor=actor, at=self._clock())

    async def check(self, report: Report, to: str, details: MoveDetails | None) -> tuple[dict[str, Any], str | None]:
        """The values this move stores on the report, and the override reason if a guardrail was
        overridden (None when none was). Raises MissingField."""
        d = details or MoveDetails()
        reason = (d.override_reason or "").strip() or None
        if to in VERIFYING:
            missing = await self.missing(report)
            if missing and not reason:
                raise MissingField("override_reason", f"dokumen belum lengkap ({', '.join(missing)}); tuliskan "
                                   "alasan memverifikasi tanpa dokumen itu")
            return {}, reason if missing else None
        if to == "disetujui":
            return self._approval(d.desil, reason)
        if to == "dicairkan":
            return self._payment(d), None
        return {}, None

    def _approval(self, desil: int | None, reason: str | None) -> tuple[dict[str, Any], str | None]:
        if desil is None:
            raise MissingField("desil", "desil DTSEN (1-10) wajib diisi untuk menyetujui")
        if desil not in DESIL_RANGE:
            raise MissingField("desil", "desil DTSEN antara 1 dan 10")
        over = desil > self._desil_max
        if over and not reason:
            raise MissingField("override_reason", f"desil {desil} di atas batas aturan (desil {self._desil_max}); "
                               "tuliskan alasan menyetujui")
        return {"desil": desil}, reason if over else None

    def _payment(self, d: MoveDetails) -> dict[str, Any]:
        reference = (d.transfer_reference or "").strip()
        if d.transfer_date is None or not reference:
            names = [n for n, v in (("transfer_date", d.transfer_date), ("transfer_reference", reference)) if not v]
            raise MissingField(", ".join(names), "tanggal transfer dan nomor SP2D atau referensi bank wajib diisi")
        if d.transfer_date > self._clock().astimezone(WIB).date():
            raise MissingField("transfer_date", "tanggal transfer tidak boleh di masa depan")
        return {"transfer_date": d.transfer_date, "transfer_reference": reference[:60]}
