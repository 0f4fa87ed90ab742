"""The registry pages under /admin/registri: an upload imports in the background (through the
API's importer and audit) with a progress bar, then a summary and the rejected rows to download with
the NIK masked; the search masks NIK and KPJ and keeps to the staff member's area; roles and CSRF."""
from __future__ import annotations

import asyncio
import io
import re
from contextlib import AsyncExitStack

import httpx
import pytest

from tests.bot.test_admin import _csrf, _login, _staff
from tests.bot.test_api_registry import BAD_ROW
from tests.services.test_coverage import ROWS, _csv

SUKADANA, KEDATON = "16.02.05.1008", "16.02.05.1007"


@pytest.fixture
async def browser(client):
    async with AsyncExitStack() as stack:
        async def open_browser() -> httpx.AsyncClient:
            transport = httpx.ASGITransport(app=client.app)
            return await stack.enter_async_context(httpx.AsyncClient(transport=transport, base_url="http://testserver"))
        yield open_browser


async def _signed_in(browser, client, username: str, role: str, **area) -> httpx.AsyncClient:
    await _staff(client, username, role, **area)
    web = await browser()
    assert (await _login(web, username)).status_code == 303
    return web


async def _upload(web: httpx.AsyncClient, data: bytes, filename: str = "daftar.csv", **fields) -> httpx.Response:
    token = _csrf((await web.get("/admin/registri")).text)
    return await web.post("/admin/registri/impor", data={"csrf_token": token, **fields},
                          files={"berkas": (filename, data, "text/csv")})


async def _finished(web: httpx.AsyncClient, job: str) -> dict:
    """Poll the progress JSON the way progress.js does, until the import is over."""
    for _ in range(500):
        r = await web.get(f"{job}.json")
        assert r.status_code == 200 and r.headers["content-type"] == "application/json"
        if r.json()["finished"]:
            return r.json()
        await asyncio.sleep(0.01)
    raise AssertionError("the import did not finish")


def _number(page: str, name: str) -> int:
    return int(re.search(rf'id="{name}">(\d+)<', page)[1])


async def _registry_size(client) -> int:
    return await client.app.state.runtime.registry.count()


# --- upload, progress, summary, rejected rows ---
async def test_an_upload_imports_in_the_background_then_shows_the_summary_and_rejected_rows(client, browser):
    web = await _signed_in(browser, client, "dinsos1", "dinsos")
    r = await _upload(web, _csv() + BAD_ROW)
    assert r.status_code == 303 and re.fullmatch(r"/admin/registri/impor/[\w-]{16}", r.headers["location"])
    job = r.headers["location"]
    progress = await _finished(web, job)
    assert progress["error"] is None and (progress["done"], progress["total"]) == (3, 3)
    summary = progress["summary"]
    assert (summary["new"], summary["updated"], summary["unchanged"], summary["rejected"]) == (2, 0, 0, 1)
    assert summary["rejected_by_reason"] == {"kecamatan_tidak_dikenal": 1}
    page = (await web.get(job)).text
    assert (_number(page, "sum-total"), _number(page, "sum-new"), _number(page, "sum-rejected")) == (3, 2, 1)
    assert 'id="import-progress" aria-label="Kemajuan impor" max="100" value="100"' in page
    assert "kecamatan tidak ada di OKI" in page
    assert "http-equiv" not in page and "progress.js" not in page  # finished: nothing polls any more
    rejected = await web.get(f"{job}/ditolak.csv")
    assert rejected.status_code == 200 and rejected.headers["content-type"].startswith("text/csv")
    assert "attachment" in rejected.headers["content-disposition"]
    assert "160201******0009" in rejected.text and "1602015708850009" not in rejected.text
    assert await _registry_size(client) == 2
    again = await _finished(web, (await _upload(web, _csv())).headers["location"])
    assert (again["summary"]["new"], again["summary"]["unchanged"]) == (0, 2)
    actions = [e.action for e in await client.app.state.runtime.audit.recent(limit=50)]
    assert actions.count("registry.import") == 2 and "registry.rejected_download" in actions


async def test_the_progress_page_polls_while_the_import_runs_and_one_import_runs_at_a_time(client, browser,
                                                                                              monkeypatch):
    importer = client.app.state.runtime.importer
    gate, real = asyncio.Event(), importer.run

    async def held(**kwargs):
        await gate.wait()
        return await real(**kwargs)

    monkeypatch.setattr(importer, "run", held)
    web = await _signed_in(browser, client, "dinsos1", "dinsos")
    job = (await _upload(web, _csv())).headers["location"]
    page = (await web.get(job)).text
    assert '<progress id="import-progress"' in page and f'data-poll="{job}.json"' in page
    assert '<noscript><meta http-equiv="refresh" content="2"></noscript>' in page
    assert '<script src="/admin/static/progress.js" defer></script>' in page and "<script>" not in page
    assert (await web.get(f"{job}.json")).json() == {"done": 0, "total": 2, "finished": False, "summary": None,
                                                     "error": None}
    busy = await _upload(web, _csv())
    assert busy.status_code == 400 and "Impor lain sedang berjalan" in busy.text
    other = await _signed_in(browser, client, "dinsos2", "dinsos")
    assert (await other.get(job)).status_code == 404 and (await other.get(f"{job}.json")).status_code == 404
    gate.set()
    assert (await _finished(web, job))["summary"]["new"] == 2
    js = await client.get("/admin/static/progress.js")
    assert js.status_code == 200 and "data-poll" in js.text


async def test_an_xlsx_file_can_be_tried_without_saving(client, browser):
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["NIK", "Nama", "Tanggal Lahir", "KPJ", "Kategori", "Program", "Kecamatan", "Desa", "Mulai", "Akhir",
                  "Status"])
    for row in ROWS:
        sheet.append(row)
    data = io.BytesIO()
    book.save(data)
    web = await _signed_in(browser, client, "adm", "admin")
    r = await _upload(web, data.getvalue(), "daftar.xlsx", uji="ya")
    progress = await _finished(web, r.headers["location"])
    assert progress["total"] == 2 and progress["summary"]["new"] == 2 and progress["summary"]["dry_run"]
    assert "tidak ada yang disimpan" in (await web.get(r.headers["location"])).text
    assert await _registry_size(client) == 0


async def test_a_file_that_cannot_be_imported_is_explained_on_the_form(client, browser):
    web = await _signed_in(browser, client, "dinsos1", "dinsos")
    for data, says in ((b"a,b\n1,2\n", "kolom wajib tidak ada: nik"), (b"", "Pilih file CSV atau XLSX"),
                       (b"\xff\xfe\x00garbage", "bukan CSV UTF-8")):
        r = await _upload(web, data)
        assert r.status_code == 400 and says in r.text, says
    assert await _registry_size(client) == 0


async def test_an_upload_needs_the_importer_role_and_a_csrf_token(client, browser):
    camat = await _signed_in(browser, client, "camat.kag", "camat", kecamatan="16.02.05")
    page = await camat.get("/admin/registri")
    assert page.status_code == 200 and "import-form" not in page.text and "registry-search" in page.text
    r = await camat.post("/admin/registri/impor", data={"csrf_token": _csrf(page.text)},
                         files={"berkas": ("daftar.csv", _csv(), "text/csv")})
    assert r.status_code == 403
    dinsos = await _signed_in(browser, client, "dinsos1", "dinsos")
    for token in ("", "0" * 64):
        r = await dinsos.post("/admin/registri/impor", data={"csrf_token": token},
                              files={"berkas": ("daftar.csv", _csv(), "text/csv")})
        assert r.status_code == 403 and "Formulir kedaluwarsa" in r.text
    humas = await _signed_in(browser, client, "humas1", "humas")
    assert (await humas.get("/admin/registri")).status_code == 403
    assert "Registri" not in (await humas.get("/admin")).text
    await asyncio.sleep(0.05)
    assert await _registry_size(client) == 0


# --- search ---
async def test_the_search_masks_the_nik_and_kpj_and_keeps_to_the_area(client, browser):
    await client.app.state.runtime.importer.run(source=_csv(), filename="daftar.csv", actor="test")
    dinsos = await _signed_in(browser, client, "dinsos1", "dinsos")
    page = (await dinsos.get("/admin/registri", params={"cari": "1"})).text
    assert _number(page, "result-count") == 2 and "SITI AMINAH" in page and "MUHAMMAD RIZKI" in page
    assert "160201******0003" in page and "1602015708850003" not in page
    assert "25******678" in page and "25012345678" not in page
    by_name = (await dinsos.get("/admin/registri", params={"q": "rizki"})).text
    assert "MUHAMMAD RIZKI" in by_name and "SITI AMINAH" not in by_name
    by_desa = (await dinsos.get("/admin/registri", params={"desa": SUKADANA})).text
    assert "SITI AMINAH" in by_desa and "MUHAMMAD RIZKI" not in by_desa
    assert "result-count" not in (await dinsos.get("/admin/registri")).text  # the form alone: nothing looked up

    camat = await _signed_in(browser, client, "camat.kag", "camat", kecamatan="16.02.05")
    mine = (await camat.get("/admin/registri", params={"cari": "1"})).text
    assert "SITI AMINAH" in mine and "MUHAMMAD RIZKI" not in mine and 'name="kecamatan"' not in mine
    assert (await camat.get("/admin/registri", params={"q": "rizki"})).text.count("data-registry=") == 0
    outside = await camat.get("/admin/registri", params={"kecamatan": "16.02.03"})
    assert outside.status_code == 403 and "di luar wilayah Anda" in outside.text

    kades = await _signed_in(browser, client, "kades.skd", "kades", desa=SUKADANA)
    own = (await kades.get("/admin/registri", params={"cari": "1"})).text
    assert "SITI AMINAH" in own and 'name="desa"' not in own
    assert (await kades.get("/admin/registri", params={"desa": KEDATON})).status_code == 403
    actions = [(e.actor, e.action) for e in await client.app.state.runtime.audit.recent(limit=50)]
    assert sum(1 for _, action in actions if action == "registry.view") == 6
