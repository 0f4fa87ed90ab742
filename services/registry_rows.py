"""What staff read of an import besides its counts: the reasons a row is refused, the warnings on a
row that is kept, the rejected and warned rows as a CSV (NIK masked by the caller), and the
template to fill in."""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from services.sheets import csv_text

__all__ = ["CATEGORIES", "COLUMNS", "REASONS", "REQUIRED", "ROWS_HEADER", "WARNINGS", "rows_csv", "template_rows"]

REQUIRED = ("nik", "nama", "tanggal_lahir", "kategori", "kecamatan", "mulai", "akhir")
COLUMNS = (*REQUIRED, "kpj", "program", "desa", "status")

# reason code -> what staff read in the summary and in the rejected-rows CSV
REASONS = {
    "nik_kosong": "NIK kosong", "nik_bukan_angka": "NIK berisi selain angka",
    "nik_panjang": "NIK tidak 16 angka", "nik_tanggal": "tanggal di dalam NIK tidak mungkin",
    "nik_wilayah": "kode provinsi/kabupaten NIK tidak dikenal", "nik_ganda": "NIK muncul lebih dari sekali di file",
    "nama_kosong": "nama kosong", "tanggal_lahir_salah": "tanggal lahir tidak terbaca",
    "kpj_salah": "KPJ bukan 11 angka", "kategori_kosong": "kategori kosong",
    "program_salah": "program tidak dikenal (JKK, JKM, JHT, JP, JKP)",
    "kecamatan_tidak_dikenal": "kecamatan tidak ada di OKI", "desa_tidak_dikenal": "desa tidak ada di kecamatan itu",
    "mulai_salah": "tanggal mulai tidak terbaca", "akhir_salah": "tanggal akhir tidak terbaca",
    "periode_terbalik": "tanggal akhir sebelum tanggal mulai", "status_salah": "status bukan aktif/nonaktif",
}
# warning code -> what staff read: the row is kept, but someone should look at it
WARNINGS = {"tanggal_lahir_beda_nik": "tanggal lahir berbeda dari tanggal di NIK (tetap disimpan)",
            "kecamatan_ditebak": "nama kecamatan salah tulis, dibaca sebagai kecamatan terdekat (periksa)",
            "desa_ditebak": "nama desa salah tulis, dibaca sebagai desa terdekat (periksa)",
            "kategori_tidak_dikenal": "kategori di luar yang biasa dipakai (pekerja rentan, kelembagaan desa, "
                                      "perangkat desa, RT/RW, non-ASN); tetap disimpan, periksa"}
# the categories of the regency's coverage (DOMAIN-RESEARCH.md 1.1), as the import keeps them (lower case)
CATEGORIES = frozenset({"pekerja rentan", "kelembagaan desa", "perangkat desa", "rt/rw", "non-asn"})
ROWS_HEADER = ["baris", "nik", "nama", "jenis", "alasan", "keterangan"]  # the rejected and warned rows CSV
_EXAMPLE = {"nik": "1602015708850003", "nama": "SITI AMINAH", "tanggal_lahir": "1985-08-17",  # CONTRACT.md's
            "kategori": "perangkat desa", "kecamatan": "Kayu Agung", "mulai": "2025-01-01",
            "akhir": "2025-12-31", "kpj": "25012345678", "program": "JKK,JKM", "desa": "Sukadana", "status": "aktif"}


def rows_csv(lines: Iterable[tuple[int, str, str, str, str, str]]) -> str:
    """(row number, masked NIK, name, "ditolak" or "peringatan", reason, detail) lines as the CSV staff
    download, in file order."""
    rows: list[list[Any]] = [ROWS_HEADER]
    rows += [[n, nik, name[:120], kind, reason, detail] for n, nik, name, kind, reason, detail
             in sorted(lines, key=lambda line: line[0])]
    return csv_text(rows)  # the names come from the file: never a formula (services/sheets.py)


def template_rows() -> list[list[str]]:
    """The import template: the columns in CONTRACT.md's order (required first) and one example row."""
    return [list(COLUMNS), [_EXAMPLE[c] for c in COLUMNS]]
