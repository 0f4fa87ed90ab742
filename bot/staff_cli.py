"""`python -m bot create-staff USERNAME --role ROLE [--kecamatan X] [--desa Y] [--name N] [--position P]
--password-stdin`. The name and position (jabatan) are what histories show instead of the username.

The password is the first line of standard input (never an argument: those show in `ps` and in
shell history). Exit 0 with one line on success; 1 with the reason on standard error when the
account cannot be created (an existing username among them)."""
from __future__ import annotations

import argparse
import asyncio
import getpass
import sys

from bot.config import ConfigError, Settings
from services.audit import Audit
from services.staff import StaffError, StaffService
from services.wilayah import load_wilayah
from storage.db import make_engine, make_sessionmaker

__all__ = ["FIRST_STAFF_COMMAND", "create_staff", "no_staff_yet"]

# what creates the first account: said on /admin and by `make run` while there is none
FIRST_STAFF_COMMAND = ".venv/bin/python -m bot create-staff admin --role admin --password-stdin < kata-sandi.txt"


async def no_staff_yet(settings: Settings) -> bool:
    """True when the database has no staff account at all (a first start)."""
    from sqlalchemy import func, select

    from storage.models import Staff

    engine = make_engine(settings.database_url)
    try:
        async with make_sessionmaker(engine)() as s:
            return not await s.scalar(select(func.count()).select_from(Staff))
    finally:
        await engine.dispose()


async def _create(settings: Settings, args: argparse.Namespace, password: str) -> str:
    engine = make_engine(settings.database_url)
    try:
        sessions = make_sessionmaker(engine)
        service = StaffService(sessions=sessions, wilayah=load_wilayah(), audit=Audit(sessions),
                               secret_key=settings.ensure_secret_key())
        staff = await service.create(username=args.username, role=args.role, password=password,
                                     kecamatan=args.kecamatan, desa=args.desa, actor="cli",
                                     display_name=getattr(args, "name", None),
                                     position=getattr(args, "position", None))
        return f"staff account {staff.username} created (role {staff.role}, area {service.describe_area(staff)})"
    finally:
        await engine.dispose()


def create_staff(settings: Settings, args: argparse.Namespace) -> int:
    from storage.migrate import pending

    if pending(settings.database_url):
        raise ConfigError("DATABASE_URL: the database is not migrated; run `python -m bot db upgrade` first")
    if sys.stdin.isatty():  # typed by hand: do not echo it
        password = getpass.getpass("password: ")
    else:
        password = sys.stdin.readline().rstrip("\r\n")
    try:
        print(asyncio.run(_create(settings, args, password)))
    except StaffError as exc:
        print(f"create-staff: {exc}", file=sys.stderr)
        return 1
    return 0
