"""What a Dinas Sosial office sees when it runs the santunan on the admin (issue 19), in a real
browser: documents from every side (a staff upload, the checklist), the guardrails for public money
(override reason, desil, transfer date and reference, confirmations), honest notices, Tugas saya,
search (reports and the registry's full NIK), the Kepala Dinas dashboard, the payment list with a
batch mark-paid, the audit page, and a coverage row flagged when its worker is reported dead."""
from __future__ import annotations

from datetime import timedelta

from services.santunan import WIB
from services.staff import StaffInfo
from storage.models import utcnow
from tests.browser.conftest import login, shot
from tests.browser.test_admin_reports_browser import KAG, PEDAMARAN, SUKADANA, _nik, file_report
from tests.guardrail_fields import PAPER

JPEG = bytes.fromhex("ffd8ffe000104a46494600010100000100010000") + b"\x00" * 2000 + b"\xff\xd9"
KADES = StaffInfo(9, "kades.skd", "kades", KAG, SUKADANA)
CAMAT = StaffInfo(10, "camat.kag", "camat", KAG, None)
DINSOS = StaffInfo(11, "dinsos.x", "dinsos", None, None)


def _move(live, report, *steps):
    for staff, to in steps:
        live.run(live.runtime.santunan.transition(reference=report.reference, to=to, note=None, staff=staff,
                                                  details=PAPER))


def _approved(live, i):
    report = file_report(live, i)
    _move(live, report, (KADES, "diverifikasi_desa"), (CAMAT, "diverifikasi_kecamatan"), (DINSOS, "disetujui"))
    return report


def _today() -> str:
    return utcnow().astimezone(WIB).date().isoformat()


def test_a_kades_attaches_a_paper_document_and_verifies_with_a_reason(live, page, browser):
    report = file_report(live, 1, reporter="515151")
    live.staff("kades.sukadana", "kades", desa=SUKADANA)
    login(page, live, "kades.sukadana")
    page.goto(f"{live.url}/admin/laporan/{report.reference}")
    states = page.locator("#checklist tr[data-kind]")
    assert states.count() == 5 and {states.nth(i).get_attribute("data-state") for i in range(5)} == {"belum_ada"}
    page.select_option("#jenis-dokumen", "sktm")
    page.set_input_files("#berkas-dokumen", files=[{"name": "sktm.jpg", "mimeType": "image/jpeg", "buffer": JPEG}])
    page.click("#unggah-dokumen button[type=submit]")
    page.wait_for_selector("#pemberitahuan:has-text('Dokumen sudah dilampirkan')")
    assert page.locator("#checklist tr[data-kind=sktm]").get_attribute("data-state") == "ada"
    assert page.locator("li[data-document=sktm] img").count() == 1
    # a file that is not a photo or PDF is refused, kindly, and nothing is attached
    page.set_input_files("#berkas-dokumen", files=[{"name": "kk.jpg", "mimeType": "image/jpeg",
                                                    "buffer": b"<html><script>alert(1)</script>"}])
    page.click("#unggah-dokumen button[type=submit]")
    page.wait_for_selector("#kesalahan:has-text('bukan foto')")
    assert page.locator("li[data-document]").count() == 1
    page.select_option("#keadaan-kk", "diperiksa_langsung")
    page.click("#checklist tr[data-kind=kk] button")
    page.wait_for_selector("#checklist tr[data-kind=kk][data-state=diperiksa_langsung]")
    # three documents are still missing: verifying asks for a reason, and for a confirmation
    assert page.locator("form[data-move=diverifikasi_desa] [data-guard=documents]").is_visible()
    page.fill("#alasan-diverifikasi_desa", "KTP almarhum dan ahli waris diperiksa di kantor desa")
    page.once("dialog", lambda dialog: dialog.dismiss())  # "Batal": nothing moves
    page.click("button[data-transition=diverifikasi_desa]")
    assert page.locator("#status").get_attribute("data-status") == "diajukan"
    page.fill("#alasan-diverifikasi_desa", "KTP almarhum dan ahli waris diperiksa di kantor desa")
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("button[data-transition=diverifikasi_desa]")
    page.wait_for_selector("#status[data-status=diverifikasi_desa]")
    assert "Pengecualian: KTP almarhum dan ahli waris diperiksa" in page.locator("#riwayat-laporan").inner_text()
    assert "Pemberitahuan untuk pelapor masuk antrean Telegram" in page.locator("#pemberitahuan").inner_text()
    assert page.locator("#daftar-pemberitahuan li[data-status=diverifikasi_desa]").count() == 1
    shot(page, "report-checklist")
    phone = browser.new_context(viewport={"width": 390, "height": 844}, locale="id-ID").new_page()
    login(phone, live, "kades.sukadana")
    phone.goto(f"{live.url}/admin/laporan/{report.reference}")
    assert phone.locator("#ke-tindakan").is_visible()  # the actions are one tap away on a phone
    logout = phone.locator("form.logout button").bounding_box()  # the menu wraps: "Keluar" is on screen
    assert logout["x"] >= 0 and logout["x"] + logout["width"] <= 390
    shot(phone, "report-checklist-phone")
    phone.context.close()


def test_approving_and_paying_need_the_desil_the_transfer_and_a_confirmation(live, page):
    report = file_report(live, 2)
    _move(live, report, (KADES, "diverifikasi_desa"), (CAMAT, "diverifikasi_kecamatan"))
    live.staff("dinsos.oki", "dinsos")
    login(page, live, "dinsos.oki")
    page.goto(f"{live.url}/admin/laporan/{report.reference}")
    assert page.locator("#desil-disetujui").get_attribute("required") is not None
    page.fill("#desil-disetujui", "8")  # above the rule's maximum (desil 5), with no reason
    page.check("#yakin-disetujui")
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("button[data-transition=disetujui]")
    page.wait_for_selector("#kesalahan")
    assert "Alasan pengecualian" in page.locator("#kesalahan").inner_text()
    assert page.locator("#status").get_attribute("data-status") == "diverifikasi_kecamatan"
    page.fill("#desil-disetujui", "3")
    page.check("#yakin-disetujui")
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("button[data-transition=disetujui]")
    page.wait_for_selector("#status[data-status=disetujui]")
    assert page.locator("#desil").inner_text() == "3"
    assert page.locator("#tanggal-dicairkan").get_attribute("required") is not None
    page.fill("#tanggal-dicairkan", _today())
    page.fill("#referensi-dicairkan", "SP2D-0099/2026")
    page.check("#yakin-dicairkan")
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("button[data-transition=dicairkan]")
    page.wait_for_selector("#status[data-status=dicairkan]")
    assert "SP2D-0099/2026" in page.locator("#transfer").inner_text()
    # a report staff filed has no chat to tell: the page says so and offers the heir's phone
    assert page.locator("#tidak-terjangkau").is_visible()
    assert page.locator("#tidak-terjangkau a[href='tel:+6281234567890']").count() == 1


def test_tugas_saya_lists_what_waits_for_this_account_overdue_first(live, page):
    soon, late = file_report(live, 3), file_report(live, 4)
    file_report(live, 5, kecamatan=PEDAMARAN, desa="16.02.03.2002")  # another desa: not this kades's task
    done = file_report(live, 6)
    _move(live, done, (KADES, "diverifikasi_desa"))  # already verified: the camat's now
    late_row = live.run(live.runtime.santunan.get(late.reference))
    live.run(live.runtime.santunan._reports.mark(report_id=late_row.id, stage_due=utcnow() - timedelta(days=2)))
    live.staff("kades.sukadana", "kades", desa=SUKADANA)
    login(page, live, "kades.sukadana")
    assert page.locator("#jumlah-tugas .number").inner_text() == "2"
    assert "1 lewat tenggat" in page.locator("#tugas-lewat").inner_text()
    shot(page, "dashboard-office")
    page.click("#jumlah-tugas")
    items = page.locator("#tugas-saya li")
    assert [items.nth(i).get_attribute("data-reference") for i in range(items.count())] == [late.reference,
                                                                                            soon.reference]
    assert "lewat 2 hari" in items.nth(0).inner_text() or "lewat 3 hari" in items.nth(0).inner_text()
    assert "sisa 3 hari" in items.nth(1).inner_text() and "WIB" in items.nth(1).inner_text()
    assert "menunggu verifikasi desa Anda" in items.nth(1).inner_text()
    shot(page, "tasks")


def test_one_search_box_finds_reports_and_the_registry_finds_a_full_nik(live, page):
    wanted = file_report(live, 7)
    file_report(live, 8)
    csv = ("nik,nama,tanggal_lahir,kategori,kecamatan,mulai,akhir\n"
           f"{_nik(7)},ALMARHUM KE 7,1985-08-17,pekerja rentan,Kayu Agung,2025-01-01,2030-12-31\n"
           f"{_nik(40)},SITI AMINAH,1985-08-17,pekerja rentan,Kayu Agung,2025-01-01,2030-12-31\n").encode()
    live.run(live.runtime.importer.run(source=csv, filename="daftar.csv", actor="test"))
    live.run(live.runtime.registry.mark_dead(nik_hash=wanted.deceased_nik_hash, reference=wanted.reference))
    live.staff("dinsos.oki", "dinsos")
    login(page, live, "dinsos.oki")
    page.goto(f"{live.url}/admin/laporan")
    assert "NIK lengkap" in page.locator("#q-petunjuk").inner_text()
    for query in ("almarhum ke 7", _nik(7), wanted.reference):
        page.fill("#q", query)
        page.click("#cari-laporan button")
        rows = page.locator("tr[data-reference]")
        assert rows.count() == 1 and rows.first.get_attribute("data-reference") == wanted.reference, query
    page.goto(f"{live.url}/admin/registri")
    page.fill("input[name=q]", _nik(7))
    page.click("button[data-action=search]")
    assert page.locator("#result-count").inner_text() == "1"
    flag = page.locator("#registry-results .reported-dead")
    assert flag.get_attribute("data-reported-dead") == wanted.reference and "dilaporkan meninggal" in flag.inner_text()
    deceased = page.request.get(f"{live.url}/admin/registri/meninggal.csv")
    assert deceased.status == 200 and wanted.reference in deceased.text() and _nik(7) not in deceased.text()


def test_the_payment_list_exports_and_marks_a_batch_paid(live, page):
    first, second = _approved(live, 9), _approved(live, 10)
    live.staff("dinsos.oki", "dinsos")
    login(page, live, "dinsos.oki")
    page.click("nav >> text=Pembayaran")
    assert page.locator("#pembayaran tr[data-reference]").count() == 2
    assert page.locator("#total-rupiah").inner_text() == "Rp2.000.000"
    shot(page, "payments")
    export = page.request.get(f"{live.url}/admin/pembayaran/ekspor.csv")
    text = export.text()
    assert export.status == 200 and "Jumlah (Rp)" in text and "Disetujui oleh" in text and first.reference in text
    assert page.request.get(f"{live.url}/admin/pembayaran/ekspor.xlsx").body()[:2] == b"PK"
    page.check(f"#pilih-{first.reference}")
    page.check(f"#pilih-{second.reference}")
    page.fill("#tanggal-transfer", _today())
    page.fill("#referensi-transfer", "SP2D-0100/2026")
    page.check("#yakin-cairkan")
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("#tandai-dicairkan")
    page.wait_for_selector("#pemberitahuan:has-text('2 laporan ditandai sudah dicairkan')")
    assert page.locator("#tanpa-pembayaran").is_visible()
    page.goto(f"{live.url}/admin/pembayaran?status=dicairkan")
    assert "SP2D-0100/2026" in page.locator(f"tr[data-reference={first.reference}]").inner_text()
    page.goto(f"{live.url}/admin")
    assert page.locator("#rupiah-dicairkan").inner_text() == "Rp2.000.000"
    shot(page, "dashboard-kadis")


def test_the_audit_page_is_for_admins_and_filters_by_report(live, page, browser):
    report = _approved(live, 11)
    live.staff("admin.oki", "admin")
    live.staff("kades.sukadana", "kades", desa=SUKADANA)
    login(page, live, "admin.oki")
    page.click("nav >> text=Audit")
    page.fill("#laporan", report.reference)
    page.select_option("#tindakan", "report.transition")
    page.click("#saring-audit button")
    rows = page.locator("#audit tr[data-action]")
    assert rows.count() == 3 and {rows.nth(i).get_attribute("data-action") for i in range(3)} == {"report.transition"}
    csv = page.request.get(live.url + page.locator("#ekspor-audit").get_attribute("href"))
    assert csv.status == 200 and csv.text().count("report.transition") == 3
    shot(page, "audit")
    other = browser.new_context(locale="id-ID").new_page()
    login(other, live, "kades.sukadana")
    assert other.goto(f"{live.url}/admin/audit").status == 403
    other.context.close()


def test_the_chat_link_page_offers_deep_links_and_a_qr_code(live, page):
    live.runtime.settings.telegram_bot_username = "LayananOKIBot"
    live.runtime.settings.twilio_whatsapp_from = "whatsapp:+6281100001111"
    live.staff("kades.sukadana", "kades", desa=SUKADANA)
    login(page, live, "kades.sukadana")
    page.click("nav >> text=Tautkan Chat")
    page.click("form[action='/admin/akun/tautkan/kode'] button")
    code = page.locator("#kode").inner_text()
    links = page.locator("#tautan-cepat a[data-deep-link]")
    assert [links.nth(i).get_attribute("href") for i in range(links.count())] == [
        f"https://t.me/LayananOKIBot?start={code}", f"https://wa.me/6281100001111?text=TAUTKAN%20{code}"]
    qr = page.locator("#tautan-cepat img.qr").first
    assert qr.get_attribute("src").startswith("data:image/svg+xml") and qr.evaluate("i => i.naturalWidth") > 0
    shot(page, "chat-link")
