"""Staff display names and positions (issue 19, item 14; staff UX review friction 17): an admin
sets «Nama» and «Jabatan» when creating an account or later on its page, the CLI takes them as
options, and the report history, the audit page and the helpdesk conversation name the staff
member as "Nama (Jabatan)", falling back to the username when none is set."""
from __future__ import annotations

import asyncio

import pytest

from services.audit import Audit
from services.staff import StaffError, StaffService
from services.wilayah import load_wilayah
from storage.db import make_engine, make_sessionmaker
from tests.bot import test_admin
from tests.bot.test_admin import PW, _post, _signed_in, _staff
from tests.bot.test_admin_reports import SUKADANA, _file
from tests.bot.test_api_auth import _can_log_in, _cli
from tests.guardrail_fields import PAPER_FORM

browser = test_admin.browser


async def test_an_admin_gives_an_account_a_name_and_position_that_histories_show(client, browser):
    admin = await _signed_in(browser, client, "admin.dinas")
    r = await _post(admin, "/admin/staf/baru", "/admin/staf/baru", username="kades.sukadana", role="kades",
                    desa=SUKADANA, password=PW, nama="  Siti   Aminah ", jabatan="Kepala Desa Sukadana")
    assert r.status_code == 303
    detail = await admin.get(r.headers["location"])
    assert "Siti Aminah (Kepala Desa Sukadana)" in detail.text and 'value="Siti Aminah"' in detail.text
    reference = await _file(client, "1602015708850003", SUKADANA)
    kades = await browser()
    assert (await test_admin._login(kades, "kades.sukadana")).status_code == 303
    page = f"/admin/laporan/{reference}"
    moved = await _post(kades, page, f"{page}/pindah", ke="diverifikasi_desa", **PAPER_FORM)
    assert moved.status_code == 303
    history = (await kades.get(page)).text
    assert '<span class="actor">Siti Aminah (Kepala Desa Sukadana)</span>' in history
    assert '<p class="who"><strong>Siti Aminah (Kepala Desa Sukadana)</strong>' in history  # the page's header
    audit = (await admin.get(f"/admin/audit?laporan={reference}")).text
    assert "Siti Aminah (Kepala Desa Sukadana)" in audit and "kades.sukadana" in audit  # the filter keeps usernames
    # cleared again: the history falls back to the username
    me = next(a for a in await client.app.state.runtime.staff.accounts() if a.username == "kades.sukadana")
    r = await _post(admin, f"/admin/staf/{me.id}", f"/admin/staf/{me.id}/profil", nama="", jabatan="")
    assert r.status_code == 303
    cleared = (await kades.get(page)).text
    assert '<span class="actor">kades.sukadana</span>' in cleared
    assert '<p class="who"><strong>kades.sukadana</strong>' in cleared


async def test_a_name_too_long_is_refused_kindly_and_changes_nothing(client, browser):
    admin = await _signed_in(browser, client, "admin.dinas")
    target = await _staff(client, "camat.kag", "camat", kecamatan="16.02.05")
    await client.app.state.runtime.staff.set_profile(staff_id=target.id, display_name="Budi", position="Camat",
                                                     actor="test")
    r = await _post(admin, f"/admin/staf/{target.id}", f"/admin/staf/{target.id}/profil", nama="x" * 101,
                    jabatan="Camat Kayu Agung")
    assert r.status_code == 400 and "paling banyak 100 karakter" in r.text
    account = next(a for a in await client.app.state.runtime.staff.accounts() if a.id == target.id)
    assert account.label == "Budi (Camat)"
    r = await _post(admin, "/admin/staf/baru", "/admin/staf/baru", username="humas.oki", role="humas",
                    password=PW, nama="Rina", jabatan="Humas\x07")
    assert r.status_code == 400 and "tanpa karakter khusus" in r.text
    assert "humas.oki" not in [a.username for a in await client.app.state.runtime.staff.accounts()]
    with pytest.raises(StaffError) as unknown:
        await client.app.state.runtime.staff.set_profile(staff_id=9999, display_name="A", position=None, actor="t")
    assert unknown.value.code == "not_found"


async def _labels(url: str) -> dict[str, str]:
    engine = make_engine(url)
    try:
        sessions = make_sessionmaker(engine)
        service = StaffService(sessions=sessions, wilayah=load_wilayah(), audit=Audit(sessions), secret_key="k" * 32)
        return {a.username: a.label for a in await service.accounts()}
    finally:
        await engine.dispose()


def test_create_staff_takes_a_name_and_position(sqlite_url, tmp_path):
    env = {"DATABASE_URL": sqlite_url, "DATA_DIR": str(tmp_path)}
    r = _cli(["dinsos.ani", "--role", "dinsos", "--name", "Ani Lestari", "--position", "Operator Dinas Sosial"], env,
             PW + "\n")
    assert r.returncode == 0, r.stderr
    asyncio.run(_can_log_in(sqlite_url, "dinsos.ani", PW))
    assert asyncio.run(_labels(sqlite_url))["dinsos.ani"] == "Ani Lestari (Operator Dinas Sosial)"
    long = _cli(["dinsos.budi", "--role", "dinsos", "--name", "B" * 101], env, PW + "\n")
    assert long.returncode == 1 and "at most 100" in long.stderr
