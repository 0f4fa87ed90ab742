"""The world the engine fuzz runs in: one SQLite database, the runtime as bot/app.py builds it,
two reports and a kades who linked a Telegram chat."""
from __future__ import annotations

import asyncio
import itertools
import logging
import traceback
from dataclasses import dataclass

from sqlalchemy import select, update

from bot.app import Runtime, build_runtime
from bot.config import Settings
from conversations.engine import Engine
from conversations.messages_id import MSG
from conversations.model import Incoming
from services.staff import StaffInfo
from storage.models import Report

__all__ = ["STAFF_CHAT", "Failures", "World", "build_world"]

STAFF_CHAT = "77001"  # the linked kades' Telegram chat
_SUKADANA = "16.02.05.1008"


class Failures(logging.Handler):
    """Keeps the tracebacks of turns the dispatcher turned into an apology."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    def last(self) -> str:
        if not self.records:
            return "(nothing logged)"
        record = self.records[-1]
        return "".join(traceback.format_exception(*record.exc_info)) if record.exc_info else record.getMessage()


@dataclass
class World:
    rt: Runtime
    staff_report: str  # in Desa Sukadana, for the kades's VERIFIKASI/PERBAIKAN
    fix_report: str  # kept in perlu_perbaikan, for documents sent from CEK STATUS
    kades: StaffInfo
    failures: Failures
    runner: asyncio.Runner
    ids: itertools.count

    @property
    def engine(self) -> Engine:
        return self.rt.dispatcher._engine

    async def say(self, channel: str, user: str, text: str, **extra) -> list[str]:
        outcome = await self.rt.dispatcher.handle(Incoming(channel=channel, user_id=user, text=text, **extra))
        assert outcome.processed, self.failures.last()
        return [r.text for r in outcome.replies]

    async def file_report(self, user: str, nik: str) -> str:
        for text in ["lapor kematian", "ya", "Rahmawati", "Anak", nik, "Ahmad Sanusi", "kemarin", "kayu agng",
                     "sukadana", "1602011203150001", "Saya sendiri", "0812 3456 7890", "nanti", *["nanti"] * 5]:
            await self.say("telegram", user, text)
        replies = await self.say("telegram", user, MSG.rep_send)
        assert replies[0].startswith("Laporan sudah kami terima"), replies
        async with self.rt.db.connect() as conn:
            return await conn.scalar(select(Report.reference).where(Report.reporter_name == "Rahmawati")
                                     .order_by(Report.id.desc()).limit(1))

    async def reset_reports(self) -> None:
        """Earlier examples verified or resubmitted them: put them back where the scripts expect."""
        async with self.rt.db.begin() as conn:
            await conn.execute(update(Report).where(Report.reference == self.staff_report)
                               .values(status="diajukan", needs=None, returns_to=None))
        fix = await self.rt.santunan.get(self.fix_report)
        if fix.status != "perlu_perbaikan":
            async with self.rt.db.begin() as conn:
                await conn.execute(update(Report).where(Report.reference == self.fix_report)
                                   .values(status="diajukan", needs=None, returns_to=None))
            await self.rt.santunan.transition(reference=self.fix_report, to="perlu_perbaikan",
                                              message_to_family="SKTM belum ada", note=None, staff=self.kades)


async def build_world(settings: Settings, runner: asyncio.Runner, failures: Failures) -> World:
    rt = build_runtime(settings)
    kades = await rt.staff.create(username="kades.fuzz", role="kades", password="kata-sandi-rahasia",
                                  desa=_SUKADANA, actor="test")
    world = World(rt, "", "", kades, failures, runner, itertools.count(1))
    world.staff_report = await world.file_report("70001", "1602015708850003")
    world.fix_report = await world.file_report("70002", "1602015708850004")
    await rt.santunan.transition(reference=world.fix_report, to="perlu_perbaikan", note=None,
                                 message_to_family="SKTM belum ada",
                                 staff=kades)
    code = (await rt.staff_links.issue_code(staff=kades)).code
    assert (await world.say("telegram", STAFF_CHAT, f"TAUTKAN {code}"))[0].startswith("Berhasil"), code
    return world
