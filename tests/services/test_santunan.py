"""The santunan workflow with a controllable clock: who may move a report where, deadlines and
escalation, late and duplicate reports, the JKM flag and the notices a transition queues."""
from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from services.audit import Audit
from services.privacy import NikHasher
from services.santunan import Draft, Duplicate, LateReport, NotAllowed, Rules, Santunan, WrongMove
from services.staff import StaffInfo
from storage.contacts import Contacts
from storage.db import make_engine, make_sessionmaker
from storage.models import OutboxMessage, RegistryEntry
from storage.registry import Registry
from storage.reports import ReportFilter, Reports
from tests.clock import Clock
from tests.guardrail_fields import PAPER

KAG, SUKADANA, PEDAMARAN = "16.02.05", "16.02.05.1008", "16.02.03"
DINSOS = StaffInfo(1, "dinsos", "dinsos", None, None)
ADMIN = StaffInfo(2, "admin", "admin", None, None)
CAMAT = StaffInfo(3, "camat", "camat", KAG, None)
CAMAT_OTHER = StaffInfo(4, "camat2", "camat", PEDAMARAN, None)
KADES = StaffInfo(5, "kades", "kades", KAG, SUKADANA)
KADES_OTHER = StaffInfo(6, "kades2", "kades", KAG, "16.02.05.1007")
HUMAS = StaffInfo(7, "humas", "humas", None, None)


START = datetime(2025, 9, 10, 3, 0, tzinfo=UTC)


@pytest.fixture
async def env(db_url):
    engine = make_engine(db_url)
    sessions = make_sessionmaker(engine)
    clock = Clock(START)
    contacts = Contacts(sessions)
    service = Santunan(reports=Reports(sessions), registry=Registry(sessions), contacts=contacts,
                       hasher=NikHasher("k" * 40), audit=Audit(sessions), rules=Rules(), clock=clock)
    yield service, clock, contacts, engine
    await engine.dispose()


def draft(nik="1602015708850003", died=date(2025, 9, 8)) -> Draft:
    return Draft(deceased_nik=nik, deceased_name="AHMAD SANUSI", date_of_death=died, kecamatan_code=KAG,
                 desa_code=SUKADANA, kk_number="1602011203150001", reporter_name="Rahmawati",
                 reporter_relationship="Anak", heir_name="Rahmawati", heir_phone="+6281234567890")


async def test_the_whole_way_by_the_right_people(env):
    service, _, _, _ = env
    report = await service.file(draft(), filed_by="contact:1")
    assert report.reference.startswith("SK-") and report.status == "diajukan"
    for staff, to in ((KADES, "diverifikasi_desa"), (CAMAT, "diverifikasi_kecamatan"), (DINSOS, "disetujui"),
                      (ADMIN, "dicairkan")):
        report = await service.transition(reference=report.reference, to=to, note=None, staff=staff, details=PAPER)
        assert report.status == to
    history = await service.history(report)
    assert [e.to_status for e in history] == ["diajukan", "diverifikasi_desa", "diverifikasi_kecamatan", "disetujui",
                                              "dicairkan"]
    assert [e.actor for e in history] == ["contact:1", "staff:5", "staff:3", "staff:1", "staff:2"]


@pytest.mark.parametrize("status_path,staff,to,error", [
    ((), KADES_OTHER, "diverifikasi_desa", LookupError),  # another desa: not even visible
    ((), CAMAT_OTHER, "diverifikasi_desa", LookupError),
    ((), CAMAT, "diverifikasi_desa", NotAllowed),  # a camat does not verify for the desa
    ((), DINSOS, "diverifikasi_desa", NotAllowed),
    ((), HUMAS, "ditolak", NotAllowed),
    ((), KADES, "diverifikasi_kecamatan", NotAllowed),
    ((), DINSOS, "dicairkan", WrongMove),  # skipping stages
    ((), DINSOS, "disetujui", WrongMove),
    ((), KADES, "ditolak", NotAllowed),  # only Dinas Sosial rejects
    ((("diverifikasi_desa", KADES),), KADES, "perlu_perbaikan", NotAllowed),  # the desa's turn is over
    ((("diverifikasi_desa", KADES),), CAMAT, "disetujui", NotAllowed),
    ((("diverifikasi_desa", KADES),), KADES, "diverifikasi_desa", WrongMove),  # already there
    ((("ditolak", DINSOS),), DINSOS, "disetujui", WrongMove),  # final
    ((("diverifikasi_desa", KADES), ("diverifikasi_kecamatan", CAMAT), ("disetujui", DINSOS),
      ("dicairkan", DINSOS)), DINSOS, "ditolak", WrongMove),
    ((), DINSOS, "selesai", WrongMove),
])
async def test_wrong_people_and_wrong_moves_are_refused(env, status_path, staff, to, error):
    service, _, _, _ = env
    report = await service.file(draft(), filed_by="staff:9")
    for step, by in status_path:
        await service.transition(reference=report.reference, to=step, note="alasan", staff=by, details=PAPER)
    with pytest.raises(error):
        await service.transition(reference=report.reference, to=to, note="alasan", staff=staff, details=PAPER)


async def test_perbaikan_goes_back_to_the_stage_it_left(env):
    service, _, _, _ = env
    report = await service.file(draft(), filed_by="contact:1")
    await service.transition(reference=report.reference, to="diverifikasi_desa", note=None, staff=KADES, details=PAPER)
    with pytest.raises(ValueError):  # what is missing must be said
        await service.transition(reference=report.reference, to="perlu_perbaikan", note=" ", staff=CAMAT, details=PAPER)
    report = await service.transition(reference=report.reference, to="perlu_perbaikan", note="desil 3 (internal)",
                                      message_to_family="SKTM belum ada", staff=CAMAT)
    assert (report.status, report.returns_to, report.needs) == ("perlu_perbaikan", "diverifikasi_desa",
                                                                "SKTM belum ada")
    assert service.allowed_moves(report, KADES) == []
    # a chat that is not the family (filed by no chat, no second factor) can neither add files nor move it
    for evidence in (None, "+6281299990000", "1602015708850099"):
        with pytest.raises(NotAllowed):
            await service.resubmit(report=report, actor="contact:1", evidence=evidence,
                                   documents=[("sktm", "2025/09/x.jpg", "image/jpeg", 9)])
    assert (await service.get(report.reference)).status == "perlu_perbaikan"
    assert await service.documents(report) == []
    await service.resubmit(report=report, actor="contact:1", evidence=draft().deceased_nik,
                           documents=[("sktm", "2025/09/a.jpg", "image/jpeg", 9)])
    report = await service.get(report.reference)
    assert (report.status, report.returns_to, report.needs) == ("diverifikasi_desa", None, None)
    assert [d.kind for d in await service.documents(report)] == ["sktm"]


async def test_deadlines_escalate_and_overdue_reports_come_first(env):
    service, clock, _, _ = env
    first = await service.file(draft(), filed_by="contact:1")
    clock.now += timedelta(days=1)
    second = await service.file(draft("1602015708850004"), filed_by="contact:1")
    assert first.stage_due == datetime(2025, 9, 13, 3, 0, tzinfo=UTC)
    clock.now += timedelta(days=2, hours=1)  # the first is past its 3 days, the second is not
    assert await service.escalate_overdue() == 1
    assert await service.escalate_overdue() == 0  # told once
    [event] = [e for e in await service.history(first) if e.actor == "system"]
    assert event.note == "lewat tenggat; diteruskan ke kecamatan"
    newest_first = [second.reference, first.reference]
    rows, _ = await service.search(DINSOS, ReportFilter(), page=1, size=10)
    assert [r.reference for r in rows] == newest_first[::-1]  # overdue first, although older
    overdue, total = await service.search(DINSOS, ReportFilter(overdue_at=clock.now), page=1, size=10)
    assert total == 1 and overdue[0].reference == first.reference
    moved = await service.transition(reference=first.reference, to="diverifikasi_desa", note=None, staff=KADES,
                                     details=PAPER)
    assert moved.escalated_at is None and moved.stage_due == clock.now + timedelta(days=3)


async def test_late_reports_are_refused_or_flagged(env):
    service, _, _, _ = env
    with pytest.raises(LateReport) as late:
        await service.file(draft(died=date(2025, 9, 1)), filed_by="contact:1")
    assert (late.value.days, late.value.window) == (9, 7)
    assert (await service.file(draft(died=date(2025, 9, 3)), filed_by="contact:1")).late is False  # day 7
    service.rules = Rules(accept_late=True)
    flagged = await service.file(draft("1602015708850004", died=date(2025, 9, 1)), filed_by="contact:1")
    assert flagged.late and (await service.history(flagged))[0].note == "dilaporkan terlambat"


async def test_one_report_per_nik_even_at_the_same_moment(env):
    service, _, _, _ = env
    results = await asyncio.gather(*(service.file(draft(), filed_by=f"contact:{i}") for i in range(5)),
                                   return_exceptions=True)
    filed = [r for r in results if not isinstance(r, Exception)]
    assert len(filed) == 1 and all(isinstance(r, Duplicate) for r in results if r not in filed)
    assert {r.report.reference for r in results if isinstance(r, Duplicate)} == {filed[0].reference}


async def test_the_coverage_row_and_the_subscription_go_with_the_report_that_was_filed(env):
    """The report, its coverage row flagged and the subscriptions of the person ended are one commit:
    of five filings at the same moment, the row carries the one report that was stored."""
    service, _, contacts, engine = env
    nik_hash = NikHasher("k" * 40).digest("1602015708850003")
    async with make_sessionmaker(engine)() as s, s.begin():
        s.add(RegistryEntry(nik_hash=nik_hash, nik_masked="1602********0003", name="AHMAD SANUSI",
                            birth_date=date(1985, 8, 17), category="pekerja rentan", programmes="JKK,JKM",
                            kecamatan_code=KAG, start_date=date(2025, 1, 1), end_date=date(2030, 12, 31),
                            status="aktif", fingerprint="f" * 32))
    widow = await contacts.touch(channel="telegram", channel_user_id="77", at=START)
    await contacts.prove_nik(contact_id=widow.id, nik_hash=nik_hash)
    await contacts.subscribe(contact_id=widow.id, kecamatan=None, via="telegram", at=START)
    results = await asyncio.gather(*(service.file(draft(), filed_by=f"contact:{i}") for i in range(5)),
                                   return_exceptions=True)
    filed = [r for r in results if not isinstance(r, Exception)]
    assert len(filed) == 1 and filed[0].jkm_covered
    entry = await Registry(make_sessionmaker(engine)).find(nik_hash)
    assert entry is not None and entry.reported_dead == filed[0].reference
    assert (await contacts.get(widow.id)).subscribed is False


async def test_a_transition_queues_a_notice_for_the_reporter(env):
    service, clock, contacts, engine = env
    contact = await contacts.touch(channel="telegram", channel_user_id="501", at=clock.now)
    report = await service.file(draft(), filed_by=f"contact:{contact.id}", contact=contact)
    await service.transition(reference=report.reference, to="diverifikasi_desa", note=None, staff=KADES, details=PAPER)
    async with engine.connect() as conn:
        [row] = list(await conn.execute(select(OutboxMessage)))
    assert (row.channel, row.address, row.kind, row.priority, row.status) == ("telegram", "501", "notification", 0,
                                                                              "pending")
    assert report.reference in row.body and "diverifikasi_desa" in row.body
