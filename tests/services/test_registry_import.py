"""Importing the coverage list: formats, validation, idempotent upserts, privacy."""
from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlalchemy import select, text

from services.audit import Audit
from services.privacy import NikHasher
from services.registry_import import ImportFailed, RegistryImporter
from services.wilayah import load_wilayah
from storage.db import make_engine, make_sessionmaker
from storage.models import AuditEntry, RegistryEntry
from storage.registry import Registry

HEADER = ["nik", "nama", "tanggal_lahir", "kpj", "kategori", "program", "kecamatan", "desa", "mulai", "akhir",
          "status"]
SITI = ["1602015708850003", "SITI AMINAH", "1985-08-17", "25012345678", "perangkat desa", "JKK,JKM", "Kayu Agung",
        "Sukadana", "2025-01-01", "2025-12-31", "aktif"]
BUDI = ["1602031203900001", "BUDI SANTOSO", "12-03-1990", "", "pekerja rentan", "", "pedamaran", "", "01/01/2025",
        "31/12/2026", ""]


def _csv(rows, header=HEADER, delimiter=",", bom=False) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter)
    writer.writerow(header)
    writer.writerows(rows)
    return (("\ufeff" if bom else "") + out.getvalue()).encode()


@pytest.fixture
async def env(db_url):
    engine = make_engine(db_url)
    sessions = make_sessionmaker(engine)
    registry = Registry(sessions)
    importer = RegistryImporter(registry=registry, wilayah=load_wilayah(), hasher=NikHasher("k" * 40),
                                audit=Audit(sessions))
    yield importer, registry, engine
    await engine.dispose()


async def _rows(engine) -> list[RegistryEntry]:
    async with engine.connect() as conn:
        return list(await conn.execute(select(RegistryEntry).order_by(RegistryEntry.name)))


async def test_import_then_reimport_changes_only_what_changed(env):
    importer, _, engine = env
    first = await importer.run(source=_csv([SITI, BUDI]), filename="a.csv", actor="cli")
    assert (first.new, first.updated, first.unchanged, sum(first.rejected.values())) == (2, 0, 0, 0)
    again = await importer.run(source=_csv([SITI, BUDI]), filename="a.csv", actor="cli")
    assert (again.new, again.updated, again.unchanged) == (0, 0, 2)
    changed = [*SITI[:10], "nonaktif"]
    third = await importer.run(source=_csv([changed, BUDI]), filename="a.csv", actor="cli")
    assert (third.new, third.updated, third.unchanged) == (0, 1, 1)
    budi, siti = await _rows(engine)
    assert siti.status == "nonaktif" and siti.kecamatan_code == "16.02.05" and siti.desa_code == "16.02.05.1008"
    assert budi.programmes == "JKK,JKM" and budi.status == "aktif" and str(budi.end_date) == "2026-12-31"
    assert siti.nik_masked == "160201******0003" and siti.kpj_masked == "25******678" and budi.kpj_masked is None


async def test_nik_is_never_stored_in_the_clear(env, db_url):
    importer, _, engine = env
    await importer.run(source=_csv([SITI, BUDI]), filename="a.csv", actor="cli")
    async with engine.connect() as conn:
        for table in ("registry", "registry_imports", "audit_log"):
            dump = json.dumps([list(map(str, r)) for r in await conn.execute(text(f"SELECT * FROM {table}"))])
            assert "1602015708850003" not in dump and "25012345678" not in dump, table


@pytest.mark.parametrize("delimiter,bom", [(";", False), (",", True), (";", True)])
async def test_semicolons_and_bom(env, delimiter, bom):
    importer, _, _ = env
    header = ["NIK", "Nama Lengkap", "Tanggal Lahir", "KPJ", "Kategori", "Program", "Kecamatan", "Desa", "Mulai",
              "Akhir", "Status"]
    summary = await importer.run(source=_csv([SITI], header, delimiter, bom), filename="b.csv", actor="cli")
    assert summary.new == 1 and not summary.rejected


async def test_xlsx(env, tmp_path: Path):
    importer, _, engine = env
    book = Workbook()
    sheet = book.active
    sheet.append(HEADER)
    from datetime import date

    sheet.append([SITI[0], SITI[1], date(1985, 8, 17), SITI[3], *SITI[4:8], date(2025, 1, 1), date(2025, 12, 31),
                  "aktif"])
    path = tmp_path / "daftar.xlsx"
    book.save(path)
    summary = await importer.run(source=path.read_bytes(), filename="daftar.xlsx", actor="cli")
    assert summary.new == 1 and not summary.rejected
    [row] = await _rows(engine)
    assert str(row.birth_date) == "1985-08-17"


async def test_bad_rows_are_rejected_with_reasons_and_masked(env):
    importer, registry, engine = env
    bad = [
        ["160201570885000", *SITI[1:]],  # 15 digits
        ["1602019908850003", *SITI[1:]],  # impossible date
        ["9902015708850003", *SITI[1:]],  # unknown region
        [SITI[0], "", *SITI[2:]],
        ["1602031203900001", "BUDI", "31-02-1990", *SITI[3:]],
        ["1602031203900002", "BUDI", "1990-03-12", "123", *SITI[4:]],
        ["1602031203900003", "BUDI", "1990-03-12", "", "", *SITI[5:]],
        ["1602031203900004", "BUDI", "1990-03-12", "", "x", "JKK,XYZ", *SITI[6:]],
        ["1602031203900005", "BUDI", "1990-03-12", "", "x", "", "Palembang", "", *SITI[8:]],
        ["1602031203900006", "BUDI", "1990-03-12", "", "x", "", "Kayu Agung", "Sukaraja", *SITI[8:]],
        ["1602031203900007", "BUDI", "1990-03-12", "", "x", "", "Kayu Agung", "", "2025-12-31", "2025-01-01", ""],
        ["1602031203900008", "BUDI", "1990-03-12", "", "x", "", "Kayu Agung", "", "2025-01-01", "2025-13-01", ""],
        ["1602031203900009", "BUDI", "1990-03-12", "", "x", "", "Kayu Agung", "", "2025-01-01", "2025-12-01", "?"],
        SITI, SITI,  # a duplicate inside one file: the first is kept
    ]
    summary = await importer.run(source=_csv(bad), filename="c.csv", actor="cli")
    assert summary.new == 1
    assert dict(summary.rejected) == {
        "nik_panjang": 1, "nik_tanggal": 1, "nik_wilayah": 1, "nama_kosong": 1, "tanggal_lahir_salah": 1,
        "kpj_salah": 1, "kategori_kosong": 1, "program_salah": 1, "kecamatan_tidak_dikenal": 1,
        "desa_tidak_dikenal": 1, "periode_terbalik": 1, "akhir_salah": 1, "status_salah": 1, "nik_ganda": 1}
    rejected = list(csv.DictReader(io.StringIO(summary.rejected_csv)))
    assert [r["baris"] for r in rejected][:2] == ["2", "3"] and rejected[-1]["nik"] == "160201******0003"
    assert "1602015708850003" not in summary.rejected_csv and "1602031203900002" not in summary.rejected_csv
    stored = await registry.get_import(summary.import_id)
    assert stored.rejected_csv == summary.rejected_csv


async def test_birth_date_differing_from_the_nik_is_a_warning(env):
    importer, _, _ = env
    summary = await importer.run(source=_csv([[*SITI[:2], "1985-08-18", *SITI[3:]]]), filename="d.csv", actor="cli")
    assert summary.new == 1 and summary.warnings["tanggal_lahir_beda_nik"] == 1


async def test_a_nik_from_outside_oki_is_accepted(env):
    importer, _, _ = env
    palembang = ["1671015708850003", *SITI[1:]]  # 16.71 Palembang: NIKs do not change when people move
    assert (await importer.run(source=_csv([palembang]), filename="e.csv", actor="cli")).new == 1


async def test_dry_run_writes_nothing_but_the_report(env):
    importer, registry, engine = env
    summary = await importer.run(source=_csv([SITI, BUDI]), filename="f.csv", actor="cli", dry_run=True)
    assert summary.new == 2 and await registry.count() == 0
    assert (await registry.get_import(summary.import_id)).dry_run
    async with engine.connect() as conn:
        actions = [r.action for r in await conn.execute(select(AuditEntry))]
    assert actions == ["registry.dry_run"]


@pytest.mark.parametrize("data,message", [(b"", "kosong"), (b"nik,nama\n1,2\n", "kolom wajib"),
                                          (b"\xff\xfe\x00", "UTF-8")])
async def test_unreadable_files_fail_as_a_whole(env, data, message):
    importer, registry, _ = env
    with pytest.raises(ImportFailed, match=message):
        await importer.run(source=data, filename="g.csv", actor="cli")
    assert await registry.count() == 0
