"""Applying Alembic migrations from code (`python -m bot db upgrade`, tests)."""
from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config

__all__ = ["alembic_config", "pending", "upgrade"]

_HERE = Path(__file__).parent / "migrations"


def alembic_config(url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(_HERE))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def upgrade(url: str, revision: str = "head") -> None:
    """Bring the database at `url` to `revision`. Blocking: run it outside an event loop."""
    from storage.db import sqlite_path

    path = sqlite_path(url)
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
    command.upgrade(alembic_config(url), revision)


def pending(url: str) -> bool:
    """True when the database at `url` is not at the newest migration (or has none at all)."""
    import asyncio

    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    from storage.db import make_engine

    head = ScriptDirectory.from_config(alembic_config(url)).get_current_head()

    async def current() -> str | None:
        engine = make_engine(url)
        try:
            async with engine.connect() as conn:
                return await conn.run_sync(lambda c: MigrationContext.configure(c).get_current_revision())
        finally:
            await engine.dispose()

    return asyncio.run(current()) != head
