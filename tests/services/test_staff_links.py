"""A staff member's own chat: one-time codes (hashed, once, 15 minutes, one per account), refusals
and the hold after wrong codes, unlinking, the audit, and who is told of a report."""
from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

import pytest
from argon2 import PasswordHasher
from sqlalchemy import select

from services.audit import Audit
from services.references import ALPHABET
from services.staff import StaffService
from services.staff_links import CODE_LENGTH, LinkRefused, StaffLinks
from services.wilayah import load_wilayah
from storage.contacts import Contacts
from storage.db import make_engine, make_sessionmaker
from storage.models import Staff, utcnow
from storage.ratelimit import SqlRateLimiter
from storage.staff import StaffAccounts
from tests.clock import Clock

PW = "kata-sandi-rahasia"
FAST = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
KAG, SUKADANA, KEDATON = "16.02.05", "16.02.05.1008", "16.02.05.1007"


START = datetime(2026, 11, 26, 3, 0, tzinfo=UTC)


@pytest.fixture
async def env(db_url):
    engine = make_engine(db_url)
    sessions = make_sessionmaker(engine)
    audit, clock, wilayah = Audit(sessions), Clock(START), load_wilayah()
    staff = StaffService(sessions=sessions, wilayah=wilayah, audit=audit, secret_key="s" * 40, hasher=FAST)
    links = StaffLinks(accounts=StaffAccounts(sessions), audit=audit, limiter=SqlRateLimiter(sessions),
                       wilayah=wilayah, secret_key="s" * 40, clock=clock)
    yield staff, links, Contacts(sessions), audit, clock, engine
    await engine.dispose()


async def _contact(contacts: Contacts, user: str, channel: str = "telegram"):
    return await contacts.touch(channel=channel, channel_user_id=user, at=utcnow())


async def test_a_code_links_the_contact_once_and_is_kept_only_as_a_keyed_hash(env):
    staff, links, contacts, audit, _, engine = env
    kades = await staff.create(username="kades.sukadana", role="kades", desa=SUKADANA, password=PW, actor="test")
    issued = await links.issue_code(staff=kades)
    assert len(issued.code) == CODE_LENGTH and set(issued.code) <= set(ALPHABET)
    async with engine.connect() as conn:
        stored = await conn.scalar(select(Staff.link_code_hash).where(Staff.id == kades.id))
    assert len(stored) == 64 and issued.code not in stored
    phone = await _contact(contacts, "+6281200000001", "whatsapp")
    typed = f" {issued.code[:4].lower()}-{issued.code[4:]} "  # case, spaces and a dash do not matter
    assert await links.redeem(code=typed, contact=phone) == kades
    assert (await links.staff_for(phone.id)) == kades
    chat = await links.chat_of(staff_id=kades.id)
    assert (chat.channel, chat.address, chat.contact_id) == ("whatsapp", "+6281200000001", phone.id)
    other = await _contact(contacts, "555")
    with pytest.raises(LinkRefused) as refused:  # used once
        await links.redeem(code=issued.code, contact=other)
    assert refused.value.reason == "wrong"
    entries = await audit.recent(limit=20)
    actions = {e.action: e for e in entries}
    assert actions["staff.link_code"].actor == f"staff:{kades.id}"
    assert (actions["staff.link"].actor, actions["staff.link"].target) == (f"contact:{phone.id}", f"staff:{kades.id}")
    assert actions["staff.link_refused"].detail == {"reason": "wrong"}
    text = json.dumps([e.detail for e in entries])
    assert issued.code not in text and "6281200000001" not in text


async def test_a_new_code_replaces_the_old_one_and_codes_expire(env):
    staff, links, contacts, _, clock, _ = env
    camat = await staff.create(username="camat.kag", role="camat", kecamatan=KAG, password=PW, actor="test")
    first = await links.issue_code(staff=camat)
    second = await links.issue_code(staff=camat)
    contact = await _contact(contacts, "100")
    with pytest.raises(LinkRefused):
        await links.redeem(code=first.code, contact=contact)
    clock.now += timedelta(minutes=16)
    with pytest.raises(LinkRefused) as refused:
        await links.redeem(code=second.code, contact=contact)
    assert refused.value.reason == "expired"
    third = await links.issue_code(staff=camat)
    clock.now += timedelta(minutes=14)
    assert (await links.redeem(code=third.code, contact=contact)).id == camat.id


async def test_wrong_codes_hold_the_contact_off_and_the_web_chat_cannot_link(env):
    staff, links, contacts, _, _, _ = env
    kades = await staff.create(username="kades.x", role="kades", desa=SUKADANA, password=PW, actor="test")
    issued = await links.issue_code(staff=kades)
    web = await _contact(contacts, "browser-1", "web")
    with pytest.raises(LinkRefused) as refused:
        await links.redeem(code=issued.code, contact=web)
    assert refused.value.reason == "channel"
    guesser = await _contact(contacts, "200")
    for _ in range(5):
        with pytest.raises(LinkRefused):
            await links.redeem(code="ABCDEFGH", contact=guesser)
    with pytest.raises(LinkRefused) as refused:  # now even the right code is not looked at
        await links.redeem(code=issued.code, contact=guesser)
    assert refused.value.reason == "throttled"
    assert await links.staff_for(guesser.id) is None
    someone_else = await _contact(contacts, "201")
    assert (await links.redeem(code=issued.code, contact=someone_else)).id == kades.id


async def test_a_contact_belongs_to_one_account_and_unlinking_is_audited(env):
    staff, links, contacts, audit, _, _ = env
    a = await staff.create(username="kades.a", role="kades", desa=SUKADANA, password=PW, actor="test")
    b = await staff.create(username="kades.b", role="kades", desa=KEDATON, password=PW, actor="test")
    contact = await _contact(contacts, "300")
    await links.redeem(code=(await links.issue_code(staff=a)).code, contact=contact)
    await links.redeem(code=(await links.issue_code(staff=b)).code, contact=contact)
    assert await links.chat_of(staff_id=a.id) is None and (await links.staff_for(contact.id)).id == b.id
    link = next(e for e in await audit.recent() if e.action == "staff.link")
    assert link.detail["released"] == [f"staff:{a.id}"]
    assert await links.unlink(staff_id=b.id, actor="staff:99") is True
    assert await links.unlink(staff_id=b.id, actor="staff:99") is False
    assert await links.staff_for(contact.id) is None
    unlink = next(e for e in await audit.recent() if e.action == "staff.unlink")
    assert (unlink.actor, unlink.target, unlink.detail) == ("staff:99", f"staff:{b.id}", {"channel": "telegram"})


async def test_only_the_active_linked_staff_who_must_act_are_told(env):
    staff, links, contacts, _, _, _ = env
    made = {}
    for name, role, area in (("kades.sukadana", "kades", {"desa": SUKADANA}), ("kades.kedaton", "kades",
                             {"desa": KEDATON}), ("camat.kag", "camat", {"kecamatan": KAG}),
                             ("kades.off", "kades", {"desa": SUKADANA}), ("kades.nochat", "kades", {"desa": SUKADANA})):
        made[name] = await staff.create(username=name, role=role, password=PW, actor="test", **area)
        if name != "kades.nochat":
            contact = await _contact(contacts, f"chat-{name}")
            await links.redeem(code=(await links.issue_code(staff=made[name])).code, contact=contact)
    await staff.set_active(staff_id=made["kades.off"].id, active=False, actor="test")
    assert await links.staff_for((await _contact(contacts, "chat-kades.off")).id) is None
    report = {"reference": "SK-7KQ4-M2H", "kecamatan_code": KAG, "desa_code": SUKADANA,
              "deceased_name": "Ahmad Sanusi", "date_of_death": date(2026, 11, 24)}
    rows = await links.report_alerts(**report, status="diajukan")
    assert [r["address"] for r in rows] == ["chat-kades.sukadana"]
    body = json.loads(rows[0]["body"])
    assert body == {"notice": "staff_report", "reference": "SK-7KQ4-M2H", "status": "diajukan", "desa": "Sukadana",
                    "kecamatan": "Kayu Agung", "initials": "A. S.", "date_of_death": "2026-11-24", "again": False,
                    "url": "/admin/laporan/SK-7KQ4-M2H"}
    assert (rows[0]["kind"], rows[0]["priority"]) == ("notification", 0)
    camat = await links.report_alerts(**report, status="diverifikasi_desa", again=True)
    assert [r["address"] for r in camat] == ["chat-camat.kag"] and json.loads(camat[0]["body"])["again"] is True
    assert await links.report_alerts(**report, status="diverifikasi_kecamatan") == []
    filed_by_kades = await links.report_alerts(**report, status="diajukan", skip_actor=made["kades.sukadana"].actor)
    assert filed_by_kades == []
