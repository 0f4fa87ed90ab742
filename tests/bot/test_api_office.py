"""The guardrails for public money through the staff API (services/guardrails.py): a required field
missing is 422 naming it and changes nothing; an override is kept and audited; a staff upload is
sniffed and limited like a citizen's file; the search box finds a full NIK through its keyed hash;
a report filed flags the deceased's coverage row."""
from __future__ import annotations

from datetime import date, timedelta

import pytest

from tests.bot.test_api_registry import _token
from tests.bot.test_api_reports import KAG, KEDATON, SUKADANA, _file

JPEG = bytes.fromhex("ffd8ffe000104a46494600010100000100010000") + b"\x00" * 2000 + b"\xff\xd9"
REASON = "dokumen diperiksa langsung di kantor desa"


@pytest.fixture
async def staff(client):
    return {"dinsos": await _token(client, "dinsos1", "dinsos"),
            "camat": await _token(client, "camat.kag", "camat", kecamatan=KAG),
            "kades": await _token(client, "kades.skd", "kades", desa=SUKADANA),
            "kades_other": await _token(client, "kades.kdt", "kades", desa=KEDATON)}


async def _move(client, staff, reference, who, **body):
    r = await client.post(f"/api/v1/reports/{reference}/transitions", json=body, headers=staff[who])
    return r.status_code, r.text


async def _status(client, staff, reference):
    return (await client.get(f"/api/v1/reports/{reference}", headers=staff["dinsos"])).json()


async def test_each_missing_field_is_named_and_nothing_changes(client, staff):
    ref = (await _file(client, staff)).json()["reference"]
    st, text = await _move(client, staff, ref, "kades", to="diverifikasi_desa")
    assert st == 422 and "override_reason" in text and "sktm" in text
    assert (await _status(client, staff, ref))["status"] == "diajukan"
    assert (await _move(client, staff, ref, "kades", to="diverifikasi_desa", override_reason=REASON))[0] == 200
    assert (await _move(client, staff, ref, "camat", to="diverifikasi_kecamatan", override_reason=REASON))[0] == 200
    assert (await _move(client, staff, ref, "dinsos", to="disetujui"))[0] == 422
    assert (await _move(client, staff, ref, "dinsos", to="disetujui", desil=11))[0] == 422  # 1-10 only
    st, text = await _move(client, staff, ref, "dinsos", to="disetujui", desil=7)  # above the rule's 5
    assert st == 422 and "override_reason" in text and "desil 7" in text
    assert (await _status(client, staff, ref))["status"] == "diverifikasi_kecamatan"
    assert (await _move(client, staff, ref, "dinsos", to="disetujui", desil=7,
                        override_reason="DTSEN belum diperbarui; survei desa: desil 3"))[0] == 200
    tomorrow = str(date.today() + timedelta(days=2))
    st, text = await _move(client, staff, ref, "dinsos", to="dicairkan", transfer_reference="SP2D-1")
    assert st == 422 and "transfer_date" in text and "transfer_reference" not in text.split(":")[1]
    st, text = await _move(client, staff, ref, "dinsos", to="dicairkan", transfer_date=tomorrow,
                           transfer_reference="SP2D-1")
    assert st == 422 and "masa depan" in text
    assert (await _move(client, staff, ref, "dinsos", to="dicairkan", transfer_date=str(date.today()),
                        transfer_reference="SP2D-0001/2026"))[0] == 200
    report = await _status(client, staff, ref)
    assert (report["status"], report["desil"], report["transfer_reference"]) == ("dicairkan", 7, "SP2D-0001/2026")
    overrides = [e["override_reason"] for e in report["history"] if e["override_reason"]]
    assert overrides == [REASON, REASON, "DTSEN belum diperbarui; survei desa: desil 3"]
    audit = [e.detail for e in await client.app.state.runtime.audit.recent(limit=100)
             if e.action == "report.transition"]
    assert [d["override"] for d in reversed(audit)] == [True, True, True, False]


async def test_a_staff_upload_is_checked_like_a_citizens_file(client, staff):
    ref = (await _file(client, staff)).json()["reference"]
    url = f"/api/v1/reports/{ref}/documents"
    ok = await client.post(url, data={"kind": "sktm"}, files={"file": ("s.jpg", JPEG, "image/jpeg")},
                           headers=staff["kades"])
    assert ok.status_code == 201
    for kind, data in (("sktm", b"<html><script>x</script>"), ("paspor", JPEG), ("kk", b"")):
        r = await client.post(url, data={"kind": kind}, files={"file": ("x.jpg", data, "image/jpeg")},
                              headers=staff["kades"])
        assert r.status_code == 422, kind
    r = await client.post(url, data={"kind": "kk"}, files={"file": ("x.jpg", JPEG, "image/jpeg")},
                          headers=staff["kades_other"])
    assert r.status_code == 404
    report = await _status(client, staff, ref)
    assert [d["kind"] for d in report["documents"]] == ["sktm"] and report["checklist"]["sktm"] == "ada"
    assert report["checklist"]["kk"] == "belum_ada"


@pytest.mark.parametrize("query", ["1602015708850003", "1602 0157 0885 0003", "ahmad san", "Sukadana"])
async def test_the_search_box_finds_a_report(client, staff, query):
    ref = (await _file(client, staff)).json()["reference"]
    other = (await _file(client, staff, nik="1602015708850004", desa="Kedaton",
                         deceased_name="Budi")).json()
    found = (await client.get("/api/v1/reports", params={"q": query}, headers=staff["dinsos"])).json()
    assert [i["reference"] for i in found["items"]] == [ref], (query, other)


async def test_a_report_flags_the_deceased_coverage_row(client, staff):
    rt = client.app.state.runtime
    csv = (b"nik,nama,tanggal_lahir,kategori,kecamatan,mulai,akhir\n"
           b"1602015708850003,AHMAD SANUSI,1985-08-17,pekerja rentan,Kayu Agung,2025-01-01,2030-12-31\n")
    await rt.importer.run(source=csv, filename="daftar.csv", actor="test")
    ref = (await _file(client, staff)).json()["reference"]
    rows = (await client.get("/api/v1/registry", params={"q": "1602015708850003"}, headers=staff["dinsos"])).json()
    assert [(i["nama"], i["dilaporkan_meninggal"]) for i in rows["items"]] == [("AHMAD SANUSI", ref)]
