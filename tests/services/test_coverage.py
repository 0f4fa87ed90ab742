"""The coverage lookup with the real registry, audit and rate limiter, and the whole chat turn on
both state backends."""
from __future__ import annotations

import csv
import io
import json

import httpx
import pytest
from redis.asyncio import Redis
from sqlalchemy import select

from bot.app import create_app
from services.audit import Audit
from services.coverage import Coverage, RateLimited
from services.privacy import NikHasher
from services.registry_import import RegistryImporter
from services.wilayah import load_wilayah
from storage.db import make_engine, make_sessionmaker
from storage.models import AuditEntry
from storage.ratelimit import RedisRateLimiter, SqlRateLimiter
from storage.registry import Registry
from tests.conftest import chat

ROWS = [["1602015708850003", "SITI AMINAH", "1985-08-17", "25012345678", "perangkat desa", "JKK,JKM", "Kayu Agung",
         "Sukadana", "2025-01-01", "2099-12-31", "aktif"],
        ["1602031203900001", "MUHAMMAD RIZKI", "1990-03-12", "", "pekerja rentan", "", "Pedamaran", "",
         "2025-01-01", "2099-12-31", "aktif"]]


def _csv() -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["nik", "nama", "tanggal_lahir", "kpj", "kategori", "program", "kecamatan", "desa", "mulai",
                     "akhir", "status"])
    writer.writerows(ROWS)
    return out.getvalue().encode()


async def _load(db_url: str, secret: str) -> None:
    engine = make_engine(db_url)
    sessions = make_sessionmaker(engine)
    importer = RegistryImporter(registry=Registry(sessions), wilayah=load_wilayah(), hasher=NikHasher(secret),
                                audit=Audit(sessions))
    await importer.run(source=_csv(), filename="x.csv", actor="cli")
    await engine.dispose()


@pytest.fixture(params=["sql", "redis"])
async def coverage(request, db_url):
    engine = make_engine(db_url)
    sessions = make_sessionmaker(engine)
    await _load(db_url, "k" * 40)
    redis = None
    if request.param == "redis":
        redis = Redis.from_url(request.getfixturevalue("redis_url"))
        limiter = RedisRateLimiter(redis)
    else:
        limiter = SqlRateLimiter(sessions)
    yield Coverage(registry=Registry(sessions), hasher=NikHasher("k" * 40), audit=Audit(sessions), limiter=limiter,
                   per_hour=3, per_day=4), engine
    if redis is not None:
        await redis.aclose()
    await engine.dispose()


async def test_lookup_outcomes_and_audit_by_hash(coverage):
    cov, engine = coverage
    hit = await cov.lookup(nik="1602015708850003", name="aminah siti", contact_id=1)
    assert hit.outcome == "covered" and hit.info.category == "perangkat desa" and hit.info.kpj_masked == "25******678"
    assert (await cov.lookup(nik="1602015708850003", name="Rizki", contact_id=1)).outcome == "name_mismatch"
    assert (await cov.lookup(nik="1602015708850004", name="Siti Aminah", contact_id=1)).outcome == "not_found"
    async with engine.connect() as conn:
        entries = list(await conn.execute(select(AuditEntry).where(AuditEntry.action == "coverage.lookup")))
    assert [json.loads(e.detail)["outcome"] for e in entries] == ["covered", "name_mismatch", "not_found"]
    assert all(e.actor == "contact:1" and e.target.startswith("registry:") for e in entries)
    assert all("1602015708850003" not in f"{e.target}{e.detail}" for e in entries)


async def test_lookups_are_limited_per_contact(coverage):
    cov, _ = coverage
    for _ in range(3):
        await cov.lookup(nik="1602015708850004", name="x y", contact_id=7)
    assert await cov.wait_before_lookup(contact_id=7) > 0
    with pytest.raises(RateLimited) as refused:
        await cov.lookup(nik="1602015708850003", name="Siti Aminah", contact_id=7)
    assert 0 < refused.value.retry_after <= 3600
    assert (await cov.lookup(nik="1602015708850003", name="Siti Aminah", contact_id=8)).outcome == "covered"


@pytest.mark.parametrize("backend", ["sql", "redis"])
async def test_the_chat_turns_on_both_state_backends(backend, settings, request):
    redis = request.getfixturevalue("redis_url") if backend == "redis" else ""
    settings = settings.model_copy(update={"redis_url": redis})
    await _load(settings.database_url, settings.secret_key)
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
            await chat(client, "w1", "cek bpjs")
            await chat(client, "w1", "1602 0157 0885 0003")
            [answer] = await chat(client, "w1", "Hj. Siti Aminah")
            assert "Perangkat Desa" in answer["text"] and "1602015708850003" not in answer["text"]
            for k in range(5):  # walking through NIKs stops at the limit
                await chat(client, "w2", "cek bpjs")
                await chat(client, "w2", f"160203120390{k + 2:04d}")
                await chat(client, "w2", "Coba Coba")
            [refusal] = await chat(client, "w2", "cek bpjs")
            assert refusal["text"].startswith("Demi keamanan data")
