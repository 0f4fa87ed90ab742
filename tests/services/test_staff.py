"""Staff accounts: roles and areas, argon2 passwords and their strength, login throttled by source,
tokens and their session version, the audit log."""
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
    LoginLimits,
    LoginThrottled,
    StaffError,
    StaffInfo,
    StaffService,
)
from services.wilayah import load_wilayah
from storage.db import make_engine, make_sessionmaker
from storage.models import AuditEntry, utcnow
from storage.ratelimit import SqlRateLimiter
from storage.staff import StaffAccounts

PW = "kata-sandi-rahasia"
IP, OTHER_IP = "10.0.0.1", "10.0.0.2"
WRONG = "salah-salah-salah"
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
                        **{"hasher": FAST, "limiter": SqlRateLimiter(sessions), **kw})


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
        await service.authenticate(client_ip=IP, username=args["username"], password=args["password"])


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
    await stronger.authenticate(client_ip=IP, username="budi", password=PW)
    new_hash = (await StaffAccounts(sessions).by_username("budi")).password_hash
    assert "m=2048,t=2,p=1" in new_hash
    assert (await stronger.authenticate(client_ip=IP, username="budi", password=PW)).username == "budi"


# --- login and lockout ---
async def test_authenticate(service):
    made = await service.create(username="budi", role="admin", password=PW, actor="test")
    assert await service.authenticate(client_ip=IP, username=" Budi ", password=PW) == made
    for username, password in [("budi", PW + "x"), ("budi", ""), ("nobody", PW), ("", PW)]:
        with pytest.raises(LoginFailed):
            await service.authenticate(client_ip=IP, username=username, password=password)


async def test_a_disabled_account_cannot_log_in(service):
    made = await service.create(username="budi", role="admin", password=PW, actor="test")
    await service.set_active(staff_id=made.id, active=False, actor="staff:1")
    with pytest.raises(LoginFailed):
        await service.authenticate(client_ip=IP, username="budi", password=PW)
    await service.set_active(staff_id=made.id, active=True, actor="staff:1")
    assert await service.authenticate(client_ip=IP, username="budi", password=PW) == made


async def test_five_failures_throttle_that_source_not_the_owner_elsewhere(service):
    made = await service.create(username="budi", role="admin", password=PW, actor="test")
    for _ in range(4):
        with pytest.raises(LoginFailed):
            await service.authenticate(client_ip=IP, username="budi", password=WRONG)
    with pytest.raises(LoginThrottled) as throttled:  # the fifth
        await service.authenticate(client_ip=IP, username="budi", password=WRONG)
    assert 0 < throttled.value.retry_after_seconds <= 15 * 60
    with pytest.raises(LoginThrottled):  # even the right password, from that address
        await service.authenticate(client_ip=IP, username=" BUDI ", password=PW)
    assert await service.authenticate(client_ip=OTHER_IP, username="budi", password=PW) == made


async def test_an_unknown_name_is_throttled_exactly_like_a_known_one(service):
    await service.create(username="budi", role="admin", password=PW, actor="test")
    outcomes = {}
    for name in ("budi", "nobody"):
        outcomes[name] = []
        for _ in range(6):
            try:
                await service.authenticate(client_ip=IP, username=name, password=WRONG)
            except (LoginFailed, LoginThrottled) as exc:
                outcomes[name].append(type(exc).__name__)
    assert outcomes["budi"] == outcomes["nobody"] == ["LoginFailed"] * 4 + ["LoginThrottled"] * 2


async def test_one_address_trying_many_names_is_throttled(sessions, audit, settings):
    service = _service(sessions, audit, settings, login_limits=LoginLimits(per_source=5, per_ip=6))
    made = await service.create(username="budi", role="admin", password=PW, actor="test")
    results = []
    for name in ("ani", "budi", "cici", "dedi"):
        for _ in range(2):
            try:
                await service.authenticate(client_ip="2001:db8::1", username=name, password=WRONG)
                results.append("ok")
            except (LoginFailed, LoginThrottled) as exc:
                results.append(type(exc).__name__)
    assert results == ["LoginFailed"] * 5 + ["LoginThrottled"] * 3
    with pytest.raises(LoginThrottled):  # the same /64
        await service.authenticate(client_ip="2001:db8::ffff", username="budi", password=PW)
    assert await service.authenticate(client_ip="2001:db9::1", username="budi", password=PW) == made


async def test_the_global_ceiling_stops_every_login_and_warns(sessions, audit, settings, caplog):
    service = _service(sessions, audit, settings, login_limits=LoginLimits(per_source=5, per_ip=5, ceiling=3))
    await service.create(username="budi", role="admin", password=PW, actor="test")
    for i in range(2):
        with pytest.raises(LoginFailed):
            await service.authenticate(client_ip=f"10.1.0.{i}", username="budi", password=WRONG)
    with pytest.raises(LoginThrottled):
        await service.authenticate(client_ip="10.1.0.9", username="budi", password=WRONG)
    with pytest.raises(LoginThrottled):
        await service.authenticate(client_ip="10.2.0.1", username="budi", password=PW)
    warnings = [r for r in caplog.records if r.levelname == "WARNING" and "spraying" in r.getMessage()]
    assert len(warnings) == 1 and "budi" not in warnings[0].getMessage()


async def test_throttled_attempts_are_audited_and_check_nothing(service, audit):
    made = await service.create(username="budi", role="admin", password=PW, actor="test")
    for _ in range(6):
        with pytest.raises((LoginFailed, LoginThrottled)):
            await service.authenticate(client_ip=IP, username="budi", password=WRONG)
    reasons = [e.detail["reason"] for e in await audit.recent() if e.action == "auth.login_failed"]
    assert reasons == ["throttled", "password, now throttled", "password", "password", "password", "password"]
    assert all(e.target == made.actor for e in await audit.recent() if e.action == "auth.login_failed")


async def test_a_service_without_a_limiter_signs_no_one_in(sessions, audit, settings):
    service = _service(sessions, audit, settings, limiter=None)
    await service.create(username="budi", role="admin", password=PW, actor="test")
    with pytest.raises(RuntimeError):
        await service.authenticate(client_ip=IP, username="budi", password=PW)


# --- tokens ---
async def test_token_round_trip(service, settings):
    made = await service.create(username="kades.a", role="kades", password=PW, desa="16.02.03.2011", actor="test")
    token, expires_in = service.issue_token(made)
    assert expires_in == 30 * 60
    claims = jwt.decode(token, options={"verify_signature": False})
    assert claims["sub"] == str(made.id) and claims["role"] == "kades"
    assert claims["area"] == {"kecamatan": "16.02.03", "desa": "16.02.03.2011"}
    assert claims["exp"] - claims["iat"] == 30 * 60
    assert claims["sv"] == 0 and "sid" not in claims
    assert await service.decode_token(token) == made
    capped, seconds = service.issue_token(made, session_id="s1", not_after=utcnow() + timedelta(minutes=5))
    claims = jwt.decode(capped, options={"verify_signature": False})
    assert claims["sid"] == "s1" and claims["exp"] - claims["iat"] <= 5 * 60 and 0 < seconds <= 5 * 60
    assert (await service.verify_token(capped)).session_id == "s1"


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
        jwt.encode({k: v for k, v in claims.items() if k != "sv"}, service._key, algorithm="HS256"),  # no version
        jwt.encode({**claims, "sv": 1}, service._key, algorithm="HS256"),  # another version
        jwt.encode({**claims, "sid": 7}, service._key, algorithm="HS256"),  # a session id that is no text
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


async def test_a_disabled_accounts_token_stops_working_and_stays_dead(service):
    made = await service.create(username="budi", role="admin", password=PW, actor="test")
    token, _ = service.issue_token(made)
    await service.set_active(staff_id=made.id, active=False, actor="staff:1")
    with pytest.raises(InvalidToken):
        await service.decode_token(token)
    await service.set_active(staff_id=made.id, active=True, actor="staff:1")
    with pytest.raises(InvalidToken):  # enabling again does not bring it back (F16)
        await service.decode_token(token)


async def test_sign_out_everywhere_and_logout(service, audit):
    made = await service.create(username="budi", role="admin", password=PW, actor="test")
    api_token, _ = service.issue_token(made)
    first, second = service.new_session_id(), service.new_session_id()
    assert first != second and len(first) >= 32
    one, _ = service.issue_token(made, session_id=first)
    two, _ = service.issue_token(made, session_id=second)
    await service.end_session(session_id=first, until=utcnow() + timedelta(hours=1))
    await service.end_session(session_id=first, until=utcnow() + timedelta(hours=1))  # twice is harmless
    with pytest.raises(InvalidToken):
        await service.decode_token(one)
    assert await service.decode_token(two) == made and await service.decode_token(api_token) == made
    await service.sign_out_everywhere(staff_id=made.id, actor="staff:9")
    for token in (two, api_token):
        with pytest.raises(InvalidToken):
            await service.decode_token(token)
    with pytest.raises(StaffError):
        await service.sign_out_everywhere(staff_id=999, actor="staff:9")
    entry = next(e for e in await audit.recent() if e.action == "staff.sign_out_everywhere")
    assert (entry.actor, entry.target) == ("staff:9", made.actor)


async def test_expired_revocations_are_purged(service, sessions):
    from sqlalchemy import func, select

    from storage.models import RevokedSession

    await service.end_session(session_id="old", until=utcnow() - timedelta(seconds=1))
    await service.end_session(session_id="new", until=utcnow() + timedelta(hours=1))
    async with sessions() as s:
        assert await s.scalar(select(func.count()).select_from(RevokedSession)) == 1


# --- changes made from the admin pages ---
async def test_accounts_lists_every_account_without_its_password(service):
    await service.create(username="budi", role="admin", password=PW, actor="test")
    await service.create(username="ani", role="camat", password=PW, kecamatan="16.02.05", actor="test")
    listed = await service.accounts()
    assert [(a.username, a.role, a.kecamatan_code, a.active) for a in listed] == [
        ("ani", "camat", "16.02.05", True), ("budi", "admin", None, True)]
    assert not hasattr(listed[0], "password_hash")


async def test_reset_password_replaces_it_ends_old_tokens_and_is_audited(service, audit):
    made = await service.create(username="budi", role="admin", password=PW, actor="test")
    old_token, _ = service.issue_token(await service.authenticate(client_ip=IP, username="budi", password=PW))
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
    with pytest.raises(InvalidToken):
        await service.decode_token(old_token)
    fresh = await service.authenticate(client_ip=IP, username="budi", password="sandi-baru-budi")
    assert fresh == made and fresh.session_version == 1
    assert await service.decode_token(service.issue_token(fresh)[0]) == made
    with pytest.raises(LoginFailed):
        await service.authenticate(client_ip=IP, username="budi", password=PW)
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
    await service.authenticate(client_ip=IP, username="budi", password=PW)
    with pytest.raises(LoginFailed):
        await service.authenticate(client_ip=IP, username="budi", password="salah-salah-salah")
    with pytest.raises(LoginFailed):
        await service.authenticate(client_ip=IP, username="rahasiaku-123", password=PW)  # a password in the wrong box
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
