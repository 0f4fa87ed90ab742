"""F14 and F17 on a report's pages and documents.

F14: the admin pages do not tell whether a reference exists in another area. For a kades of another
desa, the report page, a document and a move answer exactly the "not found" of a reference that
does not exist (the staff API answers 404 for both too).

F17: a stored document is served to staff by the API and the admin page with `nosniff`, a policy
that sandboxes it (`default-src 'none'; ...; sandbox`) and a safe filename, as a download; only an
image is inline on the admin page, for the report page's <img> previews."""
from __future__ import annotations

import re

from bot.documents import DOCUMENT_POLICY
from tests.bot import test_admin
from tests.bot.test_admin import _csrf, _signed_in
from tests.bot.test_admin_reports import KEDATON, PDF, PNG, SUKADANA, _file
from tests.bot.test_api_registry import _token

browser = test_admin.browser


async def _names(client, reference: str) -> list[str]:
    report = await client.app.state.runtime.santunan.get(reference)
    return [d.key.rsplit("/", 1)[1] for d in await client.app.state.runtime.santunan.documents(report)]


async def test_another_desa_cannot_tell_a_reference_exists(client, browser):
    reference = await _file(client, "1602015708850003", SUKADANA, sktm=(PNG, "image/png"))
    [name] = await _names(client, reference)
    outsider = await _signed_in(browser, client, "kades.kdt", "kades", desa=KEDATON)
    token = _csrf((await outsider.get("/admin/laporan")).text)
    for there in (f"/admin/laporan/{reference}", f"/admin/laporan/{reference}/dokumen/{name}"):
        nowhere = there.replace(reference, "SK-ZZZZ-ZZZ")
        a, b = await outsider.get(there), await outsider.get(nowhere)
        assert a.status_code == b.status_code == 404 and a.text == b.text, there
        assert "luar wilayah" not in a.text and PNG not in a.content
    moves = [await outsider.post(f"/admin/laporan/{ref}/pindah", data={"csrf_token": token, "ke": "diverifikasi_desa"})
             for ref in (reference, "SK-ZZZZ-ZZZ")]
    assert [m.status_code for m in moves] == [404, 404] and moves[0].text == moves[1].text
    assert (await client.app.state.runtime.santunan.get(reference)).status == "diajukan"
    insider = await _signed_in(browser, client, "kades.skd", "kades", desa=SUKADANA)
    assert (await insider.get(f"/admin/laporan/{reference}")).status_code == 200


async def test_documents_are_sandboxed_downloads(client, browser):
    reference = await _file(client, "1602015708850003", SUKADANA, sktm=(PNG, "image/png"),
                            akta_kematian=(PDF, "application/pdf"))
    headers = await _token(client, "dinsos.api", "dinsos")
    documents = (await client.get(f"/api/v1/reports/{reference}", headers=headers)).json()["documents"]
    web = await _signed_in(browser, client, "dinsos1", "dinsos")
    assert re.search(r'<img src="/admin/laporan/[^"]+\.png"', (await web.get(f"/admin/laporan/{reference}")).text)
    assert len(documents) == 2
    for d in documents:
        name = d["url"].rsplit("/", 1)[1]
        api = await client.get(d["url"], headers=headers)
        page = await web.get(f"/admin/laporan/{reference}/dokumen/{name}")
        for r in (api, page):
            assert r.status_code == 200 and r.headers["x-content-type-options"] == "nosniff"
            assert r.headers.get_list("content-security-policy") == [DOCUMENT_POLICY]
            assert f'filename="{reference}-{d["kind"]}.{name.rsplit(".", 1)[1]}"' in r.headers["content-disposition"]
        assert api.headers["content-disposition"].startswith("attachment")
        inline = d["content_type"].startswith("image/")
        assert page.headers["content-disposition"].startswith("inline" if inline else "attachment")
