"""Knowledge-base repository: entries, the revision bumped with every change (in the same
transaction), the unanswered questions grouped by key, and each entry's use and helpfulness.
The rules (what is asked, what is masked, who may edit) are in services/answers.py."""
from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage.models import FaqEntry, FaqRevision, FaqUnanswered

__all__ = ["Knowledge"]

_COUNTERS = frozenset({"uses", "helpful", "unhelpful"})


class Knowledge:
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def revision(self) -> int:
        async with self._sessions() as s:
            return (await s.scalar(select(FaqRevision.revision).where(FaqRevision.id == 1))) or 0

    @staticmethod
    async def _bump(s: AsyncSession) -> None:
        if (await s.execute(update(FaqRevision).where(FaqRevision.id == 1)
                            .values(revision=FaqRevision.revision + 1))).rowcount == 0:
            s.add(FaqRevision(id=1, revision=1))

    async def entries(self, *, active_only: bool = False) -> list[FaqEntry]:
        query = select(FaqEntry).order_by(FaqEntry.topic, FaqEntry.id)
        if active_only:
            query = query.where(FaqEntry.active.is_(True))
        async with self._sessions() as s:
            return list(await s.scalars(query))

    async def get(self, entry_id: int) -> FaqEntry | None:
        async with self._sessions() as s:
            return await s.get(FaqEntry, entry_id)

    async def count(self) -> int:
        async with self._sessions() as s:
            return await s.scalar(select(func.count()).select_from(FaqEntry)) or 0

    async def add(self, rows: Iterable[dict[str, Any]]) -> list[int]:
        async with self._sessions() as s, s.begin():
            entries = [FaqEntry(**row) for row in rows]
            s.add_all(entries)
            await s.flush()
            await self._bump(s)
            return [e.id for e in entries]

    async def change(self, entry_id: int, values: dict[str, Any]) -> bool:
        async with self._sessions() as s, s.begin():
            done = (await s.execute(update(FaqEntry).where(FaqEntry.id == entry_id).values(**values))).rowcount
            if done:
                await self._bump(s)
            return bool(done)

    async def remove(self, entry_id: int) -> bool:
        async with self._sessions() as s, s.begin():
            done = (await s.execute(delete(FaqEntry).where(FaqEntry.id == entry_id))).rowcount
            if done:
                await self._bump(s)
            return bool(done)

    async def count_use(self, entry_id: int, counter: str) -> None:
        """One more use, helpful or unhelpful vote; not a change of the texts (no new revision)."""
        if counter not in _COUNTERS:
            raise ValueError(counter)
        column = getattr(FaqEntry, counter)
        async with self._sessions() as s, s.begin():
            await s.execute(update(FaqEntry).where(FaqEntry.id == entry_id).values({counter: column + 1}))

    async def unanswered(self, *, key: str, text: str, at: datetime) -> None:
        """Count one more question with this key (made once, raced safely)."""
        for _ in range(2):
            async with self._sessions() as s:
                try:
                    async with s.begin():
                        done = (await s.execute(update(FaqUnanswered).where(FaqUnanswered.key == key).values(
                            count=FaqUnanswered.count + 1, text=text, last_at=at))).rowcount
                        if not done:
                            s.add(FaqUnanswered(key=key, text=text, count=1, last_at=at))
                    return
                except IntegrityError:
                    continue

    async def unanswered_list(self, *, limit: int = 200) -> list[FaqUnanswered]:
        async with self._sessions() as s:
            return list(await s.scalars(select(FaqUnanswered).order_by(FaqUnanswered.count.desc(),
                                                                       FaqUnanswered.last_at.desc()).limit(limit)))

    async def unanswered_keys(self, *, limit: int = 1000) -> list[dict[str, Any]]:
        """The grouping keys of the most recent unanswered questions."""
        async with self._sessions() as s:
            rows = await s.execute(select(FaqUnanswered.key).order_by(FaqUnanswered.last_at.desc()).limit(limit))
            return [{"key": k} for (k,) in rows]

    async def unanswered_done(self, item_id: int) -> bool:
        async with self._sessions() as s, s.begin():
            return bool((await s.execute(delete(FaqUnanswered).where(FaqUnanswered.id == item_id))).rowcount)

    async def seed_once(self, rows: Iterable[dict[str, Any]]) -> bool:
        """The first entries, added by exactly one process: the one that moves the revision from 0."""
        try:
            async with self._sessions() as s, s.begin():
                claimed = (await s.execute(update(FaqRevision).where(FaqRevision.id == 1, FaqRevision.revision == 0)
                                           .values(revision=1))).rowcount
                if not claimed and await s.get(FaqRevision, 1) is None:  # the row itself is gone (a truncate)
                    s.add(FaqRevision(id=1, revision=1))
                    claimed = 1
                if claimed:
                    s.add_all(FaqEntry(**row) for row in rows)
                return bool(claimed)
        except IntegrityError:  # another process made the row first, and seeds
            return False
