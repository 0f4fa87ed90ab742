"""Async engine and sessions for SQLite (embedded default, WAL) and PostgreSQL (asyncpg)."""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import Executable, Row, event, text
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

__all__ = ["OneStatement", "make_engine", "make_sessionmaker", "ping", "sqlite_path"]


def sqlite_path(url: str) -> Path | None:
    """The file behind a sqlite URL, or None for other databases and in-memory SQLite."""
    if not url.startswith("sqlite"):
        return None
    path = url.split(":///", 1)[1] if ":///" in url else ""
    return Path(path) if path and path != ":memory:" else None


def _sqlite_pragmas(dbapi_conn, _record) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA busy_timeout=10000")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.close()


def make_engine(url: str, *, pool_size: int = 10) -> AsyncEngine:
    if url.startswith("sqlite"):
        path = sqlite_path(url)
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
        # One connection: SQLite takes one writer at a time anyway, and queueing in the pool is
        # cheaper and fairer than writers retrying on SQLITE_BUSY (measured in bench/chat_turns.py).
        engine = create_async_engine(url, connect_args={"timeout": 10}, pool_size=3, max_overflow=0,
                                     pool_timeout=30)
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        return engine
    engine = create_async_engine(url, pool_size=pool_size, max_overflow=pool_size)
    event.listen(engine.sync_engine.pool, "checkout", _closed_by_server)
    return engine


def _closed_by_server(dbapi_conn, _record, _proxy) -> None:
    """Hand out no connection the server has closed (PostgreSQL restarted, or ended the session):
    the pool then opens a fresh one. asyncpg notices the close as soon as the event loop reads it,
    so this costs no round trip; `pool_pre_ping` would cost three per checkout on asyncpg (BEGIN,
    a query, ROLLBACK), about 0.5 ms of CPU per chat turn here (measured)."""
    if dbapi_conn.driver_connection.is_closed():
        raise DisconnectionError("the server closed this connection")


def make_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)


async def ping(engine: AsyncEngine) -> None:
    async with engine.connect() as conn:
        await conn.execute(text("SELECT 1"))


class OneStatement:
    """Runs one prebuilt Core statement (with bind parameters) as its own unit of work, for the
    statements every message pays for: a contact's touch, a sent message's row, a delivery receipt.

    An ORM session and a statement built on every call cost about 2 ms of CPU a statement here;
    a prebuilt Core statement about 0.6 ms (timed one statement at a time against PostgreSQL; the
    effect on whole turns is in bench/load's figures). On PostgreSQL the connection is
    in autocommit: a single statement is atomic by itself, and BEGIN and COMMIT would be two more
    round trips. SQLite keeps its transaction (one writer, which the pool already serialises)."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        engine: AsyncEngine = sessions.kw["bind"]
        self.dialect = engine.dialect.name
        self._engine = engine.execution_options(isolation_level="AUTOCOMMIT") if self.postgres else engine

    @property
    def postgres(self) -> bool:
        return self.dialect == "postgresql"

    def _unit(self) -> Any:
        """A connection that commits what it runs: autocommit on PostgreSQL, a transaction on SQLite."""
        return self._engine.connect() if self.postgres else self._engine.begin()

    async def rows(self, statement: Executable, params: Mapping[str, Any]) -> Sequence[Row[Any]]:
        """The rows the statement returns (RETURNING)."""
        async with self._unit() as conn:
            return (await conn.execute(statement, params)).all()

    async def rowcount(self, statement: Executable, params: Mapping[str, Any] | None = None) -> int:
        async with self._unit() as conn:
            return (await conn.execute(statement, params)).rowcount
