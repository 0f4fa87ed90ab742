"""The dashboard's figures: coverage lookups counted per local (WIB) day from the audit log."""
from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from services.dashboard import Dashboard
from services.staff import StaffInfo
from services.wilayah import load_wilayah
from storage.audit import AuditLog
from storage.dashboard import DashboardQueries
from storage.db import make_engine, make_sessionmaker

HUMAS = StaffInfo(1, "humas1", "humas", None, None)


class _NoBroadcasts:
    async def stats(self, announcement_id: int) -> dict:
        raise AssertionError("no announcement exists")


@pytest.fixture
async def sessions(settings):
    engine = make_engine(settings.database_url)
    yield make_sessionmaker(engine)
    await engine.dispose()


async def test_lookups_are_counted_per_wib_day_over_the_last_fourteen_days(sessions):
    log = AuditLog(sessions)
    utc = [datetime(2025, 8, 16, 16, 59, tzinfo=UTC),  # 23.59 WIB on 16 August
           datetime(2025, 8, 16, 17, 0, tzinfo=UTC),  # 00.00 WIB on 17 August
           datetime(2025, 8, 17, 2, 0, tzinfo=UTC),  # 09.00 WIB on 17 August
           datetime(2025, 8, 3, 17, 0, tzinfo=UTC),  # 00.00 WIB on 4 August, the first of the 14 days
           datetime(2025, 8, 3, 16, 59, tzinfo=UTC),  # 23.59 WIB on 3 August: too old
           datetime(2025, 8, 17, 17, 0, tzinfo=UTC)]  # 00.00 WIB on 18 August: not yet
    for at in utc:
        await log.append(at=at, actor="contact:1", action="coverage.lookup", target=None, detail=None)
    await log.append(at=utc[2], actor="contact:1", action="coverage.lookup_refused", target=None, detail=None)
    dashboard = Dashboard(queries=DashboardQueries(sessions), broadcasts=_NoBroadcasts(), wilayah=load_wilayah(),
                          clock=lambda: datetime(2025, 8, 17, 3, 0, tzinfo=UTC))
    overview = await dashboard.overview(HUMAS)
    days = dict(overview.lookups_per_day)
    assert list(days) == [date(2025, 8, d) for d in range(4, 18)]
    assert {d.day: n for d, n in days.items() if n} == {4: 1, 16: 1, 17: 2}
    assert overview.reports is None and overview.broadcasts == () and overview.subscribers_by_channel == ()


async def test_no_windows_no_query(sessions):
    assert await DashboardQueries(sessions).audit_counts(action="coverage.lookup", bounds=[]) == []
