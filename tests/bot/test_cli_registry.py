"""`python -m bot import-registry` and `demo-data registry` from the command line."""
from __future__ import annotations

import csv
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _run(args, db_url, tmp_path):
    env = {"PATH": os.environ["PATH"], "PYTHONPATH": str(ROOT), "DATABASE_URL": db_url, "DATA_DIR": str(tmp_path)}
    return subprocess.run([sys.executable, "-m", "bot", *args], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=120)


def test_demo_data_then_dry_run_then_import_then_reimport(db_url, tmp_path):
    path = tmp_path / "daftar.csv"
    assert _run(["demo-data", "registry", "--count", "300", "--out", str(path), "--seed", "4"], db_url,
                tmp_path).returncode == 0
    with path.open("a", encoding="utf-8") as f:  # one row the importer must refuse
        f.write("1602015708850003,BUDI,1985-08-17,,x,,Palembang,,2025-01-01,2025-12-31,aktif\n")
    dry = _run(["import-registry", str(path), "--dry-run"], db_url, tmp_path)
    assert dry.returncode == 0 and "Uji (tidak ada yang disimpan): 301 baris; baru 300" in dry.stdout
    rejected = tmp_path / "ditolak.csv"
    first = _run(["import-registry", str(path), "--rejected-out", str(rejected)], db_url, tmp_path)
    assert "Impor selesai: 301 baris; baru 300, diperbarui 0, tidak berubah 0, ditolak 1." in first.stdout
    assert "kecamatan tidak ada di OKI: 1" in first.stdout
    [row] = list(csv.DictReader(rejected.open(encoding="utf-8")))
    assert row["baris"] == "302" and row["nik"] == "160201******0003"
    again = _run(["import-registry", str(path)], db_url, tmp_path)
    assert "baru 0, diperbarui 0, tidak berubah 300, ditolak 1." in again.stdout
    assert "1602015708850003" not in first.stdout + first.stderr + again.stdout + again.stderr


def test_a_file_without_required_columns_fails_with_one_line(db_url, tmp_path):
    path = tmp_path / "salah.csv"
    path.write_text("nik,nama\n1602015708850003,SITI\n", encoding="utf-8")
    r = _run(["import-registry", str(path)], db_url, tmp_path)
    assert r.returncode == 1 and "kolom wajib tidak ada: tanggal_lahir" in r.stderr
