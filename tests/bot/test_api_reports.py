"""The reports staff API: filing on a citizen's behalf, area-scoped lists and reads, every wrong
role or area refused with 403, workflow order with 409, documents and export for entitled staff."""
from __future__ import annotations

import csv
import io
from datetime import date, timedelta

import pytest
from openpyxl import load_workbook

from tests.bot.test_api_registry import _token
from tests.guardrail_fields import PAPER_JSON

KAG, SUKADANA, KEDATON = "16.02.05", "16.02.05.1008", "16.02.05.1007"


def body(nik="1602015708850003", desa="Sukadana", kecamatan="Kayu Agung", **extra):
    return {"deceased_nik": nik, "deceased_name": "Ahmad Sanusi", "date_of_death": str(date.today() - timedelta(1)),
            "kecamatan": kecamatan, "desa": desa, "kk_number": "1602011203150001", "reporter_name": "Rahmawati",
            "reporter_relationship": "anak", "heir_name": "Rahmawati", "heir_phone": "0812-3456-7890", **extra}


@pytest.fixture
async def staff(client):
    return {
        "admin": await _token(client, "admin1", "admin"),
        "dinsos": await _token(client, "dinsos1", "dinsos"),
        "humas": await _token(client, "humas1", "humas"),
        "camat": await _token(client, "camat.kag", "camat", kecamatan=KAG),
        "camat_other": await _token(client, "camat.pdm", "camat", kecamatan="16.02.03"),
        "kades": await _token(client, "kades.skd", "kades", desa=SUKADANA),
        "kades_other": await _token(client, "kades.kdt", "kades", desa=KEDATON),
    }


async def _file(client, staff, who="kades", **kw):
    return await client.post("/api/v1/reports", json=body(**kw), headers=staff[who])


async def test_filing_on_behalf_inside_the_area_only(client, staff):
    r = await _file(client, staff)
    assert r.status_code == 201 and r.json()["status"] == "diajukan"
    reference = r.json()["reference"]
    again = await _file(client, staff, "camat")
    assert again.status_code == 409 and again.json()["detail"]["reference"] == reference
    assert (await _file(client, staff, "kades_other", nik="1602015708850004")).status_code == 403
    assert (await _file(client, staff, "camat_other", nik="1602015708850004")).status_code == 403
    assert (await _file(client, staff, "humas", nik="1602015708850004")).status_code == 403
    for bad in ({"nik": "160201570885000"}, {"nik": "1602015708850005", "desa": "Tidak Ada"},
                {"nik": "1602015708850005", "kk_number": "123"},
                {"nik": "1602015708850005", "date_of_death": str(date.today() - timedelta(30))}):
        payload = body(**{k: v for k, v in bad.items() if k in ("nik", "desa")})
        payload.update({k: v for k, v in bad.items() if k not in ("nik", "desa")})
        assert (await client.post("/api/v1/reports", json=payload, headers=staff["dinsos"])).status_code == 422
    assert (await client.post("/api/v1/reports", json=body())).status_code == 401


async def test_reads_and_lists_keep_to_the_area(client, staff):
    reference = (await _file(client, staff)).json()["reference"]
    for who, visible in (("dinsos", True), ("admin", True), ("camat", True), ("kades", True),
                         ("camat_other", False), ("kades_other", False)):
        r = await client.get(f"/api/v1/reports/{reference}", headers=staff[who])
        assert r.status_code == (200 if visible else 404), who
        listed = (await client.get("/api/v1/reports", headers=staff[who])).json()
        assert (reference in [i["reference"] for i in listed["items"]]) == visible, who
    assert (await client.get(f"/api/v1/reports/{reference}", headers=staff["humas"])).status_code == 403
    assert (await client.get("/api/v1/reports", params={"kecamatan": "Pedamaran"},
                             headers=staff["camat"])).status_code == 403
    detail = (await client.get(f"/api/v1/reports/{reference}", headers=staff["kades"])).json()
    assert detail["deceased_nik"] == "160201******0003" and detail["heir_phone"] == "+6281234567890"
    assert detail["allowed_transitions"] == ["diverifikasi_desa", "perlu_perbaikan"]
    assert (await client.get("/api/v1/reports", params={"status": "diajukan", "kecamatan": KAG},
                             headers=staff["dinsos"])).json()["total"] == 1
    assert (await client.get("/api/v1/reports", params={"status": "nope"}, headers=staff["dinsos"])).status_code == 422


async def test_every_wrong_move_is_403_or_409_and_the_history_records_the_right_ones(client, staff):
    reference = (await _file(client, staff)).json()["reference"]

    async def move(who, to, note="ok"):
        return (await client.post(f"/api/v1/reports/{reference}/transitions",
                                  json={"to": to, "note": note, **PAPER_JSON}, headers=staff[who])).status_code

    assert await move("kades_other", "diverifikasi_desa") == 404
    assert await move("camat", "diverifikasi_desa") == 403
    assert await move("humas", "diverifikasi_desa") == 403
    assert await move("dinsos", "dicairkan") == 409
    assert await move("kades", "diverifikasi_desa") == 200
    assert await move("camat_other", "diverifikasi_kecamatan") == 404
    assert await move("kades", "diverifikasi_kecamatan") == 403
    assert await move("camat", "perlu_perbaikan", note="") == 422
    assert await move("camat", "diverifikasi_kecamatan") == 200
    assert await move("camat", "disetujui") == 403
    assert await move("dinsos", "disetujui") == 200
    assert await move("dinsos", "dicairkan") == 200
    assert await move("admin", "ditolak", note="salah") == 409
    detail = (await client.get(f"/api/v1/reports/{reference}", headers=staff["dinsos"])).json()
    assert [h["status"] for h in detail["history"]] == ["diajukan", "diverifikasi_desa", "diverifikasi_kecamatan",
                                                        "disetujui", "dicairkan"]
    assert all(h["by"].startswith("staff:") for h in detail["history"])


async def test_export_csv_and_xlsx_are_area_scoped(client, staff):
    await _file(client, staff)
    await _file(client, staff, "dinsos", nik="1602031203900001", kecamatan="Pedamaran", desa="Pedamaran I")
    rows = list(csv.reader(io.StringIO((await client.get("/api/v1/reports/export.csv",
                                                         headers=staff["dinsos"])).content.decode("utf-8-sig"))))
    assert rows[0][0] == "reference" and len(rows) == 3
    camat = (await client.get("/api/v1/reports/export.xlsx", headers=staff["camat"])).content
    sheet = load_workbook(io.BytesIO(camat)).active
    assert sheet.max_row == 2 and sheet.cell(2, 3).value == "Kayu Agung"
    assert (await client.get("/api/v1/reports/export.csv", headers=staff["humas"])).status_code == 403
