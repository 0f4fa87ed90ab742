"""The synthetic coverage list: valid, unique OKI NIKs that agree with the birth date and the sex of
the name, real desa inside their kecamatan, the import columns, determinism, and the CLI."""
from __future__ import annotations

import csv
import os
import subprocess
import sys
from collections import Counter
from datetime import date
from pathlib import Path

import pytest
from stdnum.id import nik as stdnum_nik

from services.demo import COLUMNS, FEMALE_FIRST, FEMALE_SECOND, MALE_FIRST, MALE_SECOND, registry_rows
from services.wilayah import load_wilayah

ROOT = Path(__file__).resolve().parents[2]
W = load_wilayah()
ROWS = list(registry_rows(count=5000, seed=7))


def _nik_date(nik: str) -> tuple[int, int, int]:
    return int(nik[6:8]), int(nik[8:10]), int(nik[10:12])


def test_columns_are_the_import_format():
    assert COLUMNS == ("nik", "nama", "tanggal_lahir", "kpj", "kategori", "program", "kecamatan", "desa", "mulai",
                       "akhir", "status")
    assert all(tuple(row) == COLUMNS for row in ROWS)
    assert len(ROWS) == 5000


def test_every_nik_is_valid_and_unique():
    assert all(stdnum_nik.is_valid(row["nik"]) for row in ROWS)
    assert len({row["nik"] for row in ROWS}) == len(ROWS)
    assert all(row["nik"].startswith("1602") and row["nik"][-4:] != "0000" for row in ROWS)


def test_nik_date_part_is_the_birth_date_and_ages_are_18_to_70():
    as_of = date(2025, 1, 1)
    for row in ROWS:
        born = date.fromisoformat(row["tanggal_lahir"])
        day, month, yy = _nik_date(row["nik"])
        assert (day % 40, month, yy) == (born.day, born.month, born.year % 100), row
        age = as_of.year - born.year - ((as_of.month, as_of.day) < (born.month, born.day))
        assert 18 <= age <= 70, row


def test_women_have_day_plus_40_and_names_match_the_sex():
    female_first, male_first = set(FEMALE_FIRST), set(MALE_FIRST)
    female_second, male_second = set(FEMALE_SECOND), set(MALE_SECOND)
    for row in ROWS:
        words = row["nama"].split()
        woman = _nik_date(row["nik"])[0] > 40
        assert words[0] in (female_first if woman else male_first), row
        assert words[-1] in (female_second if woman else male_second), row
    women = sum(_nik_date(row["nik"])[0] > 40 for row in ROWS)
    assert 0.3 < women / len(ROWS) < 0.6


def test_names_look_like_a_government_list():
    assert all(len(names) >= 80 for names in (MALE_FIRST, MALE_SECOND, FEMALE_FIRST, FEMALE_SECOND))
    assert not set(MALE_FIRST) & set(FEMALE_FIRST)
    for row in ROWS:
        words = row["nama"].split()
        assert row["nama"] == row["nama"].upper() and 2 <= len(words) <= 3 and len(set(words)) == len(words), row
    assert len({row["nama"] for row in ROWS}) > 0.8 * len(ROWS)
    assert 0.2 < sum(len(row["nama"].split()) == 3 for row in ROWS) / len(ROWS) < 0.5


def test_desa_is_inside_its_kecamatan_and_nik_carries_the_kecamatan_code():
    kec_by_name = {k.name: k for k in W.kecamatan}
    villages = {(v.parent_code, v.name) for v in W.villages}
    for row in ROWS:
        kec = kec_by_name[row["kecamatan"]]
        assert (kec.code, row["desa"]) in villages, row
        assert row["nik"][4:6] == kec.code.split(".")[2], row
    assert len({row["kecamatan"] for row in ROWS}) == 18


def test_other_columns():
    kategori = Counter(row["kategori"] for row in ROWS)
    assert set(kategori) == {"perangkat desa", "pekerja rentan", "RT/RW", "kelembagaan desa", "non-ASN"}
    assert kategori.most_common(1)[0][0] == "pekerja rentan"
    assert all(row["kpj"].isdigit() and len(row["kpj"]) == 11 for row in ROWS)
    assert len({row["kpj"] for row in ROWS}) == len(ROWS)
    assert {row["program"] for row in ROWS} == {"JKK,JKM"}
    assert {row["mulai"] for row in ROWS} == {"2025-01-01"}
    assert {row["akhir"] for row in ROWS} == {"2025-12-31", "2026-12-31"}
    status = Counter(row["status"] for row in ROWS)
    assert set(status) == {"aktif", "nonaktif"} and 0.92 < status["aktif"] / len(ROWS) < 0.98


def test_same_seed_same_rows_other_seed_other_rows():
    assert list(registry_rows(count=300, seed=7)) == ROWS[:300]
    assert list(registry_rows(count=300, seed=8)) != ROWS[:300]


def test_a_full_size_list_stays_unique():
    rows = list(registry_rows(count=120_000, seed=1))  # about 0.6 s; the brief's budget is 5 s
    assert len({row["nik"] for row in rows}) == len({row["kpj"] for row in rows}) == 120_000


@pytest.mark.parametrize("count", [0, 1])
def test_tiny_lists(count):
    assert len(list(registry_rows(count=count, seed=1))) == count


def test_cli_writes_the_csv(tmp_path):
    out = tmp_path / "registry.csv"
    env = {"PATH": os.environ.get("PATH", ""), "PYTHONPATH": str(ROOT), "DATA_DIR": str(tmp_path)}
    done = subprocess.run(
        [sys.executable, "-m", "bot", "demo-data", "registry", "--count", "500", "--out", str(out), "--seed", "3"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"wrote 500 rows to {out}"
    with out.open(encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f)
        assert tuple(reader.fieldnames or ()) == COLUMNS
        rows = list(reader)
    assert rows == list(registry_rows(count=500, seed=3))
