"""Cek kepesertaan: is this person in the BPJS TK coverage list the regency imported?

`lookup` finds the row by the keyed hash of the NIK and checks the name the citizen typed against
the registered one. A wrong name and an unknown NIK look the same from outside, so a NIK alone
reveals nothing. Every lookup is audited with the hash, never the NIK, and rate limited per contact,
per web-chat address (with a proof of work past a small allowance) and per NIK: services/lookups.py."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Literal

from services.audit import Audit
from services.lookups import LookupGuard, LookupRefused
from services.names import name_matches
from services.privacy import NikHasher
from storage.contacts import Contacts
from storage.ratelimit import RateLimiter
from storage.registry import Registry

__all__ = ["Coverage", "CoverageInfo", "LookupResult", "RateLimited"]

Outcome = Literal["covered", "not_found", "name_mismatch"]


class RateLimited(Exception):
    """`by`: whose limit was reached: "contact" (5 an hour, 10 a day by default), "ip" (the web
    chat's address) or "subject" (this NIK, looked up too often by anyone)."""

    def __init__(self, retry_after: float, *, by: str = "contact") -> None:
        super().__init__(f"retry after {retry_after:.0f} s")
        self.retry_after, self.by = retry_after, by


@dataclass(frozen=True, slots=True)
class CoverageInfo:
    category: str
    programmes: tuple[str, ...]
    start: date
    end: date
    status: str  # aktif or nonaktif, as imported
    kpj_masked: str | None

    def active_on(self, day: date) -> bool:
        return self.status == "aktif" and self.start <= day <= self.end


@dataclass(frozen=True, slots=True)
class LookupResult:
    outcome: Outcome
    info: CoverageInfo | None = None


class Coverage:
    def __init__(self, *, registry: Registry, hasher: NikHasher, audit: Audit, limiter: RateLimiter,
                 contacts: Contacts | None = None, per_hour: int = 5, per_day: int = 10,
                 guard: LookupGuard | None = None) -> None:
        self._registry, self._hasher, self._audit, self._limiter = registry, hasher, audit, limiter
        self._contacts, self._guard = contacts, guard
        self._limits = ((per_hour, 3600), (per_day, 86400))
        self.limits = (per_hour, per_day)

    async def wait_before_lookup(self, *, contact_id: int) -> float:
        """Seconds this contact must wait before its next lookup; 0 when it may look up now."""
        return await self._limiter.peek(f"coverage:{contact_id}", self._limits)

    async def lookup(self, *, nik: str, name: str, contact_id: int, ip: str | None = None,
                     proof: bool = False) -> LookupResult:
        """Raises NeedsProof (the web chat's address used its free lookups: nothing was counted),
        or RateLimited when the contact, the address or this NIK has used up its lookups."""
        digest = self._hasher.digest(nik)
        try:
            if self._guard is not None:
                await self._guard.admit(kind="coverage", contact_id=contact_id, subject=digest, ip=ip, proof=proof,
                                        per_contact=False)
            if wait := await self._limiter.hit(f"coverage:{contact_id}", self._limits):
                raise LookupRefused(wait, by="contact")
        except LookupRefused as exc:
            await self._audit.record(actor=f"contact:{contact_id}", action="coverage.lookup_refused",
                                     detail={"retry_after_s": int(exc.retry_after), "by": exc.by})
            raise RateLimited(exc.retry_after, by=exc.by) from None
        row = await self._registry.find(digest)
        if row is None:
            outcome: Outcome = "not_found"
        elif not name_matches(name, row.name):
            outcome = "name_mismatch"
        else:
            outcome = "covered"
        await self._audit.record(actor=f"contact:{contact_id}", action="coverage.lookup",
                                 target=f"registry:{digest[:32]}", detail={"outcome": outcome})
        if outcome != "covered":
            return LookupResult(outcome)
        if self._contacts is not None:  # this contact is that person: remembered, as a hash, for later
            await self._contacts.prove_nik(contact_id=contact_id, nik_hash=digest)
        return LookupResult(outcome, CoverageInfo(
            category=row.category, programmes=tuple(row.programmes.split(",")), start=row.start_date,
            end=row.end_date, status=row.status, kpj_masked=row.kpj_masked))
