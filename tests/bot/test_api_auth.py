"""The staff API's sign-in over HTTP (token, /auth/me, role and area checks) and `create-staff`."""
from __future__ import annotations

import asyncio
import base64
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Annotated

import pytest
from fastapi import Depends, HTTPException

from bot.api.deps import CurrentStaff, check_area, require_roles
from services.audit import Audit
from services.staff import StaffInfo, StaffService
from services.wilayah import load_wilayah
from storage.db import make_engine, make_sessionmaker
from storage.ratelimit import SqlRateLimiter

ROOT = Path(__file__).resolve().parents[2]
PW = "kata-sandi-rahasia"
TOKEN_URL = "/api/v1/auth/token"


async def _staff(client, username: str, role: str = "admin", **area) -> StaffInfo:
    service: StaffService = client.app.state.runtime.staff
    return await service.create(username=username, role=role, password=PW, actor="test", **area)


async def _login(client, username: str, password: str = PW):
    return await client.post(TOKEN_URL, data={"username": username, "password": password, "grant_type": "password"})


async def _token(client, username: str) -> dict[str, str]:
    r = await _login(client, username)
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


async def test_token_and_me(client):
    made = await _staff(client, "kades.a", "kades", desa="16.02.03.2011")
    r = await _login(client, "kades.a")
    assert r.status_code == 200 and r.headers["cache-control"] == "no-store"
    body = r.json()
    assert body["token_type"] == "bearer" and body["expires_in"] == 1800 and body["access_token"].count(".") == 2
    me = await client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {body['access_token']}"})
    assert me.status_code == 200
    assert me.json() == {"id": made.id, "username": "kades.a", "role": "kades", "kecamatan_code": "16.02.03",
                         "desa_code": "16.02.03.2011"}


async def test_wrong_credentials_get_401_and_look_alike(client):
    await _staff(client, "budi")
    wrong = await _login(client, "budi", "salah-salah-salah")
    unknown = await _login(client, "nobody")
    for r in (wrong, unknown):
        assert r.status_code == 401 and r.headers["www-authenticate"] == "Bearer"
        assert r.json() == {"detail": "Nama pengguna atau kata sandi salah"}
    assert (await client.post(TOKEN_URL, data={"username": "budi"})).status_code == 422


async def test_repeated_failures_get_429_with_retry_after(client):
    await _staff(client, "budi")
    codes = [(await _login(client, "budi", "salah-salah-salah")).status_code for _ in range(5)]
    assert codes == [401, 401, 401, 401, 429]
    r = await _login(client, "budi")  # the right password, while locked
    assert r.status_code == 429 and 0 < int(r.headers["retry-after"]) <= 900
    assert "coba lagi" in r.json()["detail"]


def _forge(token: str, **changes) -> str:
    """The token with its payload changed and its signature kept."""
    header, payload, signature = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    forged = base64.urlsafe_b64encode(json.dumps({**claims, **changes}).encode()).rstrip(b"=").decode()
    return f"{header}.{forged}.{signature}"


async def test_me_needs_a_valid_token(client):
    await _staff(client, "camat.a", "camat", kecamatan="16.02.05")
    token = (await _token(client, "camat.a"))["Authorization"].split()[1]
    for headers in [{}, {"Authorization": "Bearer"}, {"Authorization": "Bearer abc"},
                    {"Authorization": f"Basic {token}"},
                    {"Authorization": f"Bearer {_forge(token, role='admin', area={'kecamatan': None, 'desa': None})}"},
                    {"Authorization": f"Bearer {_forge(token, exp=4102444800)}"},
                    {"Authorization": f"Bearer {token[:-2]}{'AA' if token[-2:] != 'AA' else 'BB'}"}]:
        r = await client.get("/api/v1/auth/me", headers=headers)
        assert r.status_code == 401, headers
        assert r.headers["www-authenticate"] == "Bearer"


async def test_a_disabled_account_is_shut_out_at_once(client):
    made = await _staff(client, "budi")
    headers = await _token(client, "budi")
    await client.app.state.runtime.staff.set_active(staff_id=made.id, active=False, actor="test")
    assert (await client.get("/api/v1/auth/me", headers=headers)).status_code == 401
    assert (await _login(client, "budi")).status_code == 401


Casework = Annotated[StaffInfo, Depends(require_roles("admin", "dinsos", "camat", "kades"))]


async def test_role_and_area_checks(client):
    async def record(kecamatan: str, staff: Casework, desa: str | None = None) -> dict:
        check_area(staff, kecamatan_code=kecamatan, desa_code=desa)
        return {"ok": staff.username}

    async def anyone(staff: CurrentStaff) -> dict:
        return {"ok": staff.username}

    client.app.add_api_route("/test/record/{kecamatan}", record)
    client.app.add_api_route("/test/anyone", anyone)
    await _staff(client, "humas.a", "humas")
    await _staff(client, "camat.a", "camat", kecamatan="16.02.05")
    await _staff(client, "kades.a", "kades", desa="16.02.05.2013")
    humas, camat, kades = [await _token(client, u) for u in ("humas.a", "camat.a", "kades.a")]
    cases = [
        (humas, "/test/anyone", 200), (humas, "/test/record/16.02.05", 403), (None, "/test/record/16.02.05", 401),
        (camat, "/test/record/16.02.05", 200), (camat, "/test/record/16.02.03", 403),
        (camat, "/test/record/16.02.05?desa=16.02.05.2001", 200),
        (kades, "/test/record/16.02.05?desa=16.02.05.2013", 200),
        (kades, "/test/record/16.02.05?desa=16.02.05.2001", 403), (kades, "/test/record/16.02.05", 403),
    ]
    for headers, url, status in cases:
        r = await client.get(url, headers=headers or {})
        assert r.status_code == status, (url, r.text)
    assert r.json() == {"detail": "Data ini di luar wilayah Anda"}


def test_require_roles_knows_the_roles():
    with pytest.raises(ValueError):
        require_roles("boss")
    with pytest.raises(ValueError):
        require_roles()
    with pytest.raises(HTTPException) as exc:
        check_area(StaffInfo(1, "k", "kades", "16.02.05", "16.02.05.2013"), kecamatan_code="16.02.03", desa_code=None)
    assert exc.value.status_code == 403


# --- python -m bot create-staff ---
def _cli(args: list[str], env: dict[str, str], stdin: str) -> subprocess.CompletedProcess:
    full = {"PATH": os.environ["PATH"], "PYTHONPATH": str(ROOT), **env}
    return subprocess.run([sys.executable, "-m", "bot", "create-staff", *args, "--password-stdin"], cwd=ROOT,
                          env=full, input=stdin, capture_output=True, text=True, timeout=60)


async def _can_log_in(url: str, username: str, password: str) -> StaffInfo:
    engine = make_engine(url)
    try:
        sessions = make_sessionmaker(engine)
        service = StaffService(sessions=sessions, wilayah=load_wilayah(), audit=Audit(sessions),
                               secret_key="k" * 32, limiter=SqlRateLimiter(sessions))
        return await service.authenticate(username=username, password=password, client_ip="127.0.0.1")
    finally:
        await engine.dispose()


def test_create_staff_cli(sqlite_url, tmp_path):
    env = {"DATABASE_URL": sqlite_url, "DATA_DIR": str(tmp_path)}
    r = _cli(["kades.b", "--role", "kades", "--kecamatan", "Pedamaran", "--desa", "Sukaraja"], env, PW + "\nignored\n")
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == ("staff account kades.b created (role kades, area desa Sukaraja (16.02.03.2011), "
                                "kecamatan Pedamaran)")
    assert PW not in r.stdout + r.stderr
    info = asyncio.run(_can_log_in(sqlite_url, "kades.b", PW))
    assert (info.kecamatan_code, info.desa_code) == ("16.02.03", "16.02.03.2011")
    again = _cli(["kades.b", "--role", "admin"], env, PW + "\n")
    assert again.returncode == 1 and "exists" in again.stderr
    vague = _cli(["kades.c", "--role", "kades", "--desa", "Sukaraja"], env, PW + "\n")
    assert vague.returncode == 1 and "16.02.19.2006" in vague.stderr
    short = _cli(["budi", "--role", "admin"], env, "pendek\n")
    assert short.returncode == 1 and "password" in short.stderr
    weak = _cli(["budi.santoso", "--role", "admin"], env, "budi.santoso123\n")
    assert weak.returncode == 1 and "password is too easy to guess" in weak.stderr
