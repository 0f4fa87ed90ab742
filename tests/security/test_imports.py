"""F9: a registry import can neither blow up nor hold up the server. An XLSX decompression bomb (a
small file whose sharedStrings.xml unpacks to hundreds of MB) is refused from the zip's directory
with 422 and a reason, before openpyxl opens it; a part packed too tightly is refused the same way;
openpyxl reads XML through defusedxml; and the file is parsed in a worker thread, so /healthz
answers while an import of the API or of the admin page is being read (shown by ordering: the
parse waits for /healthz's answer, which could never come if it ran on the event loop).

Also the Notes' registry search: `%` and `_` in `q` are letters, not LIKE wildcards."""
from __future__ import annotations

import asyncio
import io
import threading
import zipfile

import openpyxl
import pytest

from services import registry_import
from services.registry_import import ImportFailed, check_xlsx
from tests.bot.test_admin import _csrf
from tests.bot.test_admin_registry import _finished, _signed_in, browser  # noqa: F401 (the fixture)
from tests.bot.test_api_registry import _token
from tests.services.test_coverage import ROWS, _csv

_PARTS = {
    "[Content_Types].xml": '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
                           'content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-'
                           'package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
                           '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-'
                           'officedocument.spreadsheetml.sheet.main+xml"/></Types>',
    "_rels/.rels": '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
                   'relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/'
                   '2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>',
    "xl/workbook.xml": '<?xml version="1.0"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/'
                       '2006/main"><sheets><sheet name="a" sheetId="1" r:id="rId1" xmlns:r="http://schemas.'
                       'openxmlformats.org/officeDocument/2006/relationships"/></sheets></workbook>',
    "xl/worksheets/sheet1.xml": '<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/'
                                'spreadsheetml/2006/main"><sheetData/></worksheet>',
}


def _bomb(megabytes: int) -> bytes:
    """An XLSX whose sharedStrings.xml is `megabytes` MB of one repeated string, deflated."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in _PARTS.items():
            archive.writestr(name, text)
        with archive.open("xl/sharedStrings.xml", "w", force_zip64=True) as part:
            part.write(b'<?xml version="1.0"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">')
            chunk = b"<si><t>" + b"a" * 100 + b"</t></si>"
            block = chunk * (1024 * 1024 // len(chunk))
            for _ in range(megabytes):
                part.write(block)
            part.write(b"</sst>")
    return out.getvalue()


def _xlsx() -> bytes:
    book = openpyxl.Workbook()
    book.active.append(["NIK", "Nama", "Tanggal Lahir", "KPJ", "Kategori", "Program", "Kecamatan", "Desa", "Mulai",
                        "Akhir", "Status"])
    for row in ROWS:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@pytest.fixture
def never_opened(monkeypatch):
    """Fails the test if openpyxl is asked to open a workbook."""
    opened = []
    monkeypatch.setattr(openpyxl, "load_workbook", lambda *a, **k: opened.append(1) or pytest.fail("opened"))
    return opened


async def test_a_decompression_bomb_is_refused_with_422_unopened(client, never_opened):
    bomb = _bomb(300)
    assert len(bomb) < 2 * 1024 * 1024  # 300 MB of XML in about a megabyte
    headers = await _token(client, "dinsos1", "dinsos")
    r = await client.post("/api/v1/registry/imports", params={"dry_run": True}, headers=headers,
                          files={"file": ("bomb.xlsx", bomb)})
    assert r.status_code == 422 and "bom dekompresi" in r.json()["detail"] and "200 MB" in r.json()["detail"]
    assert never_opened == []


async def test_a_tightly_packed_part_is_refused_on_the_admin_page_too(client, browser, never_opened):  # noqa: F811
    bomb = _bomb(20)  # under the size bound, but packed about 1000 times
    with pytest.raises(ImportFailed, match="dipadatkan lebih dari 100 kali"):
        check_xlsx(bomb)
    web = await _signed_in(browser, client, "dinsos1", "dinsos")
    token = _csrf((await web.get("/admin/registri")).text)
    r = await web.post("/admin/registri/impor", data={"csrf_token": token}, files={"berkas": ("bomb.xlsx", bomb)})
    assert r.status_code == 400 and "bom dekompresi" in r.text and never_opened == []


def test_xml_is_read_through_defusedxml_and_not_a_zip_is_refused():
    assert openpyxl.DEFUSEDXML
    with pytest.raises(ImportFailed, match="bukan arsip XLSX"):
        check_xlsx(b"PK\x03\x04 not really a zip")
    check_xlsx(_xlsx())  # an ordinary workbook passes


def _parse_waits_for(monkeypatch) -> tuple[threading.Event, threading.Event, list[bool]]:
    """`read_table` made to wait (in whatever thread runs it) until the test has had /healthz's answer."""
    started, answered, outcome = threading.Event(), threading.Event(), []
    real = registry_import.read_table

    def waiting(source, filename):
        started.set()
        outcome.append(answered.wait(timeout=20))  # False: /healthz could not answer while it waited
        yield from real(source, filename)

    monkeypatch.setattr(registry_import, "read_table", waiting)
    return started, answered, outcome


async def _healthz_while_parsing(client, started: threading.Event, answered: threading.Event) -> int:
    assert await asyncio.to_thread(started.wait, 20)
    status = (await client.get("/healthz")).status_code
    answered.set()
    return status


async def test_the_api_import_is_parsed_off_the_event_loop(client, monkeypatch):
    headers = await _token(client, "dinsos1", "dinsos")
    started, answered, outcome = _parse_waits_for(monkeypatch)
    upload = asyncio.create_task(client.post("/api/v1/registry/imports", headers=headers,
                                             files={"file": ("daftar.xlsx", _xlsx())}))
    assert await _healthz_while_parsing(client, started, answered) == 200
    r = await upload
    assert outcome == [True] and r.status_code == 201 and r.json()["new"] == 2


async def test_the_admin_import_is_parsed_off_the_event_loop(client, browser, monkeypatch):  # noqa: F811
    web = await _signed_in(browser, client, "dinsos1", "dinsos")
    token = _csrf((await web.get("/admin/registri")).text)
    started, answered, outcome = _parse_waits_for(monkeypatch)
    r = await web.post("/admin/registri/impor", data={"csrf_token": token},
                       files={"berkas": ("daftar.xlsx", _xlsx())})
    assert r.status_code == 303
    assert await _healthz_while_parsing(client, started, answered) == 200
    assert (await _finished(web, r.headers["location"]))["summary"]["new"] == 2 and outcome == [True]


async def test_too_many_rows_are_refused(client, monkeypatch):
    monkeypatch.setattr(registry_import, "MAX_ROWS", 1)
    headers = await _token(client, "dinsos1", "dinsos")
    r = await client.post("/api/v1/registry/imports", headers=headers, files={"file": ("d.csv", _csv())})
    assert r.status_code == 422 and "lebih dari 1 baris" in r.json()["detail"]


async def test_registry_search_takes_percent_and_underscore_as_letters(client):
    headers = await _token(client, "dinsos1", "dinsos")
    assert (await client.post("/api/v1/registry/imports", headers=headers,
                              files={"file": ("d.csv", _csv())})).status_code == 201
    found = {q: (await client.get("/api/v1/registry", params={"q": q}, headers=headers)).json()["total"]
             for q in ("%", "_", "S_TI", "%AMINAH", "SITI")}
    assert found == {"%": 0, "_": 0, "S_TI": 0, "%AMINAH": 0, "SITI": 1}
