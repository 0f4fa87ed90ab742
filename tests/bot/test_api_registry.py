"""Staff API for the registry: roles, areas, masking, imports and their rejected rows."""
from __future__ import annotations

import pytest

from tests.services.test_coverage import _csv

PASSWORD = "Kata-Sandi-Rahasia-9"
BAD_ROW = b"1602015708850009,BUDI,1985-08-17,,x,,Palembang,,2025-01-01,2025-12-31,aktif\n"


async def _token(client, username, role, **area) -> dict[str, str]:
    await client.app.state.runtime.staff.create(username=username, role=role, password=PASSWORD, actor="test",
                                                **area)
    r = await client.post("/api/v1/auth/token", data={"username": username, "password": PASSWORD})
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


@pytest.fixture
async def staff(client):
    return {
        "dinsos": await _token(client, "dinsos1", "dinsos"),
        "camat": await _token(client, "camat.kag", "camat", kecamatan="16.02.05"),
        "kades": await _token(client, "kades.sukadana", "kades", kecamatan="Kayu Agung", desa="Sukadana"),
        "humas": await _token(client, "humas1", "humas"),
    }


async def _import(client, headers, data: bytes, dry_run=False):
    return await client.post("/api/v1/registry/imports", params={"dry_run": dry_run}, headers=headers,
                             files={"file": ("daftar.csv", data, "text/csv")})


async def test_import_by_upload_with_rejected_rows_to_download(client, staff):
    r = await _import(client, staff["dinsos"], _csv() + BAD_ROW)
    assert r.status_code == 201
    body = r.json()
    assert (body["new"], body["rejected"], body["rejected_by_reason"]) == (2, 1, {"kecamatan_tidak_dikenal": 1})
    rejected = await client.get(body["rejected_url"], headers=staff["dinsos"])
    assert rejected.status_code == 200 and "text/csv" in rejected.headers["content-type"]
    assert "160201******0009" in rejected.text and "1602015708850009" not in rejected.text
    again = (await _import(client, staff["dinsos"], _csv())).json()
    assert (again["new"], again["unchanged"]) == (0, 2)
    assert (await _import(client, staff["dinsos"], b"a,b\n1,2\n")).status_code == 422
    for who in ("camat", "kades", "humas"):
        assert (await _import(client, staff[who], _csv())).status_code == 403
    assert (await client.post("/api/v1/registry/imports", files={"file": ("a.csv", _csv())})).status_code == 401


async def test_search_masks_the_nik_and_keeps_to_the_area(client, staff):
    await _import(client, staff["dinsos"], _csv())
    everything = (await client.get("/api/v1/registry", headers=staff["dinsos"])).json()
    assert everything["total"] == 2
    assert {i["nik"] for i in everything["items"]} == {"160201******0003", "160203******0001"}
    camat = (await client.get("/api/v1/registry", headers=staff["camat"])).json()
    assert [i["nama"] for i in camat["items"]] == ["SITI AMINAH"]  # only Kayu Agung
    other = await client.get("/api/v1/registry", params={"kecamatan": "Pedamaran"}, headers=staff["camat"])
    assert other.status_code == 403
    kades = (await client.get("/api/v1/registry", headers=staff["kades"])).json()
    assert [i["desa_nama"] for i in kades["items"]] == ["Sukadana"]
    assert (await client.get("/api/v1/registry", params={"kecamatan": "16.02.03"},
                             headers=staff["kades"])).status_code == 403
    assert (await client.get("/api/v1/registry", headers=staff["humas"])).status_code == 403
    assert (await client.get("/api/v1/registry")).status_code == 401
    found = (await client.get("/api/v1/registry", params={"q": "rizki"}, headers=staff["dinsos"])).json()
    assert [i["nama"] for i in found["items"]] == ["MUHAMMAD RIZKI"]


async def test_stats_by_kecamatan_and_category(client, staff):
    await _import(client, staff["dinsos"], _csv())
    stats = (await client.get("/api/v1/registry/stats", headers=staff["dinsos"])).json()
    assert stats["total"] == 2 and stats["by_kategori"] == {"perangkat desa": 1, "pekerja rentan": 1}
    assert {k["nama"] for k in stats["by_kecamatan"]} == {"Kayu Agung", "Pedamaran"}
    camat = (await client.get("/api/v1/registry/stats", headers=staff["camat"])).json()
    assert camat["total"] == 1 and camat["by_kecamatan"][0]["nama"] == "Kayu Agung"


async def test_views_of_personal_data_are_audited(client, staff):
    from sqlalchemy import select

    from storage.models import AuditEntry

    await _import(client, staff["dinsos"], _csv())
    await client.get("/api/v1/registry", headers=staff["camat"])
    async with client.app.state.runtime.db.connect() as conn:
        actions = [(r.actor, r.action) for r in await conn.execute(select(AuditEntry).order_by(AuditEntry.id))]
    assert ("staff:1", "registry.import") in actions and ("staff:2", "registry.view") in actions
