"""Coverage registry repository: bulk upserts for imports, lookups by NIK hash, staff search."""
from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, func, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage.db import OneStatement, Work
from storage.models import RegistryEntry, RegistryImport

__all__ = ["Registry"]

_T = RegistryEntry.__table__
_BATCH = 5000


_FIND = select(_T).where(_T.c.nik_hash == bindparam("h"))
_MARK_DEAD = update(_T).where(_T.c.nik_hash == bindparam("h")).values(reported_dead=bindparam("reference"))


class Registry:
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions
        self._one = OneStatement(sessions)

    async def fingerprints(self) -> dict[str, tuple[int, str]]:
        """nik_hash -> (id, fingerprint) of every row: what an import compares against."""
        async with self._sessions() as s:
            result = await s.execute(select(_T.c.nik_hash, _T.c.id, _T.c.fingerprint))
            return {h: (i, f) for h, i, f in result}

    async def apply(self, *, inserts: Sequence[dict[str, Any]], updates: Sequence[dict[str, Any]],
                    import_row: dict[str, Any]) -> int:
        """Write an import in one transaction: all of it or nothing. Returns the import's id."""
        async with self._sessions() as s, s.begin():
            imp = RegistryImport(**import_row)
            s.add(imp)
            await s.flush()
            for start in range(0, len(inserts), _BATCH):
                batch = [{**row, "import_id": imp.id} for row in inserts[start:start + _BATCH]]
                await s.execute(insert(_T), batch)
            if updates:  # each update dict: the row's "id" and the changed columns
                columns = [k for k in updates[0] if k not in ("id", "nik_hash")]
                stmt = (update(_T).where(_T.c.id == bindparam("b_id"))
                        .values({c: bindparam(f"b_{c}") for c in columns} | {"import_id": imp.id}))
                for start in range(0, len(updates), _BATCH):
                    batch = [{f"b_{k}": v for k, v in row.items() if k != "nik_hash"} for row in
                             updates[start:start + _BATCH]]
                    await s.execute(stmt, batch)
            return imp.id

    async def record_import(self, import_row: dict[str, Any]) -> int:
        async with self._sessions() as s, s.begin():
            imp = RegistryImport(**import_row)
            s.add(imp)
            await s.flush()
            return imp.id

    async def get_import(self, import_id: int) -> RegistryImport | None:
        async with self._sessions() as s:
            return await s.get(RegistryImport, import_id)

    async def imports(self, *, limit: int, offset: int = 0) -> tuple[list[RegistryImport], int]:
        """Past imports and dry runs, newest first, and how many there are in all."""
        async with self._sessions() as s:
            total = int(await s.scalar(select(func.count()).select_from(RegistryImport)) or 0)
            rows = await s.scalars(select(RegistryImport).order_by(RegistryImport.id.desc())
                                   .offset(offset).limit(limit))
            return list(rows), total

    async def find(self, nik_hash: str) -> RegistryEntry | None:
        """The row of this keyed hash (every coverage check reads one: a prebuilt statement, see
        OneStatement), as a detached entry."""
        row = await self._one.first(_FIND, {"h": nik_hash})
        return RegistryEntry(**row._mapping) if row is not None else None

    async def count(self) -> int:
        async with self._sessions() as s:
            return int(await s.scalar(select(func.count()).select_from(_T)) or 0)

    async def search(self, *, kecamatan: str | None, desa: str | None, kategori: str | None, q: str | None,
                     page: int, size: int, nik_hash: str | None = None) -> tuple[list[RegistryEntry], int]:
        """`nik_hash`: a full NIK typed as the search, matched exactly through its keyed hash."""
        where = []
        if kecamatan:
            where.append(RegistryEntry.kecamatan_code == kecamatan)
        if desa:
            where.append(RegistryEntry.desa_code == desa)
        if kategori:
            where.append(func.lower(RegistryEntry.category) == kategori.lower())
        if nik_hash:
            where.append(RegistryEntry.nik_hash == nik_hash)
        elif q:  # % and _ in what staff typed are letters, not wildcards
            text = q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            where.append(or_(func.lower(RegistryEntry.name).like(f"%{text.lower()}%", escape="\\"),
                             RegistryEntry.nik_masked.like(f"{text}%", escape="\\")))
        async with self._sessions() as s:
            total = int(await s.scalar(select(func.count()).select_from(RegistryEntry).where(*where)) or 0)
            rows = await s.scalars(select(RegistryEntry).where(*where).order_by(RegistryEntry.name, RegistryEntry.id)
                                   .offset((page - 1) * size).limit(size))
            return list(rows), total

    async def stats(self, *, kecamatan: str | None, desa: str | None) -> list[tuple[str, str, int]]:
        where = []
        if kecamatan:
            where.append(RegistryEntry.kecamatan_code == kecamatan)
        if desa:
            where.append(RegistryEntry.desa_code == desa)
        async with self._sessions() as s:
            result = await s.execute(
                select(RegistryEntry.kecamatan_code, RegistryEntry.category, func.count())
                .where(*where).group_by(RegistryEntry.kecamatan_code, RegistryEntry.category)
                .order_by(RegistryEntry.kecamatan_code, RegistryEntry.category))
            return [(k, c, int(n)) for k, c, n in result]

    async def mark_dead(self, *, nik_hash: str, reference: str) -> bool:
        """Flag the coverage row of a worker reported dead with the report's reference."""
        return bool(await self._one.rowcount(*self.mark_dead_work(nik_hash=nik_hash, reference=reference)))

    @staticmethod
    def mark_dead_work(*, nik_hash: str, reference: str) -> Work:
        """`mark_dead` as work for the transaction that files the report (`Reports.insert`)."""
        return _MARK_DEAD, {"h": nik_hash, "reference": reference}

    async def deceased(self, *, kecamatan: str | None, desa: str | None) -> list[RegistryEntry]:
        """Covered workers reported dead, for the list sent to BPJS TK."""
        where = [RegistryEntry.reported_dead.is_not(None)]
        if kecamatan:
            where.append(RegistryEntry.kecamatan_code == kecamatan)
        if desa:
            where.append(RegistryEntry.desa_code == desa)
        async with self._sessions() as s:
            return list(await s.scalars(select(RegistryEntry).where(*where).order_by(RegistryEntry.name)))

    async def last_import_at(self) -> datetime | None:
        async with self._sessions() as s:
            return await s.scalar(select(func.max(RegistryImport.at)))
