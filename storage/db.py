"""Async engine and sessions for SQLite (embedded default, WAL) and PostgreSQL (asyncpg).

SQLite takes one writer at a time. The engine `make_engine` gives for it is that writer: one
connection, so writes queue in the pool (first come, first served) instead of sleeping in SQLite's
busy handler and retrying; reads go to a pool of reader connections beside it (WAL lets them run
while a write is under way, a registry import for one). `make_sessionmaker` routes a session's
SELECTs to the readers until its transaction writes, and everything after that to the writer, so a
transaction reads what it wrote, and a SELECT ... FOR UPDATE takes the writer. (pysqlite opens a
transaction only at the first write, so a SELECT before it never held a snapshot on the writer
either.) Core users choose: `reader(engine)`."""
from __future__ import annotations

import weakref
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, Executable, Row, Select, event, text
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import Session

__all__ = ["OneStatement", "Work", "make_engine", "make_sessionmaker", "ping", "reader", "sqlite_path"]

# A prebuilt statement and its parameters, which one repository hands another to run inside its
# transaction (a report filed together with the coverage row it flags).
Work = tuple[Executable, Mapping[str, Any]]

_READERS: weakref.WeakKeyDictionary[Engine, AsyncEngine] = weakref.WeakKeyDictionary()
READER_POOL = 4


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
        if path is None:  # in memory: every connection would be a database of its own
            return _sqlite(url)
        path.parent.mkdir(parents=True, exist_ok=True)
        engine = _sqlite(url, pool_size=1, max_overflow=0)  # the writer
        readers = _READERS[engine.sync_engine] = _sqlite(url, pool_size=READER_POOL, max_overflow=READER_POOL)
        event.listen(engine.sync_engine, "engine_disposed", lambda _conn: readers.sync_engine.dispose())
        return engine
    engine = create_async_engine(url, pool_size=pool_size, max_overflow=pool_size)
    event.listen(engine.sync_engine.pool, "checkout", _closed_by_server)
    return engine


def _sqlite(url: str, **pool: int) -> AsyncEngine:
    engine = create_async_engine(url, connect_args={"timeout": 10}, **({"pool_timeout": 30, **pool} if pool else {}))
    event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
    _rollback_only_when_open(engine)
    return engine


def _rollback_only_when_open(engine: AsyncEngine) -> None:
    """SQLAlchemy ends every connection's use with a ROLLBACK, and aiosqlite runs each call on its
    connection's thread: a read alone (no transaction open: SQLite opens one only for a write) then
    costs a thread round trip for nothing, about one in six of a chat turn's. SQLite's own
    `in_transaction` says whether there is anything to roll back."""
    dialect = engine.sync_engine.dialect
    plain = dialect.do_rollback

    def do_rollback(dbapi_connection: Any) -> None:
        if getattr(getattr(dbapi_connection, "_connection", None), "in_transaction", True):
            plain(dbapi_connection)

    dialect.do_rollback = do_rollback  # type: ignore[method-assign]


def reader(engine: AsyncEngine) -> AsyncEngine:
    """The engine to read with: SQLite's readers beside its one writer; the engine itself elsewhere."""
    return _READERS.get(engine.sync_engine, engine)


class _RoutingSession(Session):
    """A session on SQLite: SELECTs on a reader until the transaction writes, then all on the writer.
    A SELECT ... FOR UPDATE goes to the writer: SQLite has no row locks, but holding the one writer
    until the commit serialises the read-modify-write all the same."""

    def get_bind(self, mapper: Any = None, *, clause: Any = None, **kw: Any) -> Any:
        writer = super().get_bind(mapper, clause=clause, **kw)
        readers = _READERS.get(writer)
        if readers is None:
            return writer
        if self.info.get("wrote") or not isinstance(clause, Select) or clause._for_update_arg is not None:
            self.info["wrote"] = True
            return writer
        return readers.sync_engine


@event.listens_for(_RoutingSession, "after_transaction_end")
def _transaction_ended(session: Session, transaction: Any) -> None:
    if transaction.parent is None:
        session.info.pop("wrote", None)


def _closed_by_server(dbapi_conn, _record, _proxy) -> None:
    """Hand out no connection the server has closed (PostgreSQL restarted, or ended the session):
    the pool then opens a fresh one. asyncpg notices the close as soon as the event loop reads it,
    so this costs no round trip; `pool_pre_ping` would cost three per checkout on asyncpg (BEGIN,
    a query, ROLLBACK), about 0.5 ms of CPU per chat turn here (measured)."""
    if dbapi_conn.driver_connection.is_closed():
        raise DisconnectionError("the server closed this connection")


def make_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    if engine.sync_engine in _READERS:
        return async_sessionmaker(engine, expire_on_commit=False, sync_session_class=_RoutingSession)
    return async_sessionmaker(engine, expire_on_commit=False)


async def ping(engine: AsyncEngine) -> None:
    async with engine.connect() as conn:
        await conn.execute(text("SELECT 1"))


class OneStatement:
    """Runs one prebuilt Core statement (with bind parameters) as its own unit of work, for the
    statements every message pays for: a contact's touch, a sent message's row, a delivery receipt,
    an audit entry, a coverage row looked up.

    An ORM session and a statement built on every call cost about 2 ms of CPU a statement here;
    a prebuilt Core statement about 0.6 ms (timed one statement at a time against PostgreSQL; the
    effect on whole turns is in bench/load's figures). On PostgreSQL the connection is
    in autocommit: a single statement is atomic by itself, and BEGIN and COMMIT would be two more
    round trips. SQLite keeps its transaction (one writer, which the pool already serialises)."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        engine: AsyncEngine = sessions.kw["bind"]
        self.dialect = engine.dialect.name
        self._engine = engine.execution_options(isolation_level="AUTOCOMMIT") if self.postgres else engine
        self._reader = self._engine if self.postgres else reader(engine)

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

    async def first(self, statement: Executable, params: Mapping[str, Any]) -> Row[Any] | None:
        """The first row a read returns, or None: one round trip on PostgreSQL (no BEGIN and
        ROLLBACK around it), on a reader beside the writer on SQLite."""
        async with self._reader.connect() as conn:
            return (await conn.execute(statement, params)).first()
