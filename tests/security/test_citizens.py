"""Citizen authorization (security review F1, F2, row 68): a chat sees and changes only the reports
its family filed. A stranger who types a reference or a reported NIK learns that a report exists
and nothing else, cannot add files or move the report, unless it gives the report's second factor
(the deceased's NIK or the heir's phone). On SQLite locally; on PostgreSQL and Redis in CI."""
from __future__ import annotations

from datetime import date

from services.santunan import Draft, NotAllowed
from services.staff import StaffInfo
from tests.conftest import chat

NIK = "1602015708850003"
HEIR = "+6281234567890"
KADES = StaffInfo(7, "kades", "kades", "16.02.05", "16.02.05.1008")
NOTE = "desil 3 menurut DTSEN, SP2D menyusul"  # internal: staff only
MESSAGE = "Mohon kirim foto KTP ahli waris yang lebih jelas"  # for the family


def _texts(replies: list[dict]) -> str:
    return "\n".join(r["text"] for r in replies)


async def _filed_by_family(client) -> str:
    """A report filed from the web chat `web-family`, then sent back for perbaikan by the kades."""
    rt = client.app.state.runtime
    await chat(client, "web-family", "langganan semua")  # the family's contact exists
    family = await rt.contacts.touch(channel="web", channel_user_id="web-family", at=rt.santunan.now())
    report = await rt.santunan.file(Draft(
        deceased_nik=NIK, deceased_name="AHMAD SANUSI", date_of_death=rt.santunan.now().date(),
        kecamatan_code="16.02.05", desa_code="16.02.05.1008", kk_number="1602011203150001", reporter_name="Rahmawati",
        reporter_relationship="Anak", heir_name="Rahmawati", heir_phone=HEIR), filed_by=f"contact:{family.id}",
        contact=family)
    await rt.santunan.transition(reference=report.reference, to="perlu_perbaikan", note=NOTE, staff=KADES,
                                 message_to_family=MESSAGE)
    return report.reference


async def test_a_stranger_with_the_reference_learns_only_that_it_exists(client):
    reference = await _filed_by_family(client)
    await chat(client, "web-stranger", "cek status laporan")
    seen = _texts(await chat(client, "web-stranger", reference))
    assert reference in seen and "keluarga" in seen.lower()
    assert NOTE not in seen and MESSAGE not in seen and "perlu perbaikan" not in seen.lower() and "AHMAD" not in seen
    assert "SELESAI" not in seen  # no document step
    after = _texts(await chat(client, "web-stranger", "selesai"))  # not taken as the end of a document step
    assert NOTE not in after and MESSAGE not in after
    rt = client.app.state.runtime
    report = await rt.santunan.get(reference)
    assert report.status == "perlu_perbaikan" and await rt.santunan.documents(report) == []


async def test_a_wrong_second_factor_shows_nothing_and_a_right_one_opens_the_report(client):
    reference = await _filed_by_family(client)
    await chat(client, "web-kin", "cek status laporan")
    await chat(client, "web-kin", reference)
    wrong = _texts(await chat(client, "web-kin", "0812 9999 0000"))
    assert MESSAGE not in wrong and "tidak cocok" in wrong
    opened = _texts(await chat(client, "web-kin", "0812-3456-7890"))  # the heir's phone, spelt otherwise
    assert MESSAGE in opened and "SELESAI" in opened and NOTE not in opened


async def test_the_family_sees_its_report_and_the_message_for_it_never_the_internal_note(client):
    reference = await _filed_by_family(client)
    await chat(client, "web-family", "cek status laporan")
    seen = _texts(await chat(client, "web-family", reference))
    assert MESSAGE in seen and "SELESAI" in seen and "AHMAD SANUSI" in seen and NOTE not in seen
    rt = client.app.state.runtime
    async with rt.db.connect() as conn:
        from sqlalchemy import select

        from storage.models import OutboxMessage
        bodies = [b for (b,) in await conn.execute(select(OutboxMessage.body))]
    assert any(MESSAGE in b for b in bodies) and not any(NOTE in b for b in bodies)


async def test_the_service_refuses_a_stranger_even_without_the_flow(client):
    reference = await _filed_by_family(client)
    rt = client.app.state.runtime
    stranger = await rt.contacts.touch(channel="telegram", channel_user_id="555000111", at=rt.santunan.now())
    report = await rt.santunan.get(reference)
    files = [("lain", "2026/12/x.jpg", "image/jpeg", 9)]
    for call in (rt.santunan.add_documents, rt.santunan.resubmit):
        try:
            await call(report=report, actor=f"contact:{stranger.id}", documents=files)
        except NotAllowed:
            pass
        else:
            raise AssertionError(f"{call.__name__} let a stranger act on the report")
    report = await rt.santunan.get(reference)
    assert report.status == "perlu_perbaikan" and await rt.santunan.documents(report) == []
    await rt.santunan.resubmit(report=report, actor=f"contact:{stranger.id}", documents=files, evidence=NIK)
    assert (await rt.santunan.get(reference)).status == "diajukan"


async def test_the_nik_step_does_not_tell_a_stranger_the_reference_or_status(client):
    reference = await _filed_by_family(client)
    for text in ("lapor kematian", "ya", "Orang Asing", "lainnya"):
        await chat(client, "web-probe", text)
    told = _texts(await chat(client, "web-probe", NIK))
    assert reference not in told and "perbaikan" not in told.lower() and "ada laporan" in told
    for text in ("lapor kematian", "ya", "Rahmawati", "anak"):
        await chat(client, "web-family", text)
    own = _texts(await chat(client, "web-family", NIK))
    assert reference in own


async def test_the_staff_api_names_a_duplicate_only_inside_the_area(client):
    reference = await _filed_by_family(client)
    rt = client.app.state.runtime
    body = {"deceased_nik": NIK, "deceased_name": "Ahmad", "date_of_death": date.today().isoformat(),
            "kecamatan": "Pedamaran", "desa": "Cinta Jaya", "kk_number": "1602031203150001",
            "reporter_name": "Rina", "reporter_relationship": "anak", "heir_name": "Rina"}
    for username, role, area, sees in (("camat.pedamaran", "camat", {"kecamatan": "16.02.03"}, False),
                                       ("admin.dinsos", "admin", {}, True)):
        staff = await rt.staff.create(username=username, role=role, password="Ruang-Tunggu-Kantor-7!", actor="cli",
                                      **area)
        token, _ = rt.staff.issue_token(staff)
        answer = await client.post("/api/v1/reports", json=body, headers={"Authorization": f"Bearer {token}"})
        assert answer.status_code == 409 and (reference in answer.text) is sees, (username, answer.text)
