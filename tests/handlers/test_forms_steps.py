"""The death report through the web chat and the real app, step by step (issue 17's "Done when"), on
both state stores (the SQL store, and Redis: skipped locally without TEST_REDIS_URL, required in CI):

- resume from every step (after the first: before it nothing is typed): at each step the citizen
  leaves (MENU, or the idle timeout) and comes back; the offer names that step ("langkah n dari
  19: <field>"), Lanjutkan asks it again, and every earlier answer is in the summary at the end;
- correction of every field at the summary: Ubah data lists them all, each choice asks only that
  step (and what depends on it: the desa, the account and holder) and returns to the summary with
  the new value, which is what is filed;
- the coverage check keeps its draft through MENU, three failed tries and BATAL;
- the answers are typed the way people type them (conversations/fields.py)."""
from __future__ import annotations

from datetime import UTC, datetime

import httpx
import pytest

from bot.app import create_app
from bot.config import Settings
from conversations.drafts import position
from conversations.messages_id import MSG
from conversations.santunan import santunan_flow
from services.santunan import WIB
from tests.conftest import chat
from tests.handlers.test_forms import _age

NIK, KK = "1602015708850003", "1602011203150001"
# (step, what a citizen types); the bank and account come apart here, so that every step is visited
ANSWERS = [("consent", "ya"), ("reporter", "nama saya Rahmawati"), ("relationship", "ibu saya"), ("nik", NIK),
           ("name", "almarhumah Siti Khodijah"), ("date", "kemarin sore"), ("kecamatan", "kec. kayu agung"),
           ("desa", "ds sukadana"), ("kk", KK), ("heir", "saya sendiri"), ("phone", "no wa 0812-3456-7890"),
           ("bank", "bank BRI"), ("account", "norek 1234 5678 90"), ("holder", "a.n. Rahmawati"),
           ("doc_sktm", "besok saya kirim"), ("doc_akta_kematian", "setelah jadi"), ("doc_kk", "nanti"),
           ("doc_ktp_almarhum", "masih diurus di desa"), ("doc_ktp_ahli_waris", "nanti saja")]
IN_SUMMARY = ["Siti Khodijah", "Rahmawati (Anak)", "Sukadana, Kec. Kayu Agung", "BRI ******7890 a.n. Rahmawati",
              "160201******0003", "0812*****890"]


@pytest.fixture(params=["sql", "redis"])
def store_settings(request, db_url, tmp_path) -> Settings:
    redis = request.getfixturevalue("redis_url") if request.param == "redis" else ""
    return Settings(_env_file=None, database_url=db_url, redis_url=redis, data_dir=tmp_path,
                    secret_key="test-secret-key-" + "x" * 32, broadcast_quiet_hours="", broadcast_canary_percent=0)


@pytest.fixture
async def web(store_settings):
    app = create_app(store_settings)
    async with app.router.lifespan_context(app):
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as c:
            c.app = app  # type: ignore[attr-defined]
            yield c


def _texts(replies) -> str:
    return "\n".join(r["text"] for r in replies)


def _choices(replies) -> list[str]:
    return [c for r in replies for c in r["choices"]]


async def test_resume_from_every_step(web):
    user = "web-every-step"
    asked = await chat(web, user, "lapor kematian")
    for i, (step, typed) in enumerate(ANSWERS):
        n, m, label = position(santunan_flow, step)
        assert f"Langkah {n} dari {m}." in _texts(asked), (step, _texts(asked))
        if i == 0:  # nothing typed yet: nothing to keep
            asked = await chat(web, user, typed)
            continue
        if i % 2:  # the family goes to the kantor desa; back after the timeout with anything
            await _age(web, user, minutes=45)
            offer = await chat(web, user, "halo")
        else:
            assert MSG.draft_saved in _texts(await chat(web, user, "menu"))
            offer = await chat(web, user, "lapor kematian")
        assert f"langkah {n} dari {m}: {label}" in _texts(offer), (step, _texts(offer))
        assert _choices(offer) == [MSG.draft_continue, MSG.draft_fresh]
        again = await chat(web, user, MSG.draft_continue)
        assert _texts(again) == _texts(asked), step  # the same question, where it was left
        asked = await chat(web, user, typed)
    summary = _texts(asked)
    for shown in IN_SUMMARY:
        assert shown in summary, (shown, summary)


def _today() -> str:
    d = datetime.now(UTC).astimezone(WIB).date()
    return f"{d.day} {MSG.months[d.month - 1]} {d.year}"


# field (its label under Ubah data) -> what the citizen types, then what the summary shows after it
CHANGES = [
    ("reporter", ["Budi Santoso"], "Pelapor: Budi Santoso"),
    ("relationship", ["mertua saya"], "(Menantu)"),
    ("nik", ["NIK 1602 0157 0885 0007"], "160201******0007"),
    ("name", ["almarhum Ahmad Sanusi"], "Almarhum/almarhumah: Ahmad Sanusi"),
    ("date", ["hari ini"], None),  # today's date, worked out in the test
    ("kecamatan", ["Pedamaran", "cinta jaya"], "Cinta Jaya, Kec. Pedamaran"),
    ("kk", ["no kk 1602 0112 0315 0002"], "160201******0002"),
    ("heir", ["Dewi Lestari"], "Ahli waris: Dewi Lestari"),
    ("phone", ["0813-1111-2222"], "0813*****222"),
    ("bank", ["BNI 0123456789", "Dewi Lestari"], "BNI ******6789 a.n. Dewi Lestari"),
    ("account", ["no rek 0123 4567 8901"], "BNI ********8901 a.n. Dewi Lestari"),
    *((f"doc_{d}", ["nanti"], "Periksa data laporan") for d in
      ("sktm", "akta_kematian", "kk", "ktp_almarhum", "ktp_ahli_waris")),
]


async def test_every_field_can_be_corrected_at_the_summary_and_is_filed_so(web):
    user = "web-every-field"
    for _step, typed in [(None, "lapor kematian"), *ANSWERS]:
        summary = await chat(web, user, typed)
    assert MSG.rep_change in _choices(summary)
    assert {label for label, *_ in CHANGES} == set(MSG.rep_edit_labels)  # every field the summary offers
    for field, typed, shown in CHANGES:
        fields = await chat(web, user, MSG.rep_change)
        assert _choices(fields) == list(MSG.rep_edit_labels.values())
        replies = await chat(web, user, MSG.rep_edit_labels[field])
        assert "Periksa data laporan" not in _texts(replies), field  # only that step is asked
        for text in typed:
            replies = await chat(web, user, text)
        summary = _texts(replies)
        assert summary.startswith("Periksa data laporan"), (field, summary)
        assert (shown or _today()) in summary, (field, summary)
    done = _texts(await chat(web, user, MSG.rep_send))
    assert "Nomor laporan" in done
    rt = web.app.state.runtime
    contact = await rt.contacts.touch(channel="web", channel_user_id=user, at=datetime.now(UTC))
    [report] = await rt.santunan.for_contact(contact.id)
    assert (report.reporter_name, report.reporter_relationship, report.deceased_name) == \
        ("Budi Santoso", "Menantu", "Ahmad Sanusi")
    assert (report.deceased_nik_masked, report.kk_number, report.heir_name, report.heir_phone) == \
        ("160201******0007", "1602011203150002", "Dewi Lestari", "+6281311112222")
    assert (report.bank_name, report.bank_account, report.bank_holder) == ("BNI", "012345678901", "Dewi Lestari")
    assert rt.wilayah.get(report.desa_code).name == "Cinta Jaya"


async def test_the_coverage_check_keeps_its_draft_through_menu_failures_and_batal(web):
    user = "web-coverage-draft"
    await chat(web, user, "cek kepesertaan bpjs ketenagakerjaan")
    assert MSG.cov_ask_name in _texts(await chat(web, user, "nik saya 1602 0157 0885 0003"))
    assert MSG.draft_saved in _texts(await chat(web, user, "menu"))
    offer = await chat(web, user, "cek bpjs")
    assert "langkah 2 dari 2: nama lengkap" in _texts(offer)
    assert MSG.cov_ask_name in _texts(await chat(web, user, MSG.draft_continue))
    for _ in range(2):
        assert MSG.cov_name_retry in _texts(await chat(web, user, "nanti"))  # a deferral is no name
    stuck = await chat(web, user, "nanti")
    assert MSG.stuck in _texts(stuck) and _choices(stuck)[-1] == MSG.stuck_menu
    assert MSG.draft_saved in _texts(await chat(web, user, MSG.stuck_menu))
    await chat(web, user, "cek bpjs")
    await chat(web, user, MSG.draft_continue)
    assert _texts(await chat(web, user, "batal")) == MSG.batal_ask
    assert MSG.draft_saved in _texts(await chat(web, user, MSG.batal_keep))
    assert "langkah 2 dari 2" in _texts(await chat(web, user, "cek bpjs"))  # still there


async def test_one_message_answers_the_kecamatan_and_the_desa(web):
    user = "web-place-pair"
    for _step, typed in [(None, "lapor kematian"), *ANSWERS[:6]]:
        await chat(web, user, typed)
    asked = _texts(await chat(web, user, "desa sukadana kec kayu agung"))
    assert "Kartu Keluarga" in asked and "desa/kelurahan mana" not in asked  # the desa was in it too
    for _step, typed in ANSWERS[8:]:
        summary = await chat(web, user, typed)
    assert "Sukadana, Kec. Kayu Agung" in _texts(summary)


async def test_changing_the_account_number_without_a_bank_asks_the_bank_first(web):
    user = "web-account-first"
    answers = [typed for step, typed in ANSWERS if step not in ("account", "holder")]
    answers[answers.index("bank BRI")] = "belum punya rekening"
    for typed in ["lapor kematian", *answers]:
        summary = await chat(web, user, typed)
    assert MSG.rep_later_text in _texts(summary)
    await chat(web, user, MSG.rep_change)
    assert MSG.rep_ask_bank in _texts(await chat(web, user, MSG.rep_edit_labels["account"]))
    assert "atas nama" in _texts(await chat(web, user, "BSI 7123456789")).lower()
    assert "BSI ******6789 a.n. Rahmawati" in _texts(await chat(web, user, "Rahmawati"))


async def test_hapus_data_saya_inside_a_form_keeps_it_on_no_and_erases_it_on_yes(web):
    user = "web-erase-inside"
    for typed in ["lapor kematian", *(t for _s, t in ANSWERS[:8])]:
        await chat(web, user, typed)
    assert MSG.erase_yes in _choices(await chat(web, user, "hapus data saya"))
    await chat(web, user, MSG.erase_no)
    assert "langkah 9 dari 19" in _texts(await chat(web, user, "lapor kematian"))  # kept
    await chat(web, user, MSG.draft_continue)
    await chat(web, user, "hapus data saya")
    await chat(web, user, MSG.erase_yes)
    fresh = await chat(web, user, "lapor kematian")
    assert MSG.draft_continue not in _choices(fresh) and "Langkah 1 dari 19" in _texts(fresh)  # erased too
