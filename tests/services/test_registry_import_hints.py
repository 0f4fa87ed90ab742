"""What an import tells staff besides its counts (issue 19, item 12): each kept row with a warning is
listed with its row number next to the rejected ones; a misspelt kecamatan or desa is read as the
nearest with a warning, or refused with the likely one named."""
from __future__ import annotations

import csv
import io

from services.registry_rows import ROWS_HEADER
from tests.services import test_registry_import as imports
from tests.services.test_registry_import import BUDI, SITI, _csv

env = imports.env  # the same fixture: an importer on a fresh database

BORN_ELSEWHERE = [SITI[0], SITI[1], "1985-08-18", *SITI[3:]]  # the NIK says 17 August: kept, with a warning
DESA_TYPO = [*SITI[:7], "Sukadanna", *SITI[8:]]


def _rows(summary) -> list[dict]:
    return list(csv.DictReader(io.StringIO(summary.rejected_csv)))


async def test_a_warned_row_is_kept_and_listed_with_its_row_number_and_what_differs(env):
    importer, registry, _ = env
    summary = await importer.run(source=_csv([BUDI, BORN_ELSEWHERE]), filename="a.csv", actor="cli")
    assert (summary.new, summary.warned, dict(summary.warnings)) == (2, 1, {"tanggal_lahir_beda_nik": 1})
    [row] = _rows(summary)
    assert list(row) == ROWS_HEADER
    assert (row["baris"], row["jenis"], row["nik"]) == ("3", "peringatan", "160201******0003")
    assert row["keterangan"] == "1985-08-18 / NIK 1985-08-17"
    assert await registry.count() == 2


async def test_a_misspelt_desa_is_read_as_the_nearest_with_a_warning(env):
    importer, _, _ = env
    summary = await importer.run(source=_csv([DESA_TYPO]), filename="a.csv", actor="cli", dry_run=True)
    assert (summary.new, dict(summary.warnings)) == (1, {"desa_ditebak": 1})
    assert _rows(summary)[0]["keterangan"] == "'Sukadanna' dibaca sebagai Sukadana"
    assert summary.suggestions == [{"row": 2, "text": "'Sukadanna' dibaca sebagai Sukadana", "rejected": False}]


async def test_a_kecamatan_written_as_people_do_gets_no_warning(env):
    importer, _, _ = env
    rows = [[*SITI[:6], "Kayuagung", *SITI[7:]], [*BUDI[:6], "kec. pedamaran", *BUDI[7:]]]
    summary = await importer.run(source=_csv(rows), filename="a.csv", actor="cli", dry_run=True)
    assert (summary.new, dict(summary.warnings), summary.rejected_csv.strip()) == (2, {}, ",".join(ROWS_HEADER))


async def test_a_rejected_row_carries_no_warning_count(env):
    importer, _, _ = env
    bad = [*BORN_ELSEWHERE[:9], "2024-01-01", ""]  # also ends before it starts: refused
    summary = await importer.run(source=_csv([bad]), filename="a.csv", actor="cli", dry_run=True)
    assert (sum(summary.rejected.values()), dict(summary.warnings), summary.warned) == (1, {}, 0)
    assert [r["jenis"] for r in _rows(summary)] == ["ditolak"]


async def test_an_unusual_category_is_kept_with_a_warning_naming_it(env):
    importer, _, _ = env
    rows = [[*SITI[:4], "PNS", *SITI[5:]], [*BUDI[:4], "RT/RW", *BUDI[5:]]]
    summary = await importer.run(source=_csv(rows), filename="a.csv", actor="cli", dry_run=True)
    assert (summary.new, dict(summary.warnings)) == (2, {"kategori_tidak_dikenal": 1})
    [row] = _rows(summary)
    assert (row["baris"], row["jenis"], row["keterangan"]) == ("2", "peringatan", "pns")
