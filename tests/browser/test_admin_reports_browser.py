"""The santunan queue in a real browser: a kades verifies a report and the family's chat hears of it;
a camat cannot open a report from another kecamatan; the dashboard charts real reports."""
from __future__ import annotations

import time
from datetime import timedelta

from services.santunan import WIB, Draft
from storage.models import utcnow
from tests.browser.conftest import login, shot

KAG, SUKADANA, PEDAMARAN = "16.02.05", "16.02.05.1008", "16.02.03"
REPORTER_CHAT = "424242"


def _nik(i: int) -> str:
    """A well-formed NIK (OKI region, a birth day in August 1985, serial i)."""
    return f"160201{10 + i % 18:02d}0885{i + 1:04d}"


def file_report(live, i: int, *, kecamatan: str = KAG, desa: str = SUKADANA, reporter: str | None = None):
    async def go():
        rt = live.runtime
        contact = None
        if reporter:
            contact = await rt.contacts.touch(channel="telegram", channel_user_id=reporter, at=utcnow())
        died = (utcnow().astimezone(WIB) - timedelta(days=1)).date()
        draft = Draft(deceased_nik=_nik(i), deceased_name=f"ALMARHUM KE {i}", date_of_death=died,
                      kecamatan_code=kecamatan, desa_code=desa, kk_number=f"16020112031500{i % 100:02d}",
                      reporter_name="Rahmawati", reporter_relationship="Anak", heir_name="Rahmawati",
                      heir_phone="+6281234567890")
        return await rt.santunan.file(draft, filed_by=f"contact:{contact.id}" if contact else "staff:1",
                                      contact=contact)
    return live.run(go())


def test_a_kades_verifies_a_report_and_the_family_is_told_in_their_chat(live, page, fake_telegram):
    report = file_report(live, 1, reporter=REPORTER_CHAT)
    file_report(live, 2, kecamatan=PEDAMARAN, desa="16.02.03.2002")  # elsewhere: not on this kades's list
    live.staff("kades.sukadana", "kades", desa=SUKADANA)
    login(page, live, "kades.sukadana")
    page.click("nav >> text=Laporan Santunan")
    rows = page.locator("tr[data-reference]")
    assert rows.count() == 1 and rows.first.get_attribute("data-reference") == report.reference
    assert _nik(1) not in rows.first.inner_text()  # the NIK is masked on the list
    shot(page, "reports")
    page.click(f"a[href='/admin/laporan/{report.reference}']")
    assert page.locator("#status").get_attribute("data-status") == "diajukan"
    assert page.locator("#nik").inner_text() != _nik(1)  # masked
    page.fill("#pesan-diverifikasi_desa", "Sudah dicek ke rumah duka.")
    page.fill("#alasan-diverifikasi_desa", "KK dan KTP diperiksa di kantor desa")  # no document was sent
    page.once("dialog", lambda dialog: dialog.accept())  # "Verifikasi (desa) laporan SK-…?"
    page.click("button[data-transition=diverifikasi_desa]")
    page.wait_for_selector("#status[data-status=diverifikasi_desa]")
    assert "Sudah dicek ke rumah duka." in page.locator("#riwayat-laporan").inner_text()
    shot(page, "report-detail")
    deadline = time.monotonic() + 20  # the worker inside the app sends the notice
    while not any(report.reference in t for t in fake_telegram.texts_to(int(REPORTER_CHAT))):
        assert time.monotonic() < deadline, "the family's chat was not told"
        time.sleep(0.2)


def test_a_camat_cannot_open_a_report_from_another_kecamatan(live, page):
    elsewhere = file_report(live, 3, kecamatan=PEDAMARAN, desa="16.02.03.2002")
    live.staff("camat.kayuagung", "camat", kecamatan=KAG)
    login(page, live, "camat.kayuagung")
    response = page.goto(f"{live.url}/admin/laporan/{elsewhere.reference}")
    assert response.status == 404  # as a reference that does not exist (security review F14)
    assert "ALMARHUM KE 3" not in page.content() and _nik(3) not in page.content()
    shot(page, "report-forbidden")


def test_the_dashboard_charts_reports_by_kecamatan(live, page):
    for i in range(6):
        file_report(live, 10 + i, kecamatan=KAG if i < 4 else PEDAMARAN,
                    desa=SUKADANA if i < 4 else "16.02.03.2002")
    live.staff("dinsos.oki", "dinsos")
    login(page, live, "dinsos.oki")
    chart = page.locator("svg").first
    assert chart.is_visible()
    assert "Kayu Agung" in chart.inner_html() and "Pedamaran" in chart.inner_html()
    shot(page, "dashboard")
