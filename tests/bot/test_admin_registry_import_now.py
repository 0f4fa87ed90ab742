"""The import's helpers on the registry pages (issue 19, item 12): "Impor sekarang" imports the file a
dry run checked without uploading it again (once); a template with the columns and an example row;
the import history with who, when, the file and the counts; the rejected and warned rows in one CSV
with a column saying which; a misspelt kecamatan read with a warning or refused with a suggestion."""
from __future__ import annotations

import csv
import io

from openpyxl import load_workbook

from services.registry_import import RegistryImporter
from services.registry_rows import COLUMNS, ROWS_HEADER
from tests.bot import test_admin_registry as pages
from tests.bot.test_admin import _csrf
from tests.bot.test_admin_registry import _finished, _registry_size, _signed_in, _upload
from tests.services.test_registry_import import BUDI, SITI, _csv

browser = pages.browser  # the same fixture: signed-in clients of the app
TYPO = [*BUDI[:6], "Pedamran", *BUDI[7:]]  # Pedamaran misspelt: kept, with a warning
UNKNOWN = ["1602031203900002", "ANI", "12-03-1990", "", "pekerja rentan", "", "Kayu Agungg Raya", "", "01/01/2025",
           "31/12/2026", ""]  # refused, with the likely kecamatan


async def _dry_run(web) -> str:
    job = (await _upload(web, _csv([SITI, TYPO, UNKNOWN]), filename="peserta.csv", uji="ya")).headers["location"]
    assert (await _finished(web, job))["summary"]["dry_run"] is True
    return job


async def test_import_now_imports_the_dry_run_file_once_without_uploading_it_again(client, browser):
    web = await _signed_in(browser, client, "dinsos1", "dinsos")
    job = await _dry_run(web)
    page = (await web.get(job)).text
    assert 'data-action="import-now"' in page and await _registry_size(client) == 0
    token = _csrf(page)
    now = await web.post(f"{job}/sekarang", data={"csrf_token": token})
    assert now.status_code == 303 and now.headers["location"] != job
    real = await _finished(web, now.headers["location"])
    assert (real["summary"]["dry_run"], real["summary"]["new"], real["summary"]["rejected"]) == (False, 2, 1)
    assert await _registry_size(client) == 2
    again = await web.post(f"{job}/sekarang", data={"csrf_token": token})  # pressed twice: the same import
    assert again.headers["location"] == now.headers["location"]
    assert 'data-action="import-now"' not in (await web.get(job)).text
    assert (await _registry_size(client), len((await client.app.state.runtime.registry.imports(limit=9))[0])) == (2, 2)


async def test_import_now_is_refused_kindly_when_the_file_was_let_go(client, browser):
    web = await _signed_in(browser, client, "dinsos1", "dinsos")
    first = await _dry_run(web)
    await _dry_run(web)  # a newer dry run: only its file is kept
    r = await web.post(f"{first}/sekarang", data={"csrf_token": _csrf((await web.get(first)).text)})
    assert r.status_code == 409 and "Unggah file itu lagi" in r.text
    assert await _registry_size(client) == 0


async def test_the_template_has_the_columns_and_an_example_row_that_imports(client, browser, tmp_path):
    web = await _signed_in(browser, client, "dinsos1", "dinsos")
    text = (await web.get("/admin/registri/templat.csv")).content.decode("utf-8-sig")
    header, example = list(csv.reader(io.StringIO(text)))
    assert header == list(COLUMNS) and example[0] == "1602015708850003"
    book = load_workbook(io.BytesIO((await web.get("/admin/registri/templat.xlsx")).content))
    assert [c.value for c in next(book.active.iter_rows())] == list(COLUMNS)
    importer: RegistryImporter = client.app.state.runtime.importer
    summary = await importer.run(source=text.encode(), filename="templat.csv", actor="test", dry_run=True)
    assert (summary.total, sum(summary.rejected.values()), dict(summary.warnings)) == (1, 0, {})
    assert (await (await _signed_in(browser, client, "kades1", "kades", desa="16.02.05.1008"))
            .get("/admin/registri/templat.csv")).status_code == 403


async def test_the_history_lists_each_import_with_who_when_and_the_counts(client, browser):
    web = await _signed_in(browser, client, "dinsos1", "dinsos")
    await _dry_run(web)
    await _finished(web, (await _upload(web, _csv([SITI]), filename="siti.csv")).headers["location"])
    page = (await web.get("/admin/registri/riwayat")).text
    assert page.index("siti.csv") < page.index("peserta.csv")  # newest first
    assert page.count('<td data-label="Oleh">dinsos1</td>') == 2 and "Uji (tidak disimpan)" in page
    assert 'data-count="rejected">1<' in page and 'data-count="warned">1<' in page
    [dry] = [r for r in (await client.app.state.runtime.registry.imports(limit=9))[0] if r.dry_run]
    rows = (await web.get(f"/admin/registri/riwayat/{dry.id}/baris.csv")).text
    assert rows.splitlines()[0] == ",".join(ROWS_HEADER)


async def test_the_rows_csv_holds_the_rejected_and_the_warned_rows_with_a_suggested_kecamatan(client, browser):
    web = await _signed_in(browser, client, "dinsos1", "dinsos")
    job = await _dry_run(web)
    page = (await web.get(job)).text
    assert "&#39;Pedamran&#39; dibaca sebagai Pedamaran" in page
    assert "&#39;Kayu Agungg Raya&#39;: maksud Anda Kayu Agung?" in page
    rows = list(csv.DictReader(io.StringIO((await web.get(f"{job}/ditolak.csv")).text)))
    assert [(r["baris"], r["jenis"]) for r in rows] == [("3", "peringatan"), ("4", "ditolak")]
    assert rows[0]["keterangan"] == "'Pedamran' dibaca sebagai Pedamaran" and "160203******0001" == rows[0]["nik"]
    assert rows[1]["keterangan"] == "'Kayu Agungg Raya': maksud Anda Kayu Agung?"
