"""The staff pages on a 390 × 844 phone (issue 19, item 13; staff UX review friction 21): nothing
scrolls sideways on the dashboard, the report list, Tugas saya, the payment list or a report; the
menu wraps with "Keluar" on the first screen; the charts' text is drawn at a legible size; on a
report the actions are one visible tap away ("Tindakan ↓", which stays on screen while scrolling).
And «Lapor atas nama warga» narrows the desa list to the kecamatan chosen (item 14). Phone
screenshots of the dashboard, Tugas saya and the payment list go to docs/screenshots/."""
from __future__ import annotations

from bot.admin.charts import FONT_SIZE
from tests.browser.conftest import login, shot
from tests.browser.test_admin_reports_browser import KAG, PEDAMARAN, SUKADANA, file_report
from tests.browser.test_office_browser import CAMAT, KADES, _approved, _move

PHONE = {"width": 390, "height": 844}


def _phone(browser):
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True, locale="id-ID")
    page = context.new_page()
    page.set_default_timeout(15_000)
    return page


def _on_first_screen(page, selector: str) -> None:
    box = page.locator(selector).first.bounding_box()
    assert box is not None and page.locator(selector).first.is_visible(), selector
    assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], (selector, box)
    assert box["y"] >= 0 and box["y"] + box["height"] <= PHONE["height"], (selector, box)


def _fits(page) -> None:
    """Nothing to scroll sideways, and "Keluar" on the first screen."""
    width = page.evaluate("[document.scrollingElement.scrollWidth, window.innerWidth]")
    assert width[0] <= width[1] == PHONE["width"], (page.url, width)
    _on_first_screen(page, "form.logout button")


def _dinsos_with_work(live):
    waiting = file_report(live, 21)
    _move(live, waiting, (KADES, "diverifikasi_desa"), (CAMAT, "diverifikasi_kecamatan"))
    _approved(live, 22)
    _approved(live, 23)
    file_report(live, 24, kecamatan=PEDAMARAN, desa="16.02.03.2002")
    made = live.staff("dinsos.oki", "dinsos")
    live.run(live.runtime.staff.set_profile(staff_id=made.id, display_name="Ani Lestari",
                                            position="Operator Dinas Sosial", actor="test"))
    return waiting


def test_the_staff_pages_fit_a_phone_with_the_menu_and_the_actions_in_reach(live, browser):
    waiting = _dinsos_with_work(live)
    page = _phone(browser)
    login(page, live, "dinsos.oki")
    _fits(page)
    scales = page.evaluate("Array.from(document.querySelectorAll('svg.chart'))"
                           ".map(s => s.getBoundingClientRect().width / s.viewBox.baseVal.width)")
    assert len(scales) == 2 and all(FONT_SIZE * s >= 12 for s in scales), scales  # chart text 12 px or more
    shot(page, "dashboard-office-phone")
    for path, name in (("/admin/laporan", None), ("/admin/laporan/tugas", "tasks-phone"),
                       ("/admin/pembayaran", "payments-phone")):
        page.goto(live.url + path)
        _fits(page)
        if name:
            shot(page, name)
    assert page.locator("#pembayaran tr[data-reference]").count() == 2

    page.goto(f"{live.url}/admin/laporan/{waiting.reference}")
    _fits(page)
    assert page.evaluate("document.scrollingElement.scrollHeight") > 2 * PHONE["height"]  # a long page
    _on_first_screen(page, "#ke-tindakan")
    page.click("#ke-tindakan")
    _on_first_screen(page, "button[data-transition=disetujui]")  # one tap: the approval form is on screen
    page.evaluate("window.scrollTo(0, document.scrollingElement.scrollHeight)")
    _on_first_screen(page, "#ke-tindakan")  # still there at the bottom of the history
    page.click("#ke-dokumen")
    _on_first_screen(page, "#dokumen")
    page.context.close()


def test_the_kecamatan_narrows_the_desa_list_on_lapor_atas_nama_warga(live, page):
    live.staff("dinsos.oki", "dinsos")
    login(page, live, "dinsos.oki")
    page.goto(live.url + "/admin/laporan/baru")
    assert page.locator("#tampilkan-desa").is_hidden()  # the script narrows the list in the page
    groups = page.locator("#desa optgroup")
    assert groups.count() > 10
    page.select_option("#kecamatan", KAG)
    assert groups.count() == 1 and groups.first.get_attribute("data-kecamatan") == KAG
    page.select_option("#desa", SUKADANA)
    page.select_option("#kecamatan", PEDAMARAN)
    assert groups.count() == 1 and groups.first.get_attribute("data-kecamatan") == PEDAMARAN
    assert page.locator("#desa").input_value() == ""  # Sukadana is not in Pedamaran
    page.select_option("#kecamatan", "")
    assert groups.count() > 10
