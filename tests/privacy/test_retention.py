"""Retention with real rows and real files: what `purge` deletes, forgets, strips or keeps, that a
dry run counts exactly that and changes nothing, that a second run finds nothing, the audit entry
(counts only), and `python -m bot purge` itself."""
from __future__ import annotations

import asyncio
import dataclasses
import json
import os
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select, update

from bot.worker import Worker
from services.santunan import Draft
from services.staff import StaffInfo
from storage.db import make_sessionmaker
from storage.models import (
    AuditEntry,
    Contact,
    ConversationState,
    OutboxMessage,
    ProcessedMessage,
    RateCounter,
    Report,
    ReportDocument,
    ReportEvent,
    SentMessage,
    Staff,
    utcnow,
)

ROOT = Path(__file__).resolve().parents[2]
JPEG = b"\xff\xd8\xff\xe0" + b"\x01" * 200
DINSOS = StaffInfo(1, "dinsos1", "dinsos", None, None)
DAY = timedelta(days=1)


@pytest.fixture
def settings(settings):
    return settings.model_copy(update={"worker_in_process": False})


class World:
    """Rows as the service would have left them, some of them old."""

    def __init__(self, rt) -> None:
        self.rt, self.sessions, self.now = rt, make_sessionmaker(rt.db), utcnow()

    async def add(self, *rows) -> list:
        async with self.sessions() as s, s.begin():
            s.add_all(rows)
        return list(rows)

    async def contact(self, user: str, *, days_quiet: int, subscribed: bool = False) -> int:
        at = self.now - days_quiet * DAY
        [c] = await self.add(Contact(channel="whatsapp", channel_user_id=user, phone=user, display_name="Budi",
                                     subscribed=subscribed, last_inbound_at=at, created_at=at, nik_hash="ab" * 32))
        return c.id

    async def report(self, nik: str, contact_id: int | None, *, documents: int, ended_days_ago: int | None) -> str:
        """A report filed by this contact with photos on disk; rejected `ended_days_ago`, or still open."""
        keys = [self.rt.attachments.save(JPEG, "image/jpeg") for _ in range(documents)]
        contact = await self.rt.contacts.get(contact_id) if contact_id else None
        report = await self.rt.santunan.file(Draft(
            deceased_nik=nik, deceased_name="Ahmad", date_of_death=date.today() - DAY, kecamatan_code="16.02.05",
            desa_code="16.02.05.1008", kk_number="1602011203150001", reporter_name="Rahmawati",
            reporter_relationship="Anak", heir_name="Rahmawati", heir_phone="+6281234567890",
            documents=[("sktm", k, "image/jpeg", len(JPEG)) for k in keys]), filed_by="test", contact=contact)
        if ended_days_ago is not None:
            await self.rt.santunan.transition(reference=report.reference, to="ditolak", note="bukan warga OKI",
                                              staff=DINSOS)
            async with self.sessions() as s, s.begin():
                await s.execute(update(ReportEvent).where(ReportEvent.report_id == report.id).values(
                    at=self.now - ended_days_ago * DAY))
                await s.execute(update(OutboxMessage).where(OutboxMessage.status == "pending")
                                .values(status="sent"))  # the family was told
        return report.reference

    async def count(self, model, *where) -> int:
        async with self.sessions() as s:
            return int(await s.scalar(select(func.count()).select_from(model).where(*where)))


async def _build(rt) -> tuple[World, dict]:
    w = World(rt)
    old, new = w.now - 40 * DAY, w.now - DAY
    await w.add(ConversationState(key="state:900", data="{}", version=1, expires_at=w.now - timedelta(minutes=1)),
                ConversationState(key="state:901", data="{}", version=1, expires_at=w.now + timedelta(minutes=20)),
                ProcessedMessage(platform_id="tg:1", expires_at=w.now - DAY),
                ProcessedMessage(platform_id="tg:2", expires_at=w.now + DAY),
                RateCounter(key="rl:coverage:1:3600:1", window_end=w.now - DAY, count=3))
    ids = {"quiet": await w.contact("+6281200000001", days_quiet=40),
           "subscribed": await w.contact("+6281200000002", days_quiet=40, subscribed=True),
           "open_report": await w.contact("+6281200000003", days_quiet=40),
           "ended_report": await w.contact("+6281200000004", days_quiet=40),
           "staff": await w.contact("+6281200000005", days_quiet=40),
           "recent": await w.contact("+6281200000006", days_quiet=3)}
    async with w.sessions() as s, s.begin():
        s.add(Staff(username="kades.x", password_hash="x", role="kades", contact_id=ids["staff"]))
    ids["open_ref"] = await w.report("1602015708850004", ids["open_report"], documents=1, ended_days_ago=None)
    ids["old_ref"] = await w.report("1602015708850006", ids["ended_report"], documents=2, ended_days_ago=400)
    ids["young_ref"] = await w.report("1602015708850007", None, documents=1, ended_days_ago=10)
    q = ids["quiet"]
    await w.add(
        OutboxMessage(kind="notification", contact_id=q, channel="whatsapp", address="+6281200000001", body="{}",
                      status="sent", created_at=old, provider_id="SMold1"),
        OutboxMessage(kind="broadcast", contact_id=q, channel="whatsapp", address="+6281200000001", body="{}",
                      status="sent", created_at=old, provider_id="SMold2"),
        OutboxMessage(kind="notification", contact_id=ids["recent"], channel="whatsapp", address="+6281200000006",
                      body="{}", status="sent", created_at=new, provider_id="SMnew1"),
        SentMessage(channel="whatsapp", contact_id=q, provider_id="SMold1", status="delivered", status_rank=4,
                    created_at=old, updated_at=old),
        SentMessage(channel="whatsapp", contact_id=q, provider_id="SMold2", status="delivered", status_rank=4,
                    created_at=old, updated_at=old),
        SentMessage(channel="whatsapp", contact_id=ids["recent"], provider_id="SMnew1", status="sent", status_rank=2,
                    created_at=new, updated_at=new))
    orphan_old = rt.attachments.save(JPEG, "image/jpeg")
    ids["orphan_new"] = rt.attachments.save(JPEG, "image/jpeg")
    past = time.time() - 3 * 86400
    os.utime(rt.attachments.path(orphan_old), (past, past))
    return w, ids


EXPECTED = {"conversation_states": 1, "dedupe_marks": 1, "rate_counters": 1, "deliveries_deleted": 1,
            "deliveries_detached": 1, "outbox_deleted": 1, "outbox_anonymised": 1, "contacts_forgotten": 2,
            "documents": 2, "document_files": 2, "orphan_files": 1, "tickets": 0}


async def test_purge_deletes_what_is_due_and_keeps_the_rest(client):
    rt = client.app.state.runtime
    w, ids = await _build(rt)
    files = sorted(k for k, _ in rt.attachments.files())
    dry = await rt.retention.purge(dry_run=True, actor="cli")
    assert dry.counts == EXPECTED
    assert sorted(k for k, _ in rt.attachments.files()) == files and await w.count(AuditEntry, AuditEntry.action
                                                                                     == "privacy.purge") == 0
    done = await rt.retention.purge(actor="cli")
    assert done.counts == EXPECTED
    again = await rt.retention.purge(actor="cli")
    assert again.total == 0, again.counts

    assert await w.count(ConversationState) == 1 and await w.count(ProcessedMessage) == 1
    assert await w.count(RateCounter) == 0
    async with w.sessions() as s:
        contacts = {c.id: c for c in await s.scalars(select(Contact))}
        outbox = {o.provider_id: o for o in await s.scalars(select(OutboxMessage).where(
            OutboxMessage.provider_id.like("SM%")))}
        sent = {m.provider_id: m.contact_id for m in await s.scalars(select(SentMessage))}
        reports = {r.reference: r for r in await s.scalars(select(Report))}
        old_events = [e.note for e in await s.scalars(select(ReportEvent).where(
            ReportEvent.report_id == reports[ids["old_ref"]].id).order_by(ReportEvent.id))]
    for kept in ("subscribed", "open_report", "staff", "recent"):
        assert contacts[ids[kept]].channel_user_id.startswith("+62"), kept
    for gone in ("quiet", "ended_report"):
        c = contacts[ids[gone]]
        assert (c.channel_user_id, c.phone, c.display_name, c.nik_hash) == (f"erased:{c.id}", None, None, None)
    assert reports[ids["old_ref"]].reporter_contact_id is None  # the record stays, unlinked
    assert reports[ids["open_ref"]].reporter_contact_id == ids["open_report"]
    assert set(outbox) == {"SMold2", "SMnew1"} and (outbox["SMold2"].address, outbox["SMold2"].contact_id) == ("", None)
    assert sent == {"SMold2": None, "SMnew1": ids["recent"]}  # the broadcast's receipt still counts, unlinked

    assert await w.count(ReportDocument, ReportDocument.report_id == reports[ids["old_ref"]].id) == 0
    assert await w.count(ReportDocument) == 2  # the open report's and the recently rejected one's
    assert "2 dokumen dihapus" in old_events[-1]
    left = {k for k, _ in rt.attachments.files()}
    assert len(left) == 3 and ids["orphan_new"] in left
    async with w.sessions() as s:
        [entry] = list(await s.scalars(select(AuditEntry).where(AuditEntry.action == "privacy.purge")
                                       .order_by(AuditEntry.id).limit(1)))
    detail = json.loads(entry.detail)
    assert entry.actor == "cli" and {k: detail[k] for k in EXPECTED} == EXPECTED
    assert detail["conversation_days"] == 30 and detail["documents_days"] == 365
    assert not any(isinstance(v, str) for v in detail.values())  # counts, never data


async def test_documents_are_kept_for_the_configured_time(client):
    rt = client.app.state.runtime
    w = World(rt)
    await w.report("1602015708850004", None, documents=1, ended_days_ago=400)
    rt.retention.policy = dataclasses.replace(rt.retention.policy, documents_days=500)
    assert (await rt.retention.purge(dry_run=True)).counts["documents"] == 0
    rt.retention.policy = dataclasses.replace(rt.retention.policy, documents_days=399)
    assert (await rt.retention.purge()).counts["documents"] == 1


def test_the_purge_command(sqlite_url, tmp_path):
    env = {**os.environ, "DATABASE_URL": sqlite_url, "DATA_DIR": str(tmp_path), "SECRET_KEY": "s" * 40,
           "RETENTION_DOCUMENTS_DAYS": "90", "PYTHONPATH": str(ROOT)}
    old = tmp_path / "attachments" / "2020" / "01"
    old.mkdir(parents=True)
    (old / "abandoned.jpg").write_bytes(JPEG)
    os.utime(old / "abandoned.jpg", (time.time() - 5 * 86400,) * 2)

    def run(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "bot", "purge", *args], cwd=tmp_path, env=env,
                              capture_output=True, text=True, timeout=120)

    dry = run("--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert "dry run, nothing changed" in dry.stdout and "1  attachments no report uses" in dry.stdout
    assert "documents 90 days" in dry.stdout and (old / "abandoned.jpg").exists()
    done = run()
    assert done.returncode == 0 and "done, audited" in done.stdout and not (old / "abandoned.jpg").exists()
    assert not (tmp_path / "attachments" / "2020").exists()  # emptied month folders go too
    assert "deleted 0 in all" in run().stdout


async def test_the_worker_purges_five_minutes_after_it_starts_then_daily(client, monkeypatch):
    rt = client.app.state.runtime
    calls = []

    class Counting:
        async def purge(self, **kw):
            calls.append(kw)

    monkeypatch.setattr(rt, "retention", Counting())
    worker = Worker(rt, interval=0.01)
    loop = asyncio.get_running_loop()
    real = loop.time
    task = asyncio.create_task(worker.run())
    await asyncio.sleep(0.1)
    assert calls == []  # not at start: a restart does not purge
    monkeypatch.setattr(loop, "time", lambda: real() + 301)
    await asyncio.sleep(0.1)
    assert calls == [{"actor": "system"}]
    monkeypatch.setattr(loop, "time", lambda: real() + 301 + 86000)
    await asyncio.sleep(0.1)
    assert len(calls) == 1  # not again within the day
    monkeypatch.setattr(loop, "time", lambda: real() + 301 + 86401)
    await asyncio.sleep(0.1)
    worker.stop()
    await task
    assert len(calls) == 2
