"""Staff API bearer tokens, attacked over HTTP as the December security review did (rows 23-26):
hand-made and PyJWT-forged tokens against /api/v1. Each is 401 with `WWW-Authenticate: Bearer`,
while a control token with the true claims is 200. The key is derived from SECRET_KEY
(services/staff_tokens.py), so even the raw SECRET_KEY signs nothing that counts.

Kept elsewhere: the same forgeries one level down, on StaffService.decode_token
(tests/services/test_staff.py::test_bad_tokens_are_refused); a role changed with the original
signature kept (row 25) in tests/bot/test_api_auth.py::test_me_needs_a_valid_token; a disabled
account (row 27) in tests/bot/test_api_auth.py::test_a_disabled_account_is_shut_out_at_once."""
from __future__ import annotations

import base64
import json
from datetime import timedelta

import jwt
import pytest

from services.staff_tokens import AUDIENCE, TokenSigner
from storage.models import utcnow

KAG, PDM = "16.02.05", "16.02.03"
PASSWORD = "kata-sandi-rahasia"
ME = "/api/v1/auth/me"
ADMIN_ONLY = "/api/v1/contacts/1/data"  # an admin's route: a forged admin role must not reach it


def _b64(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def _claims(token: str) -> dict:
    return jwt.decode(token, options={"verify_signature": False})


def _unsigned(claims: dict, alg: str = "none") -> str:
    """A hand-made token with `alg` in its header and no signature."""
    return f"{_b64({'alg': alg, 'typ': 'JWT'})}.{_b64(claims)}."


@pytest.fixture
async def camat(client):
    rt = client.app.state.runtime
    me = await rt.staff.create(username="camat.kag", role="camat", password=PASSWORD, kecamatan=KAG, actor="test")
    admin = await rt.staff.create(username="admin1", role="admin", password=PASSWORD, actor="test")
    r = await client.post("/api/v1/auth/token", data={"username": "camat.kag", "password": PASSWORD})
    assert r.status_code == 200, r.text
    return {"token": r.json()["access_token"], "me": me, "admin": admin}


async def _refused(client, token: str, path: str = ME) -> bool:
    r = await client.get(path, headers={"Authorization": f"Bearer {token}"})
    return r.status_code == 401 and r.headers.get("www-authenticate") == "Bearer"


async def test_the_control_token_with_true_claims_works(client, camat):
    """Rows 23-26, the control: the token the sign-in issued is 200 and names the camat."""
    r = await client.get(ME, headers={"Authorization": f"Bearer {camat['token']}"})
    assert r.status_code == 200 and r.json()["username"] == "camat.kag"


async def test_alg_none_is_refused_tampered_or_not(client, camat):
    """Row 23: `alg: none` with the true claims, and with role admin and no area; `None` and
    `NONE` spellings too."""
    claims = _claims(camat["token"])
    admin = {**claims, "role": "admin", "area": {"kecamatan": None, "desa": None}}
    for token in (_unsigned(claims), _unsigned(admin), _unsigned(claims, "None"), _unsigned(admin, "NONE"),
                  jwt.encode(claims, None, algorithm="none")):
        assert await _refused(client, token), token
        assert await _refused(client, token, ADMIN_ONLY)


@pytest.mark.filterwarnings("ignore::jwt.warnings.InsecureKeyLengthWarning")  # HS512 with a 32-byte key
async def test_a_wrong_key_or_the_raw_secret_key_signs_nothing(client, camat, settings):
    """Row 24: HS256 with a wrong key, with the raw SECRET_KEY (the token key is derived from it),
    and the derived key under another algorithm (HS512)."""
    claims = _claims(camat["token"])
    derived = TokenSigner(secret_key=settings.secret_key, ttl=timedelta(minutes=30)).key
    for token in (jwt.encode(claims, "another-key-" + "y" * 32, algorithm="HS256"),
                  jwt.encode(claims, settings.secret_key, algorithm="HS256"),
                  jwt.encode(claims, settings.secret_key.encode(), algorithm="HS256"),
                  jwt.encode(claims, derived, algorithm="HS512")):
        assert await _refused(client, token)


async def test_a_changed_sub_under_the_original_signature_is_refused(client, camat):
    """Row 25: the payload's `sub` edited to the admin's id (and role with it), header and
    signature kept."""
    header, _, signature = camat["token"].split(".")
    claims = _claims(camat["token"])
    for changes in ({"sub": str(camat["admin"].id)},
                    {"sub": str(camat["admin"].id), "role": "admin", "area": {"kecamatan": None, "desa": None}},
                    {"aud": "something-else"}):
        forged = f"{header}.{_b64({**claims, **changes})}.{signature}"
        assert await _refused(client, forged), changes
        assert await _refused(client, forged, ADMIN_ONLY)


async def test_correctly_signed_tokens_with_false_claims_are_refused(client, camat, settings):
    """Row 26: signed with the derived key itself: role changed to admin, area changed to another
    kecamatan, expired, no `exp`, wrong `aud`, no `aud`, another account's `sub` with this
    account's role: 401 each, on /auth/me and on an admin route."""
    key = TokenSigner(secret_key=settings.secret_key, ttl=timedelta(minutes=30)).key
    claims = _claims(camat["token"])
    past = int((utcnow() - timedelta(hours=2)).timestamp())
    variants = {
        "role": {**claims, "role": "admin", "area": {"kecamatan": None, "desa": None}},
        "area": {**claims, "area": {"kecamatan": PDM, "desa": None}},
        "expired": {**claims, "iat": past - 1800, "exp": past},
        "no exp": {k: v for k, v in claims.items() if k != "exp"},
        "wrong aud": {**claims, "aud": "layanan-oki:something-else"},
        "no aud": {k: v for k, v in claims.items() if k != "aud"},
        "other sub": {**claims, "sub": str(camat["admin"].id)},
    }
    control = jwt.encode(claims, key, algorithm="HS256")
    assert not await _refused(client, control)  # the derived key with the true claims: accepted
    assert claims["aud"] == AUDIENCE
    for name, forged in variants.items():
        token = jwt.encode(forged, key, algorithm="HS256")
        assert await _refused(client, token), name
        assert await _refused(client, token, ADMIN_ONLY), name
