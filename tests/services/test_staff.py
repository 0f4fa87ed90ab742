"""Staff accounts: roles and areas, argon2 passwords, login with lockout, tokens, the audit log."""
from __future__ import annotations

from datetime import timedelta

import jwt
import pytest
from argon2 import PasswordHasher
from sqlalchemy import delete, update
from sqlalchemy.exc import DBAPIError

from services.audit import Audit
from services.staff import (
    InvalidToken,
    LoginFailed,
    LoginThrottled,
    StaffError,
    StaffInfo,
    StaffService,
)
from services.wilayah import load_wilayah
from storage.db import make_engine, make_sessionmaker
from storage.models import AuditEntry, utcnow
from storage.staff import StaffAccounts

PW = "kata-sandi-rahasia"
FAST = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)  # the real parameters cost ~0.1 s a hash


@pytest.fixture
async def sessions(settings):
    engine = make_engine(settings.database_url)
    yield make_sessionmaker(engine)
    await engine.dispose()


@pytest.fixture
def audit(sessions) -> Audit:
    return Audit(sessions)


def _service(sessions, audit, settings, **kw) -> StaffService:
    return StaffService(sessions=sessions, wilayah=load_wilayah(), audit=audit, secret_key=settings.secret_key,
                        **{"hasher": FAST, **kw})


@pytest.fixture
def service(sessions, audit, settings) -> StaffService:
    return _service(sessions, audit, settings)


# --- accounts, roles and areas ---
@pytest.mark.parametrize(("role", "kecamatan", "desa", "area"), [
    ("admin", None, None, (None, None)),
    ("dinsos", None, None, (None, None)),
    ("humas", " ", "", (None, None)),
    ("camat", "16.02.05", None, ("16.02.05", None)),
    ("camat", "kayuagung", None, ("16.02.05", None)),
    ("kades", None, "16.02.03.2011", ("16.02.03", "16.02.03.2011")),
    ("kades", "Pedamaran", "Desa Suka Raja", ("16.02.03", "16.02.03.2011")),  # a name repeated elsewhere
    ("kades", "16.02.19", "sukaraja", ("16.02.19", "16.02.19.2006")),
    ("kades", None, "Ulak Kapal", ("16.02.02", "16.02.02.2001")),  # a name found only once in OKI
])
async def test_create_each_role_with_its_area(service, role, kecamatan, desa, area):
    info = await service.create(username=f"u.{role}", role=role, password=PW, kecamatan=kecamatan, desa=desa,
                                actor="test")
    assert (info.role, info.username, (info.kecamatan_code, info.desa_code)) == (role, f"u.{role}", area)
    assert await service.get(staff_id=info.id) == info


@pytest.mark.parametrize(("kw", "says"), [
    ({"role": "camat"}, "needs a kecamatan"),
    ({"role": "camat", "kecamatan": "16.02.05", "desa": "16.02.05.2013"}, "not a desa"),
    ({"role": "camat", "kecamatan": "16.02.99"}, "not a kecamatan"),
    ({"role": "camat", "kecamatan": "zzzz qqqq"}, "not a kecamatan"),
    ({"role": "admin", "kecamatan": "16.02.05"}, "all of OKI"),
    ({"role": "humas", "desa": "16.02.05.2013"}, "all of OKI"),
    ({"role": "kades", "kecamatan": "16.02.05"}, "needs a desa"),
    ({"role": "kades", "desa": "Sukaraja"}, "16.02.08.2016"),  # three Sukaraja in OKI: all listed
    ({"role": "kades", "desa": "Tanjung Lubuk"}, "more than one"),
    ({"role": "kades", "kecamatan": "Kayu Agung", "desa": "16.02.03.2011"}, "not in kecamatan Kayu Agung"),
    ({"role": "kades", "kecamatan": "Pedamaran", "desa": "Sukarja"}, "did you mean Sukaraja"),
    ({"role": "kades", "desa": "16.02.05.9999"}, "not the code"),
    ({"role": "superuser"}, "role must be one of"),
    ({"role": "admin", "username": "ab"}, "username"),
    ({"role": "admin", "username": "budi santoso"}, "username"),
    ({"role": "admin", "username": "081234567890"}, "username"),  # a phone number is no username
    ({"role": "admin", "password": "pendek"}, "password"),
    ({"role": "admin", "password": "u.someone"}, "password"),
])
async def test_create_refuses_with_a_reason(service, kw, says):
    args = {"username": "u.someone", "password": PW, "actor": "test", **kw}
    with pytest.raises(StaffError, match=says):
        await service.create(**args)
    with pytest.raises(LoginFailed):  # nothing was written
        await service.authenticate(username=args["username"], password=args["password"])


async def test_duplicate_username_is_refused_whatever_its_case(service):
    await service.create(username="budi", role="admin", password=PW, actor="test")
    for name in ("budi", " BUDI "):
        with pytest.raises(StaffError, match="already exists"):
            await service.create(username=name, role="dinsos", password=PW + "x", actor="test")


async def test_password_is_stored_as_an_argon2id_hash(service, sessions):
    await service.create(username="budi", role="admin", password=PW, actor="test")
    row = await StaffAccounts(sessions).by_username("budi")
    assert row.password_hash.startswith("$argon2id$") and PW not in row.password_hash


async def test_a_login_rehashes_when_the_parameters_changed(service, sessions, audit, settings):
    await service.create(username="budi", role="admin", password=PW, actor="test")
    stronger = _service(sessions, audit, settings, hasher=PasswordHasher(time_cost=2, memory_cost=2048, parallelism=1))
    await stronger.authenticate(username="budi", password=PW)
    new_hash = (await StaffAccounts(sessions).by_username("budi")).password_hash
    assert "m=2048,t=2,p=1" in new_hash
    assert (await stronger.authenticate(username="budi", password=PW)).username == "budi"


# --- login and lockout ---
async def test_authenticate(service):
    made = await service.create(username="budi", role="admin", password=PW, actor="test")
    assert await service.authenticate(username=" Budi ", password=PW) == made
    for username, password in [("budi", PW + "x"), ("budi", ""), ("nobody", PW), ("", PW)]:
        with pytest.raises(LoginFailed):
            await service.authenticate(username=username, password=password)


async def test_a_disabled_account_cannot_log_in(service):
    made = await service.create(username="budi", role="admin", password=PW, actor="test")
    await service.set_active(staff_id=made.id, active=False, actor="staff:1")
    with pytest.raises(LoginFailed):
        await service.authenticate(username="budi", password=PW)
    await service.set_active(staff_id=made.id, active=True, actor="staff:1")
    assert await service.authenticate(username="budi", password=PW) == made


async def test_five_failures_lock_the_account_for_fifteen_minutes(service, sessions):
    made = await service.create(username="budi", role="admin", password=PW, actor="test")
    for _ in range(4):
        with pytest.raises(LoginFailed):
            await service.authenticate(username="budi", password="salah-salah-salah")
    with pytest.raises(LoginThrottled) as locked:
        await service.authenticate(username="budi", password="salah-salah-salah")
    assert locked.value.retry_after_seconds == 15 * 60
    with pytest.raises(LoginThrottled) as still:  # even the right password, while locked
        await service.authenticate(username="budi", password=PW)
    assert 0 < still.value.retry_after_seconds <= 15 * 60
    accounts = StaffAccounts(sessions)
    await accounts.lock(staff_id=made.id, until=utcnow() - timedelta(seconds=1))  # fifteen minutes later
    assert await service.authenticate(username="budi", password=PW) == made
    row = await accounts.get(made.id)
    assert (row.failed_logins, row.locked_until) == (0, None)


async def test_a_success_starts_the_count_again(service):
    await service.create(username="budi", role="admin", password=PW, actor="test")
    for _round in range(2):
        for _ in range(4):
            with pytest.raises(LoginFailed):
                await service.authenticate(username="budi", password="salah-salah-salah")
        await service.authenticate(username="budi", password=PW)


async def test_the_lockout_is_configurable(sessions, audit, settings):
    service = _service(sessions, audit, settings, max_failures=2, lock_minutes=1)
    await service.create(username="budi", role="admin", password=PW, actor="test")
    with pytest.raises(LoginFailed):
        await service.authenticate(username="budi", password="salah-salah-salah")
    with pytest.raises(LoginThrottled) as locked:
        await service.authenticate(username="budi", password="salah-salah-salah")
    assert locked.value.retry_after_seconds == 60


# --- tokens ---
async def test_token_round_trip(service, settings):
    made = await service.create(username="kades.a", role="kades", password=PW, desa="16.02.03.2011", actor="test")
    token, expires_in = service.issue_token(made)
    assert expires_in == 30 * 60
    claims = jwt.decode(token, options={"verify_signature": False})
    assert claims["sub"] == str(made.id) and claims["role"] == "kades"
    assert claims["area"] == {"kecamatan": "16.02.03", "desa": "16.02.03.2011"}
    assert claims["exp"] - claims["iat"] == 30 * 60
    assert await service.decode_token(token) == made


async def test_bad_tokens_are_refused(service, settings):
    made = await service.create(username="camat.a", role="camat", password=PW, kecamatan="16.02.05", actor="test")
    token, _ = service.issue_token(made)
    header, payload, signature = token.split(".")
    claims = jwt.decode(token, options={"verify_signature": False})
    forged_payload = jwt.encode({**claims, "role": "admin"}, "x" * 32, algorithm="HS256").split(".")[1]
    bad = [
        service.issue_token(made, now=utcnow() - timedelta(minutes=31))[0],  # expired
        f"{header}.{forged_payload}.{signature}",  # role changed, signature kept
        jwt.encode(claims, "another-key-" + "y" * 32, algorithm="HS256"),  # signed with another key
        jwt.encode(claims, settings.secret_key, algorithm="HS256"),  # with SECRET_KEY itself, not the token key
        jwt.encode({k: v for k, v in claims.items() if k != "exp"}, service._key, algorithm="HS256"),  # no expiry
        jwt.encode({**claims, "aud": "something-else"}, service._key, algorithm="HS256"),
        jwt.encode(claims, None, algorithm="none"),
        service.issue_token(StaffInfo(id=9999, username="ghost", role="admin", kecamatan_code=None,
                                      desa_code=None))[0],  # no such account
        service.issue_token(StaffInfo(id=made.id, username="camat.a", role="admin", kecamatan_code=None,
                                      desa_code=None))[0],  # not the account's role
        "", "abc", "a.b.c",
    ]
    for token_ in bad:
        with pytest.raises(InvalidToken):
            await service.decode_token(token_)


async def test_a_disabled_accounts_token_stops_working(service):
    made = await service.create(username="budi", role="admin", password=PW, actor="test")
    token, _ = service.issue_token(made)
    await service.set_active(staff_id=made.id, active=False, actor="staff:1")
    with pytest.raises(InvalidToken):
        await service.decode_token(token)


# --- changes made from the admin pages ---
async def test_accounts_lists_every_account_without_its_password(service):
    await service.create(username="budi", role="admin", password=PW, actor="test")
    await service.create(username="ani", role="camat", password=PW, kecamatan="16.02.05", actor="test")
    listed = await service.accounts()
    assert [(a.username, a.role, a.kecamatan_code, a.active) for a in listed] == [
        ("ani", "camat", "16.02.05", True), ("budi", "admin", None, True)]
    assert not hasattr(listed[0], "password_hash")


async def test_reset_password_replaces_it_lifts_a_lock_and_is_audited(service, audit):
    made = await service.create(username="budi", role="admin", password=PW, actor="test")
    for _ in range(5):
        with pytest.raises((LoginFailed, LoginThrottled)):
            await service.authenticate(username="budi", password="salah-salah-salah")
    with pytest.raises(StaffError) as short:
        await service.reset_password(staff_id=made.id, password="pendek", actor="staff:9")
    assert short.value.code == "password"
    long = await service.create(username="budi.santoso", role="admin", password=PW, actor="test")
    with pytest.raises(StaffError) as same:
        await service.reset_password(staff_id=long.id, password=" BUDI.SANTOSO ", actor="staff:9")
    assert same.value.code == "password_is_username"
    with pytest.raises(StaffError) as missing:
        await service.reset_password(staff_id=999, password="sandi-baru-budi", actor="staff:9")
    assert missing.value.code == "not_found"
    await service.reset_password(staff_id=made.id, password="sandi-baru-budi", actor="staff:9")
    assert await service.authenticate(username="budi", password="sandi-baru-budi") == made  # unlocked too
    with pytest.raises(LoginFailed):
        await service.authenticate(username="budi", password=PW)
    entry = next(e for e in await audit.recent() if e.action == "staff.reset_password")
    assert (entry.actor, entry.target, entry.detail) == ("staff:9", f"staff:{made.id}", None)


async def test_set_area_checks_the_role_audits_and_ends_old_tokens(service, audit):
    made = await service.create(username="ani", role="camat", password=PW, kecamatan="16.02.05", actor="test")
    token, _ = service.issue_token(made)
    for kecamatan, desa in ((None, None), ("16.02.05", "16.02.05.2001"), ("Atlantis", None)):
        with pytest.raises(StaffError) as exc:
            await service.set_area(staff_id=made.id, kecamatan=kecamatan, desa=desa, actor="staff:9")
        assert exc.value.code == "area"
    moved = await service.set_area(staff_id=made.id, kecamatan="Pedamaran", desa=None, actor="staff:9")
    assert (moved.kecamatan_code, moved.desa_code) == ("16.02.03", None)
    assert await service.get(staff_id=made.id) == moved
    with pytest.raises(InvalidToken):
        await service.decode_token(token)
    entry = next(e for e in await audit.recent() if e.action == "staff.set_area")
    assert entry.detail == {"kecamatan_code": "16.02.03", "desa_code": None}


# --- who sees what ---
ADMIN = StaffInfo(1, "a", "admin", None, None)
DINSOS = StaffInfo(2, "d", "dinsos", None, None)
HUMAS = StaffInfo(3, "h", "humas", None, None)
CAMAT = StaffInfo(4, "c", "camat", "16.02.05", None)
KADES = StaffInfo(5, "k", "kades", "16.02.05", "16.02.05.2013")
IN_DESA = ("16.02.05", "16.02.05.2013")
IN_KEC = ("16.02.05", "16.02.05.2001")
KEC_ONLY = ("16.02.05", None)
DESA_ONLY = (None, "16.02.05.2013")
ELSEWHERE = ("16.02.03", "16.02.03.2011")
MISMATCH = ("16.02.05", "16.02.03.2011")  # a desa that is not in the kecamatan given
NOWHERE = (None, None)


@pytest.mark.parametrize(("staff", "sees", "does_not_see"), [
    (ADMIN, [IN_DESA, IN_KEC, KEC_ONLY, ELSEWHERE, NOWHERE], []),
    (DINSOS, [IN_DESA, ELSEWHERE, NOWHERE], []),
    (HUMAS, [IN_DESA, ELSEWHERE, NOWHERE], []),
    (CAMAT, [IN_DESA, IN_KEC, KEC_ONLY, DESA_ONLY], [ELSEWHERE, MISMATCH, NOWHERE]),
    (KADES, [IN_DESA, DESA_ONLY], [IN_KEC, KEC_ONLY, ELSEWHERE, MISMATCH, NOWHERE]),
])
def test_can_see(staff, sees, does_not_see):
    for kec, desa in sees:
        assert staff.can_see(kecamatan_code=kec, desa_code=desa), (staff.role, kec, desa)
    for kec, desa in does_not_see:
        assert not staff.can_see(kecamatan_code=kec, desa_code=desa), (staff.role, kec, desa)


def test_area_filter():
    assert [s.area_filter() for s in (ADMIN, DINSOS, HUMAS, CAMAT, KADES)] == [
        (None, None), (None, None), (None, None), ("16.02.05", None), ("16.02.05", "16.02.05.2013")]
    assert CAMAT.actor == "staff:4" and ADMIN.sees_all and not KADES.sees_all


# --- the audit log ---
async def test_changes_and_logins_are_audited_without_passwords(service, audit):
    made = await service.create(username="budi", role="camat", password=PW, kecamatan="16.02.05", actor="cli")
    await service.authenticate(username="budi", password=PW)
    with pytest.raises(LoginFailed):
        await service.authenticate(username="budi", password="salah-salah-salah")
    with pytest.raises(LoginFailed):
        await service.authenticate(username="rahasiaku-123", password=PW)  # a password in the wrong box
    entries = await audit.recent()
    assert [(e.actor, e.action, e.target) for e in entries] == [
        ("anonymous", "auth.login_failed", None),
        (made.actor, "auth.login_failed", made.actor),
        (made.actor, "auth.login", made.actor),
        ("cli", "staff.create", made.actor),
    ]
    assert entries[-1].detail == {"username": "budi", "role": "camat", "kecamatan_code": "16.02.05",
                                  "desa_code": None}
    assert entries[1].detail == {"username": "budi", "reason": "password"}
    assert entries[0].detail["username"] == "rah…"
    text = repr(entries)
    assert PW not in text and "salah-salah" not in text and "rahasiaku" not in text
    assert all(e.at <= utcnow() for e in entries) and len(await audit.recent(limit=2)) == 2


@pytest.mark.parametrize("detail", [{"password": "x"}, {"nik": "1602015708850003"}, {"phone": "x"},
                                    {"who": {"no_hp": "x"}}, {"note": "1602015708850003"},
                                    {"list": ["+62 812-3456-7890"]}])
async def test_audit_refuses_personal_data(audit, detail):
    with pytest.raises(ValueError):
        await audit.record(actor="cli", action="test", detail=detail)
    assert await audit.recent() == []


async def test_audit_takes_codes_hashes_and_masked_forms(audit):
    detail = {"desa_code": "16.02.05.2001", "nik_hash": "ab12" * 16, "nik_masked": "160201******0003", "count": 3}
    await audit.record(actor="cli", action="test", target="registry:" + "ab12" * 16, detail=detail)
    [entry] = await audit.recent()
    assert entry.detail == detail


async def test_the_audit_log_refuses_update_and_delete(audit, sessions):
    await audit.record(actor="cli", action="staff.create", target="staff:1")
    for statement in (update(AuditEntry).values(action="staff.nothing"), delete(AuditEntry)):
        with pytest.raises(DBAPIError, match="append-only"):
            async with sessions() as s, s.begin():
                await s.execute(statement)
    [entry] = await audit.recent()
    assert (entry.actor, entry.action, entry.target) == ("cli", "staff.create", "staff:1")
