"""The audit log: who did what, when, to which record. Entries are only ever added.

`actor` names who acted ("staff:3", "cli", "contact:12", "system"), `action` what happened
("staff.create", "auth.login"), `target` the record ("staff:3"), `detail` a small JSON object.
Personal data never goes in: a detail key that names a secret or an identifier (password, NIK,
KK, phone, token) or a value that is a long run of digits (a NIK, KK or phone number) is refused
with ValueError, so a mistake shows up in tests rather than in the log."""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage.audit import AuditFilter, AuditLog, AuditRow
from storage.models import utcnow

__all__ = ["Audit", "AuditFilter", "AuditRecord"]

_FORBIDDEN_KEYS = re.compile(r"pass(word)?|pwd|secret|token|nik|kk|no_?kk|phone|hp|no_?hp|telepon|wa", re.I)
_DIGITS = re.compile(r"^\+?[\d\s-]*$")  # no dots: a code like 16.02.05.2001 is fine
_MAX_ACTOR, _MAX_ACTION, _MAX_TARGET = 80, 64, 120


@dataclass(frozen=True, slots=True)
class AuditRecord:
    id: int
    at: datetime
    actor: str
    action: str
    target: str | None
    detail: dict[str, Any] | None


def _check(value: Any, path: str) -> None:
    """Refuse personal data in a detail, recursively."""
    if isinstance(value, dict):
        for key, item in value.items():
            if _FORBIDDEN_KEYS.fullmatch(str(key)):
                raise ValueError(f"audit detail must not carry {path}{key}")
            _check(item, f"{path}{key}.")
    elif isinstance(value, list | tuple):
        for item in value:
            _check(item, path)
    elif isinstance(value, str) and _DIGITS.match(value) and sum(c.isdigit() for c in value) >= 10:
        raise ValueError(f"audit detail {path.rstrip('.') or 'value'} looks like a NIK, KK or phone number")


class Audit:
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._log = AuditLog(sessions)

    async def record(self, *, actor: str, action: str, target: str | None = None,
                     detail: dict[str, Any] | None = None) -> None:
        """Append one entry. `detail` must be JSON-serialisable and free of personal data."""
        if not actor or not action:
            raise ValueError("audit entries need an actor and an action")
        text = None
        if detail is not None:
            _check(detail, "")
            text = json.dumps(detail, ensure_ascii=False, sort_keys=True, default=str)
        await self._log.append(at=utcnow(), actor=actor[:_MAX_ACTOR], action=action[:_MAX_ACTION],
                               target=target[:_MAX_TARGET] if target else None, detail=text)

    async def recent(self, *, limit: int = 50) -> list[AuditRecord]:
        """The newest entries first."""
        rows = await self._log.newest(limit=max(1, min(limit, 1000)))
        return [_record(r) for r in rows]

    async def find(self, f: AuditFilter, *, limit: int = 100, offset: int = 0) -> list[AuditRecord]:
        """The entries matching `f` (the admin's audit page), newest first."""
        return [_record(r) for r in await self._log.find(f, limit=max(1, min(limit, 100_000)), offset=offset)]


def _record(r: AuditRow) -> AuditRecord:
    return AuditRecord(id=r.id, at=r.at, actor=r.actor, action=r.action, target=r.target,
                       detail=json.loads(r.detail) if r.detail else None)
