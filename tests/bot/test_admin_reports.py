"""The santunan pages under /admin/laporan: an area-scoped queue with filters, the report page with
its documents, history and one CSRF-checked form per allowed move, filing on a citizen's behalf,
and the export; the same service calls, rules and audit entries as the staff API."""
from __future__ import annotations

import csv
import io
import re
from datetime import timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy import select, update

from services.santunan import WIB, Draft
from storage.models import OutboxMessage, Report, utcnow
from tests.bot import test_admin
from tests.bot.test_admin import _csrf, _post, _signed_in
from tests.bot.test_api_registry import _token
from tests.guardrail_fields import PAPER_FORM, PAPER_JSON

browser = test_admin.browser  # the fixture opening one browser (cookie jar) per staff member

KAG, PDM = "16.02.05", "16.02.03"  # Kayu Agung, Pedamaran
SUKADANA, KEDATON, SUKARAJA_PDM = "16.02.05.1008", "16.02.05.1007", "16.02.03.2011"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PDF = b"%PDF-1.4\n%test\n"


def _draft(client, nik: str, desa: str, **documents: tuple[bytes, str]) -> Draft:
    rt = client.app.state.runtime
    died = rt.santunan.now().astimezone(WIB).date() - timedelta(days=1)
    files = [(kind, rt.attachments.save(data, ctype), ctype, len(data)) for kind, (data, ctype) in documents.items()]
    return Draft(deceased_nik=nik, deceased_name="Ahmad Sanusi", date_of_death=died, kecamatan_code=desa[:8],
                 desa_code=desa, kk_number="1602011203150001", reporter_name="Rahmawati", reporter_relationship="anak",
                 heir_name="Rahmawati", heir_phone="+6281234567890", documents=files)


async def _file(client, nik: str, desa: str, *, chat_user: str | None = None, **documents) -> str:
    """A report filed through the service; from a chat contact when `chat_user` is given."""
    rt = client.app.state.runtime
    contact = None
    if chat_user:
        contact = await rt.contacts.touch(channel="telegram", channel_user_id=chat_user, at=utcnow())
    report = await rt.santunan.file(_draft(client, nik, desa, **documents),
                                    filed_by=f"contact:{contact.id}" if contact else "test", contact=contact)
    return report.reference


async def _three(client) -> list[str]:
    """Sukadana and Kedaton (Kayu Agung) and Sukaraja (Pedamaran); the Kedaton one past its deadline."""
    references = [await _file(client, "1602015708850003", SUKADANA), await _file(client, "1602015708850004", KEDATON),
                  await _file(client, "1602015708850005", SUKARAJA_PDM)]
    async with client.app.state.runtime.db.begin() as conn:
        await conn.execute(update(Report).where(Report.reference == references[1])
                           .values(stage_due=utcnow() - timedelta(days=1)))
    return references


def _listed(page: str) -> list[str]:
    return re.findall(r'<tr data-reference="([^"]+)"', page)


def _status(page: str) -> str:
    return re.search(r'id="status" class="[^"]*" data-status="([^"]+)"', page)[1]


def _clean(page: str) -> None:
    """No inline script or style (the CSP forbids them), nothing from another site: the only
    outside links are the heir's WhatsApp (wa.me), which a staff member taps, never loaded."""
    assert "<script>" not in page and "style=" not in page
    assert not re.search(r"""(src|action)=["']?(https?:)?//""", page)
    assert not re.search(r"""href=["']?(https?:)?//(?!wa\.me/)""", page)


async def _outbox_for(client, reference: str, address: str) -> list:
    """The notices queued for one chat address about one report."""
    async with client.app.state.runtime.db.connect() as conn:
        rows = await conn.execute(select(OutboxMessage.channel, OutboxMessage.body)
                                  .where(OutboxMessage.address == address))
    return [row for row in rows if reference in row.body]


async def _status_of(client, reference: str) -> str:
    return (await client.app.state.runtime.santunan.get(reference)).status


# --- the queue ---
async def test_the_queue_shows_only_the_staff_members_area_most_urgent_first(client, browser):
    sukadana, kedaton, sukaraja = await _three(client)
    expected = {"dinsos1": ("dinsos", {}, [kedaton, sukadana, sukaraja]),
                "camat.kag": ("camat", {"kecamatan": KAG}, [kedaton, sukadana]),
                "camat.pdm": ("camat", {"kecamatan": PDM}, [sukaraja]),
                "kades.skd": ("kades", {"desa": SUKADANA}, [sukadana])}
    for who, (role, area, references) in expected.items():
        web = await _signed_in(browser, client, who, role, **area)
        page = (await web.get("/admin/laporan")).text
        listed = _listed(page)
        assert listed[0] == references[0] and sorted(listed) == sorted(references), who
        assert f'id="jumlah" data-total="{len(references)}"' in page, who
    _clean(page)
    assert "NIK 160201******0003" in page and "1602015708850003" not in page
    assert "Diajukan" in page and "Sukadana" in page and "Kedaton" not in page
    camat = (await (await _signed_in(browser, client, "camat2", "camat", kecamatan=KAG)).get("/admin/laporan")).text
    assert f'data-reference="{kedaton}" data-status="diajukan" data-overdue="1"' in camat and "Lewat tenggat" in camat
    assert f'data-reference="{sukadana}" data-status="diajukan" data-overdue="0"' in camat
    assert 'name="kecamatan"' not in camat and f'value="{SUKADANA}"' in camat and f'value="{SUKARAJA_PDM}"' not in camat
    assert "report.list" in [e.action for e in await client.app.state.runtime.audit.recent(limit=50)]


async def test_the_queue_filters_and_pages(client, browser, monkeypatch):
    sukadana, kedaton, sukaraja = await _three(client)
    kades = await _token(client, "kades.api", "kades", desa=SUKADANA)
    await client.post(f"/api/v1/reports/{sukadana}/transitions", json={"to": "diverifikasi_desa", **PAPER_JSON},
                      headers=kades)
    dinsos = await _signed_in(browser, client, "dinsos1", "dinsos")
    cases = {"?status=diverifikasi_desa": [sukadana], "?overdue=1": [kedaton], f"?kecamatan={PDM}": [sukaraja],
             f"?desa={KEDATON}": [kedaton], "?kecamatan=Pedamaran": [sukaraja], "?jkm=ya": [],
             "?jkm=tidak&kecamatan=16.02.05": [kedaton, sukadana], "?since=2000-01-01&until=2000-12-31": []}
    for query, references in cases.items():
        page = (await dinsos.get(f"/admin/laporan{query}")).text
        assert sorted(_listed(page)) == sorted(references), query
    page = (await dinsos.get("/admin/laporan?status=diverifikasi_desa")).text
    assert '<option value="diverifikasi_desa" selected>' in page and "ekspor.csv?status=diverifikasi_desa" in page
    bad = (await dinsos.get("/admin/laporan?since=kemarin&status=nope")).text
    assert "tidak dapat dibaca" in bad and "Status yang dipilih tidak dikenal" in bad and len(_listed(bad)) == 3
    camat = await _signed_in(browser, client, "camat.kag", "camat", kecamatan=KAG)
    assert sorted(_listed((await camat.get(f"/admin/laporan?desa={SUKADANA}")).text)) == [sukadana]
    outside = await camat.get(f"/admin/laporan?kecamatan={PDM}")
    assert outside.status_code == 403 and "di luar wilayah Anda" in outside.text

    monkeypatch.setattr("bot.admin.reports.PAGE_SIZE", 2)
    first = (await dinsos.get("/admin/laporan")).text
    assert _listed(first) == [kedaton, sukaraja] and "Halaman 1 dari 2" in first  # Sukadana's new stage: due later
    later = re.search(r'href="([^"]+)" rel="next"', first)[1].replace("&amp;", "&")
    second = (await dinsos.get(later)).text
    assert _listed(second) == [sukadana] and 'rel="prev"' in second and "status=" not in later


async def test_humas_may_not_open_the_queue(client, browser):
    humas = await _signed_in(browser, client, "humas1", "humas")
    for path in ("/admin/laporan", "/admin/laporan/baru", "/admin/laporan/ekspor.csv", "/admin/laporan/SK-XXXX-XXX"):
        r = await humas.get(path)
        assert r.status_code == 403 and "Akses ditolak" in r.text, path


# --- one report ---
async def test_a_report_outside_the_area_is_not_found_as_one_that_does_not_exist(client, browser):
    sukadana, _, sukaraja = await _three(client)
    camat = await _signed_in(browser, client, "camat.kag", "camat", kecamatan=KAG)
    r = await camat.get(f"/admin/laporan/{sukaraja}")
    missing = await camat.get("/admin/laporan/SK-AAAA-AAA")
    assert r.status_code == 404 and "Ahmad Sanusi" not in r.text and r.text == missing.text  # F14
    assert (await camat.get(f"/admin/laporan/{sukadana}")).status_code == 200
    assert (await camat.get(f"/admin/laporan/{sukadana.lower()}")).status_code == 200
    assert (await camat.get("/admin/laporan/SK-AAAA-AAA")).status_code == 404
    kades = await _signed_in(browser, client, "kades.kdt", "kades", desa=KEDATON)
    assert (await kades.get(f"/admin/laporan/{sukadana}")).status_code == 404


async def test_a_kades_verifies_from_the_report_page_and_the_reporter_is_told(client, browser):
    reference = await _file(client, "1602015708850003", SUKADANA, chat_user="501")
    kades = await _signed_in(browser, client, "kades.skd", "kades", desa=SUKADANA)
    page = (await kades.get(f"/admin/laporan/{reference}")).text
    _clean(page)
    assert _status(page) == "diajukan" and "160201******0003" in page and "1602011203150001" in page
    assert re.findall(r'data-transition="([^"]+)"', page) == ["diverifikasi_desa", "perlu_perbaikan"]
    # what goes to the family and what stays internal are two fields (staff UX review, friction 3)
    assert re.search(r'id="pesan-perlu_perbaikan" name="pesan" rows="2" maxlength="1000">', page)
    assert re.search(r'id="catatan-perlu_perbaikan" name="catatan" rows="2" maxlength="1000">', page)
    r = await _post(kades, f"/admin/laporan/{reference}", f"/admin/laporan/{reference}/pindah",
                    ke="diverifikasi_desa", pesan="Sudah dicek ke rumah duka", catatan="desil 3 menurut DTSEN",
                    alasan="KK dan KTP diperiksa di kantor desa")
    assert r.status_code == 303 and r.headers["location"] == f"/admin/laporan/{reference}?ok=diverifikasi_desa"
    page = (await kades.get(r.headers["location"])).text
    assert _status(page) == "diverifikasi_desa" and "Pemberitahuan untuk pelapor masuk antrean Telegram" in page
    entry = re.search(r'<li data-to="diverifikasi_desa" data-from="diajukan">.*?</li>', page, re.S)[0]
    assert "Diajukan → Diverifikasi desa" in entry and "kades.skd" in entry
    assert re.search(r'data-sent="keluarga">.*Sudah dicek ke rumah duka', entry)
    assert re.search(r'data-sent="internal">.*desil 3 menurut DTSEN', entry)
    assert 'id="tanpa-tindakan"' in page  # the next stage is the camat's
    [notice] = await _outbox_for(client, reference, "501")
    assert notice.channel == "telegram"
    assert '"status": "diverifikasi_desa"' in notice.body and "Sudah dicek ke rumah duka" in notice.body
    assert "desil" not in notice.body  # the internal note never reaches the family
    actions = [e.action for e in await client.app.state.runtime.audit.recent(limit=50)]
    assert "report.transition" in actions and "report.view" in actions


async def test_a_move_without_a_valid_csrf_token_changes_nothing(client, browser):
    reference = await _file(client, "1602015708850003", SUKADANA, chat_user="501")
    kades = await _signed_in(browser, client, "kades.skd", "kades", desa=SUKADANA)
    other = await _signed_in(browser, client, "kades.lain", "kades", desa=SUKADANA)
    foreign = _csrf((await other.get(f"/admin/laporan/{reference}")).text)
    await kades.get(f"/admin/laporan/{reference}")
    for fields in ({}, {"csrf_token": ""}, {"csrf_token": "0" * 64}, {"csrf_token": foreign}):
        r = await kades.post(f"/admin/laporan/{reference}/pindah", data={"ke": "diverifikasi_desa", **fields})
        assert r.status_code == 403 and "Formulir kedaluwarsa" in r.text, fields
    assert await _status_of(client, reference) == "diajukan"
    assert await _outbox_for(client, reference, "501") == []


async def test_wrong_moves_are_explained_and_change_nothing(client, browser):
    reference = await _file(client, "1602015708850003", SUKADANA)
    kades = await _signed_in(browser, client, "kades.skd", "kades", desa=SUKADANA)
    camat = await _signed_in(browser, client, "camat.kag", "camat", kecamatan=KAG)
    detail, action = f"/admin/laporan/{reference}", f"/admin/laporan/{reference}/pindah"
    r = await _post(kades, detail, action, ke="perlu_perbaikan", catatan="  ", pesan=" ")
    assert r.status_code == 400 and "Tuliskan alasannya" in r.text and _status(r.text) == "diajukan"
    r = await _post(kades, detail, action, ke="diverifikasi_desa", catatan="x" * 1001)
    assert r.status_code == 400 and "terlalu panjang" in r.text
    r = await _post(camat, detail, action, ke="diverifikasi_desa")
    assert r.status_code == 403 and "tidak boleh" in r.text
    stale = _csrf((await kades.get(detail)).text)  # the page is open, then the report moves on
    assert (await kades.post(action, data={"csrf_token": stale, "ke": "diverifikasi_desa", **PAPER_FORM})
            ).status_code == 303
    r = await kades.post(action, data={"csrf_token": stale, "ke": "diverifikasi_desa"})
    assert r.status_code == 409 and "sudah diproses orang lain" in r.text and _status(r.text) == "diverifikasi_desa"
    r = await _post(camat, detail, action, ke="dicairkan")
    assert r.status_code == 403
    r = await _post(camat, detail, action, ke="perlu_perbaikan", pesan="Foto KK buram")
    page = (await camat.get(r.headers["location"])).text
    assert _status(page) == "perlu_perbaikan" and 'id="kekurangan">Foto KK buram<' in page
    assert 'data-transition="diverifikasi_desa"' in page  # the camat may send it back where it left
    assert "Kembalikan ke «Diverifikasi desa»" in page


# --- documents ---
async def test_documents_are_shown_to_entitled_staff_only(client, browser):
    reference = await _file(client, "1602015708850003", SUKADANA, sktm=(PNG, "image/png"),
                            akta_kematian=(PDF, "application/pdf"))
    dinsos = await _signed_in(browser, client, "dinsos1", "dinsos")
    page = (await dinsos.get(f"/admin/laporan/{reference}")).text
    image = re.search(rf'<img src="(/admin/laporan/{reference}/dokumen/[0-9a-f]+\.png)"', page)[1]
    pdf = re.search(rf'<a class="button" href="(/admin/laporan/{reference}/dokumen/[0-9a-f]+\.pdf)">Buka PDF', page)[1]
    assert "Belum ada: Kartu Keluarga, KTP almarhum, KTP ahli waris." in page
    r = await dinsos.get(image)
    assert r.status_code == 200 and r.content == PNG and r.headers["content-type"] == "image/png"
    assert r.headers["cache-control"] == "private, no-store" and r.headers["content-disposition"].startswith("inline")
    r = await dinsos.get(pdf)
    assert r.status_code == 200 and r.content == PDF and r.headers["content-type"] == "application/pdf"
    assert r.headers["content-disposition"].startswith("attachment")  # a download, never a page (F17)
    kades_other = await _signed_in(browser, client, "kades.kdt", "kades", desa=KEDATON)
    r = await kades_other.get(image)
    assert r.status_code == 404 and r.content != PNG
    kades = await _signed_in(browser, client, "kades.skd", "kades", desa=SUKADANA)
    assert (await kades.get(image)).content == PNG
    assert (await kades.get(f"/admin/laporan/{reference}/dokumen/0000.png")).status_code == 404
    assert (await kades.get(f"/admin/laporan/{reference}/dokumen/..%2F..%2Fsecret_key")).status_code == 404
    assert (await (await browser()).get(image)).status_code == 303  # signed out: to the login
    views = [e for e in await client.app.state.runtime.audit.recent(limit=50) if e.action == "report.document_view"]
    assert len(views) == 3


# --- filing on a citizen's behalf ---
def _form(**extra) -> dict[str, str]:
    return {"deceased_nik": "1602 0157 0885 0003", "deceased_name": "Ahmad Sanusi",
            "date_of_death": str(utcnow().astimezone(WIB).date() - timedelta(days=1)), "desa": SUKADANA,
            "kk_number": "1602011203150001", "reporter_name": "Rahmawati", "reporter_relationship": "anak",
            "heir_name": "Rahmawati", "heir_phone": "0812-3456-7890", "bank_name": "", "bank_account": "",
            "bank_holder": "", **extra}


async def test_filing_on_behalf_with_kind_errors_and_the_existing_reference_for_a_duplicate(client, browser):
    kades = await _signed_in(browser, client, "kades.skd", "kades", desa=SUKADANA)
    form = (await kades.get("/admin/laporan/baru")).text
    _clean(form)
    assert f'<option value="{SUKADANA}" selected>' in form and f'value="{KEDATON}"' not in form
    bad = _form(deceased_nik="1602015708", kk_number="123", heir_phone="12345", reporter_name="R")
    r = await _post(kades, "/admin/laporan/baru", "/admin/laporan/baru", **bad)
    assert r.status_code == 400
    for field, says in (("deceased_nik", "baru 10 angka"), ("kk_number", "16 angka"),
                        ("heir_phone", "Bukan nomor HP"), ("reporter_name", "sedikitnya 2")):
        assert re.search(rf'id="{field}-error">[^<]*{says}', r.text), field
    assert 'value="Ahmad Sanusi"' in r.text and 'value="1602015708"' in r.text  # the values are kept
    r = await _post(kades, "/admin/laporan/baru", "/admin/laporan/baru", **_form(desa=KEDATON))
    assert r.status_code == 403 and "di luar wilayah Anda" in r.text
    late = str(utcnow().astimezone(WIB).date() - timedelta(days=30))
    r = await _post(kades, "/admin/laporan/baru", "/admin/laporan/baru", **_form(date_of_death=late))
    assert r.status_code == 400 and "laporan terlambat tidak dapat diterima" in r.text

    r = await _post(kades, "/admin/laporan/baru", "/admin/laporan/baru", **_form())
    assert r.status_code == 303
    reference = r.headers["location"].split("/")[-1].split("?")[0]
    page = (await kades.get(r.headers["location"])).text
    assert "sudah dicatat" in page and _status(page) == "diajukan" and "kades.skd" in page
    report = await client.app.state.runtime.santunan.get(reference)
    assert (report.desa_code, report.kecamatan_code, report.heir_phone) == (SUKADANA, KAG, "+6281234567890")
    assert report.filed_by.startswith("staff:") and report.bank_name is None

    dinsos = await _signed_in(browser, client, "dinsos1", "dinsos")
    r = await _post(dinsos, "/admin/laporan/baru", "/admin/laporan/baru", **_form(deceased_name="Orang Lain"))
    assert r.status_code == 409 and f'data-reference="{reference}"' in r.text
    assert 'value="Orang Lain"' in r.text
    r = await dinsos.post("/admin/laporan/baru", data=_form(deceased_nik="1602015708850009"))
    assert r.status_code == 403  # no CSRF token
    assert "report.file" in [e.action for e in await client.app.state.runtime.audit.recent(limit=50)]


# --- the export ---
async def test_the_export_keeps_the_filters_and_the_area(client, browser):
    sukadana, kedaton, sukaraja = await _three(client)
    dinsos = await _signed_in(browser, client, "dinsos1", "dinsos")
    r = await dinsos.get(f"/admin/laporan/ekspor.csv?kecamatan={KAG}&overdue=1")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    assert 'filename="laporan-santunan.csv"' in r.headers["content-disposition"]
    rows = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert [row[0] for row in rows[1:]] == [kedaton] and rows[1][5] == "160201******0004" and rows[1][16] == "ya"
    api = await client.get("/api/v1/reports/export.csv", headers=await _token(client, "dinsos.api", "dinsos"))
    assert rows[0] == next(csv.reader(io.StringIO(api.content.decode("utf-8-sig"))))  # the API's columns
    everything = list(csv.reader(io.StringIO((await dinsos.get("/admin/laporan/ekspor.csv")).content
                                             .decode("utf-8-sig"))))
    assert sorted(row[0] for row in everything[1:]) == sorted([sukadana, kedaton, sukaraja])
    camat = await _signed_in(browser, client, "camat.pdm", "camat", kecamatan=PDM)
    sheet = load_workbook(io.BytesIO((await camat.get("/admin/laporan/ekspor.xlsx")).content)).active
    assert sheet.max_row == 2 and sheet.cell(2, 1).value == sukaraja and sheet.cell(2, 3).value == "Pedamaran"
    assert (await camat.get(f"/admin/laporan/ekspor.csv?kecamatan={KAG}")).status_code == 403
    assert (await dinsos.get("/admin/laporan/ekspor.csv?since=kemarin")).status_code == 400
    assert (await dinsos.get("/admin/laporan/ekspor.pdf")).status_code == 404
    exports = [e for e in await client.app.state.runtime.audit.recent(limit=50) if e.action == "report.export"]
    assert len(exports) == 4


@pytest.mark.parametrize("path", ["/admin/laporan/baru", "/admin/laporan/ekspor.csv", "/admin/laporan/SK-AAAA-AAA",
                                  "/admin/laporan/SK-AAAA-AAA/dokumen/x.png"])
async def test_every_report_page_needs_a_session(client, path):
    r = await client.get(path)
    assert r.status_code == 303 and r.headers["location"] == "/admin/login"
