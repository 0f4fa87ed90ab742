"""Staff API for the knowledge base (CONTRACT.md "Knowledge base"): who may read and change it,
what a change does at once in the chat, the export, and the audit of every change. (Every route's
refusals for every role are in tests/security/test_routes.py.)"""
from __future__ import annotations

import pytest

from tests.conftest import chat

PASSWORD = "Kata-Sandi-Rahasia-9"
NEW = {"question": "Apakah ada pasar murah bulan ini?", "alternatives": ["jadwal pasar murah"],
       "answer": "Pasar murah di halaman kantor camat, Sabtu pukul 08.00.", "topic": "umum"}


async def _token(client, username: str, role: str, **area) -> dict[str, str]:
    await client.app.state.runtime.staff.create(username=username, role=role, password=PASSWORD, actor="test", **area)
    r = await client.post("/api/v1/auth/token", data={"username": username, "password": PASSWORD})
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


@pytest.mark.parametrize("role", ["admin", "dinsos", "humas"])
async def test_editors_add_change_and_delete_and_the_chat_follows_at_once(client, role):
    staff = await _token(client, f"faq.{role}", role)
    r = await client.post("/api/v1/faq", json=NEW, headers=staff)
    assert r.status_code == 201, r.text
    entry_id = r.json()["id"]
    assert "halaman kantor camat" in (await chat(client, f"pm-{role}", "kapan ada pasar murah?"))[0]["text"]
    r = await client.put(f"/api/v1/faq/{entry_id}", json={**NEW, "answer": "Pasar murah dibatalkan."}, headers=staff)
    assert r.status_code == 200 and r.json()["updated_by"].startswith("staff:")
    assert "dibatalkan" in (await chat(client, f"pm2-{role}", "kapan ada pasar murah?"))[0]["text"]
    assert (await client.delete(f"/api/v1/faq/{entry_id}", headers=staff)).status_code == 204
    assert (await client.delete(f"/api/v1/faq/{entry_id}", headers=staff)).status_code == 404
    actions = [a.action for a in await client.app.state.runtime.audit.recent(limit=20)]
    assert {"faq.create", "faq.update", "faq.delete"} <= set(actions)


@pytest.mark.parametrize(("role", "area"), [("camat", {"kecamatan": "16.02.05"}), ("kades", {"desa": "16.02.05.1008"})])
async def test_area_staff_read_but_may_not_change(client, role, area):
    staff = await _token(client, f"faq.{role}", role, **area)
    listed = await client.get("/api/v1/faq", headers=staff)
    assert listed.status_code == 200 and listed.json()["total"] >= 30
    assert (await client.post("/api/v1/faq", json=NEW, headers=staff)).status_code == 403
    some = listed.json()["items"][0]["id"]
    assert (await client.put(f"/api/v1/faq/{some}", json=NEW, headers=staff)).status_code == 403
    assert (await client.delete(f"/api/v1/faq/{some}", headers=staff)).status_code == 403
    assert (await client.get("/api/v1/faq/unanswered", headers=staff)).status_code == 200


async def test_bad_input_is_a_clear_422_and_changes_nothing(client):
    staff = await _token(client, "faq.admin", "admin")
    before = (await client.get("/api/v1/faq", headers=staff)).json()["total"]
    for body in ({"question": "", "answer": "x"}, {"question": "x", "answer": "y", "action": "hapus_semua"},
                 {"question": "x" * 301, "answer": "y"}):
        assert (await client.post("/api/v1/faq", json=body, headers=staff)).status_code == 422
    assert (await client.get("/api/v1/faq", headers=staff)).json()["total"] == before


async def test_export_and_import_through_the_api(client):
    staff = await _token(client, "faq.dinsos", "dinsos")
    csv_text = (await client.get("/api/v1/faq/export.csv", headers=staff)).text
    assert csv_text.startswith("id,topic,question,alternatives,answer,action,active")
    yaml_text = (await client.get("/api/v1/faq/export.yaml", headers=staff)).text
    assert "question:" in yaml_text
    r = await client.post("/api/v1/faq/import", headers=staff,
                          files={"file": ("baru.csv", b"question,answer\nApa itu KIS?,Kartu Indonesia Sehat.\n")})
    assert r.json() == {"created": 1, "updated": 0}
    r = await client.post("/api/v1/faq/import", headers=staff, files={"file": ("rusak.csv", b"a,b\n1,2\n")})
    assert r.status_code == 422
