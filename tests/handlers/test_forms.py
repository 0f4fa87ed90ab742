"""Forms never throw work away (issue 17), through the web chat and the real app: a draft survives
three failed tries, MENU, BATAL (asked first), the idle timeout and a restart, and is offered back;
one message answers two steps; a deferral is never a value; any field can be changed from any step.
On SQLite with the SQL state store locally; on PostgreSQL with the Redis store in CI."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.app import create_app
from conversations.messages_id import MSG
from storage.state import state_key
from tests.conftest import chat

START = ["lapor kematian", "ya", "Rahmawati", "anak"]
NIK = "1602015708850003"
TO_KK = [*START, NIK, "Ahmad Sanusi", "kemarin", "kayu agung", "sukadana"]


def _texts(replies) -> str:
    return "\n".join(r["text"] for r in replies)


def _choices(replies) -> list[str]:
    return [c for r in replies for c in r["choices"]]


async def _say(client, user: str, *texts: str) -> list[dict]:
    replies: list[dict] = []
    for text in texts:
        replies = await chat(client, user, text)
    return replies


async def _age(client, user: str, *, minutes: int) -> None:
    """The conversation last moved `minutes` ago (as if the family walked to the kantor desa)."""
    rt = client.app.state.runtime
    contact = await rt.contacts.touch(channel="web", channel_user_id=user, at=datetime.now(UTC))
    key = state_key(contact.id)
    state = await rt.store.load(key)
    older = (datetime.now(UTC) - timedelta(minutes=minutes)).isoformat()
    assert await rt.store.save(key, {**state, "updated_at": older}, expected_version=state["version"],
                               ttl=timedelta(days=1))


async def test_three_failed_tries_and_menu_keep_the_draft_and_offer_it_back(client):
    await _say(client, "web-f1", *START)
    for bad in ("abc", "12"):
        await chat(client, "web-f1", bad)
    stuck = await chat(client, "web-f1", "xyz")
    assert "mulai lagi" not in _texts(stuck) and MSG.stuck in _texts(stuck)
    assert _choices(stuck)[-2:] == [MSG.stuck_person, MSG.stuck_menu]
    assert MSG.draft_saved in _texts(await chat(client, "web-f1", MSG.stuck_menu))
    offer = await chat(client, "web-f1", "lapor kematian")
    assert "langkah 4 dari 19: NIK almarhum" in _texts(offer) and _choices(offer) == [MSG.draft_continue,
                                                                                       MSG.draft_fresh]
    assert "NIK almarhum" in _texts(await chat(client, "web-f1", MSG.draft_continue))
    await _say(client, "web-f1", NIK, "Ahmad Sanusi", "kemarin", "kayu agung", "sukadana", "1602011203150001",
               "Rahmawati", "081234567890", "nanti", *["nanti"] * 4)
    summary = _texts(await chat(client, "web-f1", "nanti"))  # nothing typed before the failures was lost
    assert "Rahmawati" in summary and "Anak" in summary and "AHMAD" in summary.upper()


async def test_batal_asks_whether_to_keep_the_answers(client):
    await _say(client, "web-f2", *START)
    asked = await chat(client, "web-f2", "batal")
    assert _texts(asked) == MSG.batal_ask and _choices(asked) == [MSG.batal_keep, MSG.batal_drop]
    assert MSG.cancelled in _texts(await chat(client, "web-f2", MSG.batal_drop))
    assert MSG.draft_continue not in _choices(await chat(client, "web-f2", "lapor kematian"))  # deleted: new
    await _say(client, "web-f2", "ya", "Rahmawati", "batal")
    assert MSG.draft_saved in _texts(await chat(client, "web-f2", MSG.batal_keep))
    assert MSG.draft_continue in _choices(await chat(client, "web-f2", "lapor kematian"))


async def test_after_the_timeout_the_draft_is_offered_and_another_request_keeps_it(client):
    await _say(client, "web-f3", *TO_KK)
    await _age(client, "web-f3", minutes=45)
    offer = await chat(client, "web-f3", "halo")
    assert "langkah 9 dari 19: nomor KK" in _texts(offer)
    assert "kartu keluarga" in _texts(await chat(client, "web-f3", MSG.draft_continue)).lower()
    await _age(client, "web-f3", minutes=45)
    assert "NIK" in _texts(await chat(client, "web-f3", "cek kepesertaan bpjs ketenagakerjaan"))  # another form
    await chat(client, "web-f3", "menu")
    assert MSG.draft_continue in _choices(await chat(client, "web-f3", "lapor kematian"))  # still kept
    fresh = await chat(client, "web-f3", MSG.draft_fresh)
    assert "Langkah 1 dari 19" in _texts(fresh)


async def test_a_draft_survives_a_restart(settings):
    first = create_app(settings)
    async with first.router.lifespan_context(first):
        import httpx

        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=first), base_url="http://t") as c:
            await _say(c, "web-f4", *TO_KK)
            await chat(c, "web-f4", "menu")
    second = create_app(settings)
    async with second.router.lifespan_context(second):
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=second), base_url="http://t") as c:
            await chat(c, "web-f4", "lapor kematian")
            assert "kartu keluarga" in _texts(await chat(c, "web-f4", MSG.draft_continue)).lower()


async def test_one_message_answers_bank_and_account_and_deferrals_are_never_values(client):
    await _say(client, "web-f5", *TO_KK, "1602011203150001")
    heir = await chat(client, "web-f5", "nanti")
    assert MSG.rep_name_later in _texts(heir)  # a name cannot wait
    await _say(client, "web-f5", "Rahmawati", "0812-3456-7890")
    holder = _texts(await chat(client, "web-f5", "bank BRI norek 1234 5678 90"))
    assert "atas nama" in holder.lower()  # the account number was in the same message
    await chat(client, "web-f5", "Rahmawati")
    assert "akta" in _texts(await chat(client, "web-f5", "besok saya kirim")).lower()  # the SKTM later
    summary = _texts(await _say(client, "web-f5", "nanti", "nanti", "nanti", "nanti"))
    assert "BRI ******7890 a.n. Rahmawati" in summary


async def test_any_field_can_be_changed_from_any_step(client):
    await _say(client, "web-f6", *TO_KK)
    asked = _texts(await chat(client, "web-f6", "ubah nama almarhum"))
    assert "nama lengkap almarhum" in asked.lower()
    back = _texts(await chat(client, "web-f6", "Ahmad Sanusi Bin Umar"))
    assert "kartu keluarga" in back.lower()  # and back where it was
    await _say(client, "web-f6", "1602011203150001", "Rahmawati", "081234567890", "nanti", *["nanti"] * 4)
    assert "Ahmad Sanusi Bin Umar" in _texts(await chat(client, "web-f6", "nanti"))


async def test_a_deferrable_step_offers_lewati_dulu_after_failed_tries(client):
    await _say(client, "web-f7", *TO_KK, "1602011203150001", "Rahmawati", "081234567890", "nanti")
    for bad in ("foto", "ini dia"):
        await chat(client, "web-f7", bad)
    stuck = await chat(client, "web-f7", "sudah saya foto")
    assert _choices(stuck)[0] == MSG.stuck_later
    assert "akta" in _texts(await chat(client, "web-f7", MSG.stuck_later)).lower()


async def test_kembali_asks_the_step_before_again_with_its_answer_shown(client):
    await _say(client, "web-back", *START, NIK)  # at the deceased's name now
    back = await chat(client, "web-back", "kembali")
    assert back[0]["text"] == MSG.back_was.format(answer="…0003")  # a NIK only by its last digits
    assert back[-1]["text"].endswith(MSG.rep_ask_nik)
    again = await chat(client, "web-back", "kembali")
    assert again[0]["text"] == MSG.back_was.format(answer="Anak")
    # the same answers take the form on from there
    assert (await _say(client, "web-back", "anak", NIK))[-1]["text"].endswith(MSG.rep_ask_name)
