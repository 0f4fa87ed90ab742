"""Times keep their instant whatever zone they were given in, on SQLite as on PostgreSQL."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from sqlalchemy import insert, select

from storage.db import make_engine
from storage.models import Contact

WIB = timezone(timedelta(hours=7))


async def test_a_time_given_in_wib_is_the_same_instant_when_read_and_compared(db_url):
    engine = make_engine(db_url)
    try:
        wib = datetime(2026, 11, 26, 9, 0, tzinfo=WIB)  # 02:00 UTC
        async with engine.begin() as conn:
            await conn.execute(insert(Contact.__table__), [
                {"channel": "telegram", "channel_user_id": "1", "last_inbound_at": wib, "created_at": wib},
                {"channel": "telegram", "channel_user_id": "2", "created_at": wib,
                 "last_inbound_at": datetime(2026, 11, 26, 3, 0, tzinfo=UTC)}])
        async with engine.connect() as conn:
            got = await conn.scalar(select(Contact.last_inbound_at).where(Contact.channel_user_id == "1"))
            earlier = list(await conn.scalars(select(Contact.channel_user_id).where(
                Contact.last_inbound_at < datetime(2026, 11, 26, 2, 30, tzinfo=UTC))))
        assert got == wib and got.utcoffset() == timedelta(0)
        assert earlier == ["1"]  # 09:00 WIB is before 02:30 UTC; compared as instants, not digits
    finally:
        await engine.dispose()
