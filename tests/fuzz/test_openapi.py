"""The staff API (/api/v1) fuzzed from its own OpenAPI document with schemathesis, in process.

- Signed in as an admin (every role, every area), every operation on generated input (schemathesis'
  coverage cases, every constraint of every parameter met at its bounds and broken in turn, then
  random valid requests): never a 5xx, an answer the document declares (status code, content type,
  body schema, headers), and an answer given to the token is refused without it (`ignored_auth`).
- Without a token, with a garbage one and with an expired one, every operation the routes say needs
  a signed-in staff member answers 401 with `WWW-Authenticate: Bearer`, whatever the request holds
  (a malformed body included; a method the path does not have is a 405). Which operations those
  are is read from the routes' dependencies (`staff_routes` in tests/security/world.py), so a route
  added later is covered by itself, and the document's `security` marks are held against that list.

Random data rarely gets past the checks at the top of a handler, so schemathesis' fuzz dictionaries
mix in, for every parameter and body field the document has, values that do (a valid NIK, a desa
of OKI, a recent date, a workflow status, a coverage list) and values that break databases rather
than rules (NUL, which PostgreSQL refuses in text; integers past 64 bits; a year past 9999). Half
the positive cases with a path name the world's real report, document, import, announcement and
contact instead of generated ids, so the handlers behind the 404 get fuzzed too, and a quarter put a
NUL in the path's text, which schemathesis itself never does.

The app runs on the suite's database (PostgreSQL in CI), its lifespan started by schemathesis' ASGI
transport on an operation's first request and ended by its pytest plugin after the test. One
populated world (tests/security/world.py) serves the module. With CI=true the examples are the same
every run (a fixed seed, `deterministic`, no example database); locally they vary, and failures
replay from .hypothesis/.
"""
from __future__ import annotations

import shutil
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta

import httpx
import pytest
import schemathesis
from fastapi import FastAPI
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    ignored_auth,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from bot.app import create_app
from bot.config import Settings
from services.santunan import STATUSES, WIB
from tests.conftest import PG_URL, REDIS_URL, _flush, _truncate, run_async
from tests.fuzz import IN_CI
from tests.security.world import API_PUBLIC, KAG, SUKADANA, build_world, staff_routes
from tests.services.test_coverage import _csv

SECRET = "test-secret-key-" + "x" * 32
# Values that break storage rather than rules: NUL (PostgreSQL refuses it in text), percent and SQL
# look-alikes, astral and blank text
NASTY = ["\x00", "a\x00b", "%00", "' OR 1=1 --", "𝕆𝕂𝕀 ☃", " ", "../../etc/passwd"]
NUMBERS = [0, -1, 2**31, 2**63 - 1, 2**63, -(2**63) - 1, 2**64]  # past int4, int8, and SQLite's INTEGER
_TODAY = datetime.now(WIB).date()
# Inputs a handler checks before it gets far, with values that pass (and a few that must not)
KNOWN = {
    "deceased_nik": [f"16020157088500{n:02d}" for n in range(4, 16)] + ["16.0201.570885.0016"],
    "date_of_death": [str(_TODAY), str(_TODAY - timedelta(days=1))],
    "kecamatan": [KAG, "Kayu Agung", "kayuagung"],
    "desa": [SUKADANA, "Sukadana"],
    "kk_number": ["1602011203150001"],
    "heir_phone": ["+6281234567890", "0812-3456-7890"],
    "to": list(STATUSES),
    "at": ["2030-01-01T09:00:00+07:00", "2000-01-01T00:00:00Z", "9999-12-31T23:59:59-01:00"],  # the last: year 10000
    # the world's announcement and the ones POST /announcements makes before the others run
    "announcement_id": list(range(1, 41)) + NUMBERS,
    "file": [_csv().decode(), _csv().decode().replace(",", ";"), _csv().decode().replace("SITI", "SI\x00TI")],
}


def _document() -> tuple[dict, set[tuple[str, str]]]:
    """The app's OpenAPI document and the (METHOD, path) of every staff-API route that needs a
    signed-in staff member, both from an app that is built but never started."""
    app = create_app(Settings(_env_file=None, database_url="sqlite+aiosqlite://", redis_url="", secret_key=SECRET))
    secured = {(r.method, r.path) for r in staff_routes(app) if r.surface == "api" and r.signed_in}
    return app.openapi(), secured


def _inputs(document: dict) -> dict[str, str]:
    """Every parameter and top-level body field (JSON, form, upload) of the staff API that takes
    text or a whole number, as schemathesis names it (`query.q`, `path.reference`, `body.note`),
    with its JSON type."""
    models = document["components"]["schemas"]
    found: dict[str, str | None] = {}
    for path, item in document["paths"].items():
        for operation in item.values() if path.startswith("/api/v1/") else ():
            fields = {f"{p['in']}.{p['name']}": p["schema"] for p in operation.get("parameters", [])}
            for content in operation.get("requestBody", {}).get("content", {}).values():
                body = content["schema"]
                for option in [body, *body.get("anyOf", [])]:
                    model = models.get(option.get("$ref", "").rsplit("/", 1)[-1], option)
                    fields |= {f"body.{name}": field for name, field in model.get("properties", {}).items()}
            for key, field in fields.items():
                types = {option.get("type") for option in [field, *field.get("anyOf", [])]}
                found[key] = found.get(key) or next((t for t in ("string", "integer") if t in types), None)
    return {key: kind for key, kind in found.items() if kind}


def _binding(key: str, kind: str) -> dict:
    name = key.split(".", 1)[1]
    if name in KNOWN:  # mostly in a body, which the handler checks whole; a filter is fuzzed more
        return {"dictionary": f"known_{name}", "probability": 0.95 if key.startswith("body.") else 0.5}
    return {"dictionary": "nasty" if kind == "string" else "numbers", "probability": 0.25}


DOCUMENT, SECURED = _document()
TEXT_IN_PATHS = {key.split(".", 1)[1] for key, kind in _inputs(DOCUMENT).items() if key.startswith("path.")
                 and kind == "string"}


def _config(max_examples: int, fuzz: str) -> schemathesis.Config:
    """Per operation: the schema's examples, the coverage phase's cases (every constraint met at its
    bounds and broken in turn), then `max_examples` random requests, valid or not as `fuzz` says."""
    return schemathesis.Config.from_dict({
        **({"seed": 8_2025} if IN_CI else {}),
        "suppress-health-check": ["too_slow"],  # as tests/fuzz/__init__.py: CI machines vary
        "dictionaries": {"nasty": {"values": NASTY}, "numbers": {"values": NUMBERS},
                         **{f"known_{name}": {"values": values} for name, values in KNOWN.items()}},
        "parameters": {key: _binding(key, kind) for key, kind in sorted(_inputs(DOCUMENT).items())},
        "phases": {"fuzzing": {"generation": {"mode": fuzz}}},
        "generation": {
            "max-examples": max_examples,
            # the token is the test's to give (or withhold), not a generated header
            "with-security-parameters": False,
            **({"deterministic": True, "database": "none"} if IN_CI else {}),
        },
    })


# Signed in, invalid input is the coverage phase's: every constraint of every parameter broken in
# turn; random examples are valid ones, which get further into the handlers.
schema = schemathesis.openapi.from_dict(DOCUMENT, config=_config(25, "positive")).include(path_regex=r"^/api/v1/")
# Signed out, nothing gets far, so fewer examples say as much; malformed bodies matter most there.
signed_out = schemathesis.openapi.from_dict(DOCUMENT, config=_config(12, "all")).include(
    lambda ctx: (ctx.operation.method.upper(), ctx.operation.path) in SECURED)
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance,
          response_headers_conformance, ignored_auth]


@dataclass(frozen=True)
class Fuzzed:
    """The app under test (not started: schemathesis starts its lifespan), a real value for each
    path parameter, and the Authorization headers the tests send."""

    app: FastAPI
    params: dict[str, str]
    admin: dict[str, str]
    refused: dict[str, dict[str, str]]  # what gets 401: no token, a garbage one, an expired one


async def _populate(settings: Settings) -> tuple[dict[str, str], dict[str, str], dict[str, str]]:
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as c:
            c.app = app  # type: ignore[attr-defined]
            world = await build_world(c)
    return world.params, world.bearer("admin"), world.expired_bearer("admin")


@pytest.fixture(scope="module")
def fuzzed(request, tmp_path_factory) -> Iterator[Fuzzed]:
    """As tests/conftest.py's `settings`, once for the module: the world takes a second to build,
    and each operation is its own test."""
    root = tmp_path_factory.mktemp("openapi")
    if PG_URL:
        url = request.getfixturevalue("_pg_migrated")
        run_async(_truncate(url))
    else:
        shutil.copy(request.getfixturevalue("sqlite_template"), root / "layanan.db")
        url = f"sqlite+aiosqlite:///{root / 'layanan.db'}"
    if REDIS_URL:
        run_async(_flush(REDIS_URL))
    # no second person needed to send an announcement, so the fuzzed drafts get sent too
    settings = Settings(_env_file=None, database_url=url, redis_url=REDIS_URL, data_dir=root, secret_key=SECRET,
                        broadcast_quiet_hours="", broadcast_canary_percent=0, broadcast_require_approval=False)
    params, admin, expired = run_async(_populate(settings))
    yield Fuzzed(app=create_app(settings), params=params, admin=admin,
                 refused={"no": {}, "a garbage": {"Authorization": "Bearer bukan.token.sah"}, "an expired": expired})


def _retarget(case, params: dict[str, str]) -> None:
    """Point a positive case's path elsewhere, by a digest of the generated path (so the same cases
    every run): in half of them at the world's real records, so the handlers behind the 404 get
    fuzzed too; in a quarter, a NUL into each text in it, which schemathesis never sends in a path
    (many servers drop it) but uvicorn passes on as `%00`. A value from a dictionary stays."""
    if not case.path_parameters or case.meta is None or case.meta.generation.mode != GenerationMode.POSITIVE:
        return
    choice = zlib.crc32(repr(sorted(case.path_parameters.items())).encode()) % 4
    drawn = {d.parameter_name for d in case.meta.dictionary_draws if d.parameter_location == "path"}
    if choice < 2:
        for name in case.path_parameters.keys() & params.keys() - drawn:
            case.path_parameters[name] = params[name]
    elif choice == 2:
        for name in case.path_parameters.keys() & TEXT_IN_PATHS - drawn:
            case.path_parameters[name] = "%00"


def test_the_document_marks_exactly_the_routes_that_need_a_token():
    api = {(method.upper(), path): operation for path, item in DOCUMENT["paths"].items()
           if path.startswith("/api/v1/") for method, operation in item.items()}
    assert len(SECURED) >= 18, SECURED  # the listing found the routers
    assert {key for key, operation in api.items() if operation.get("security")} == SECURED
    assert {path for _, path in api.keys() - SECURED} == API_PUBLIC  # only the sign-in goes without a token
    inputs = _inputs(DOCUMENT)  # each gets a dictionary
    assert {"body.note", "body.user_id", "body.file", "body.username", "query.q", "path.reference"} <= inputs.keys()
    assert inputs["path.announcement_id"] == "integer" and inputs["query.status"] == "string"


@schema.parametrize()
def test_signed_in_every_operation_answers_as_documented_and_never_5xx(case, fuzzed):
    _retarget(case, fuzzed.params)
    case.call_and_validate(app=fuzzed.app, headers=dict(fuzzed.admin), checks=CHECKS)


@signed_out.parametrize()
def test_without_a_valid_token_every_secured_operation_answers_401(case, fuzzed):
    _retarget(case, fuzzed.params)
    # the coverage phase also tries methods the path does not have: those are a 405 to anybody
    expected = 401 if case.method.upper() == case.operation.method.upper() else 405
    for what, headers in fuzzed.refused.items():
        response = case.call(app=fuzzed.app, headers=dict(headers))
        challenge = response.headers.get("www-authenticate")
        assert response.status_code == expected and (expected == 405 or challenge == ["Bearer"]), (
            f"{case.method} {case.formatted_path} with {what} token: {response.status_code} {response.text[:200]}")
