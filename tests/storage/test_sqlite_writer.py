"""The embedded default's SQLite: one writer connection with writes queued in order, readers beside
it (storage/db.py). What a citizen notices: the chat reads while a long write (a registry import)
holds the writer; a transaction reads what it wrote before committing, and reads for update queue."""
from __future__ import annotations

import asyncio

from sqlalchemy import func, insert, select

from storage.db import make_engine, make_sessionmaker, reader
from storage.models import RateCounter, utcnow


async def test_reads_go_on_while_a_write_holds_the_writer(sqlite_url):
    engine = make_engine(sqlite_url)
    sessions = make_sessionmaker(engine)
    try:
        async with engine.begin() as conn:
            await conn.execute(insert(RateCounter).values(key="before", window_end=utcnow(), count=1))
        async with engine.begin() as long_write:  # the only writer connection, held
            await long_write.execute(insert(RateCounter).values(key="importing", window_end=utcnow(), count=1))
            async with sessions() as s:  # a turn's read does not wait for it, and sees only what was committed
                keys = await asyncio.wait_for(s.scalars(select(RateCounter.key)), timeout=5)
                assert list(keys) == ["before"]
            async with reader(engine).connect() as conn:
                assert await asyncio.wait_for(conn.scalar(select(func.count()).select_from(RateCounter)), 5) == 1
    finally:
        await engine.dispose()


async def test_a_transaction_reads_its_own_writes_and_writes_queue_in_order(sqlite_url):
    engine = make_engine(sqlite_url)
    sessions = make_sessionmaker(engine)
    try:
        async with sessions() as s, s.begin():
            s.add(RateCounter(key="mine", window_end=utcnow(), count=1))
            await s.flush()
            assert await s.scalar(select(RateCounter.count).where(RateCounter.key == "mine")) == 1

        async def write(i: int) -> None:
            async with sessions() as s, s.begin():
                row = await s.get(RateCounter, "mine", with_for_update=True)
                await asyncio.sleep(0)
                row.count += 1

        await asyncio.gather(*(write(i) for i in range(30)))
        async with sessions() as s:
            assert await s.scalar(select(RateCounter.count).where(RateCounter.key == "mine")) == 31
    finally:
        await engine.dispose()
