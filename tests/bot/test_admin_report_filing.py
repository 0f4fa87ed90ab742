"""«Lapor atas nama warga» chooses the kecamatan first, then the desa (issue 19, item 14; staff UX
review friction 23): without script, «Tampilkan desa» brings the form back with that kecamatan's
desa only and the answers kept, filing nothing; a desa outside the kecamatan chosen is refused
kindly; a camat, with one kecamatan, gets no kecamatan choice at all."""
from __future__ import annotations

import re

from sqlalchemy import func, select

from storage.models import Report
from tests.bot import test_admin
from tests.bot.test_admin import _post, _signed_in
from tests.bot.test_admin_reports import KAG, PDM, SUKADANA

browser = test_admin.browser


def _desa_groups(page: str) -> set[str]:
    return set(re.findall(r'<optgroup label="Kec\. [^"]+" data-kecamatan="([^"]+)">', page))


async def test_choosing_a_kecamatan_narrows_the_desa_list_without_script(client, browser):
    dinsos = await _signed_in(browser, client, "dinsos.oki", "dinsos")
    form = (await dinsos.get("/admin/laporan/baru")).text
    assert 'id="kecamatan"' in form and len(_desa_groups(form)) > 10
    r = await _post(dinsos, "/admin/laporan/baru", "/admin/laporan/baru", pilih="kecamatan", kecamatan=KAG,
                    deceased_name="Ahmad Sanusi", desa="")
    assert r.status_code == 200 and _desa_groups(r.text) == {KAG}
    assert 'value="Ahmad Sanusi"' in r.text and "Sukadana" in r.text and "wajib" not in r.text.lower()
    assert f'<option value="{KAG}" selected>' in r.text
    async with client.app.state.runtime.db.begin() as conn:
        assert await conn.scalar(select(func.count()).select_from(Report)) == 0  # nothing was filed


async def test_a_desa_outside_the_kecamatan_chosen_is_refused(client, browser):
    dinsos = await _signed_in(browser, client, "dinsos.oki", "dinsos")
    r = await _post(dinsos, "/admin/laporan/baru", "/admin/laporan/baru", kecamatan=PDM, desa=SUKADANA,
                    deceased_nik="1602015708850003", deceased_name="Ahmad Sanusi")
    assert r.status_code == 400 and "Desa ini tidak berada di Kec. Pedamaran; pilih lagi." in r.text
    # changing the kecamatan the no-script way drops the desa that no longer fits
    r = await _post(dinsos, "/admin/laporan/baru", "/admin/laporan/baru", pilih="kecamatan", kecamatan=PDM,
                    desa=SUKADANA)
    assert r.status_code == 200 and _desa_groups(r.text) == {PDM} and f'value="{SUKADANA}" selected' not in r.text


async def test_a_camat_chooses_only_the_desa_of_the_kecamatan(client, browser):
    camat = await _signed_in(browser, client, "camat.kag", "camat", kecamatan=KAG)
    form = (await camat.get("/admin/laporan/baru")).text
    assert 'id="kecamatan"' not in form and _desa_groups(form) == {KAG}
