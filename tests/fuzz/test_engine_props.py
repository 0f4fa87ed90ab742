"""The engine on any conversation, through the path every message takes (Dispatcher.handle with the
SQL state store on SQLite, the real services and flows):

- from any state (a flow started by its words and taken some way along a good path, or idle), any
  sequence of texts and media (random unicode and emoji, up to 10,000 characters, empty, blanks,
  NIK- and date-like digits, menu words and numbers, button labels, photos and PDFs as `Media`,
  attachments the channel refused, redelivered messages) never ends in the apology a failed turn
  gets (an exception inside the turn), and every turn answers with at least one non-empty reply;
- the state saved after every turn is valid: loadable, its flow and step exist in the engine with
  the flow's version, retries below MAX_RETRIES, the offered choices are the ones just shown, every
  earlier step is answered or skipped, and the step's prompt can be shown again (BANTUAN) from it;
- a message that changes nothing (too long, an attachment the channel refused, a redelivery) leaves
  the stored state exactly as it was;
- a death report holds together, in the summary shown and once filed: the desa is in the kecamatan,
  a bank comes with its account number and holder.

Conversations mix random messages with good answers to whatever is asked (`_good_answer`), so they
get deep into the flows and around them (KEMBALI, BATAL, "Ubah data"). Examples hypothesis found
are kept as explicit `@example`s.
"""
from __future__ import annotations

import asyncio
import logging
import shutil
import string
from dataclasses import dataclass
from datetime import UTC, date, datetime

import pytest
from hypothesis import event, example, given
from hypothesis import strategies as st

from bot.config import Settings
from conversations.context import Context
from conversations.engine import MAX_RETRIES
from conversations.messages_id import MSG
from conversations.model import Incoming, Media
from conversations.parsing import MAX_TEXT
from handlers.dispatch import Outcome
from services.santunan import DOCUMENTS
from services.wilayah import load_wilayah
from storage.files import ALLOWED_TYPES
from storage.state import state_key
from tests.fuzz import fuzz_settings
from tests.fuzz.world import STAFF_CHAT, Failures, World, build_world

WILAYAH = load_wilayah()
_MESUJI = next(k for k in WILAYAH.kecamatan if k.name == "Mesuji")
_MESUJI_DESA = next(v for v in WILAYAH.villages if v.parent_code == _MESUJI.code)
# flows a command starts with answers already known (Begin), not asked by a step
_BEGUN_WITH = {"staf_perbaikan": {"ref"}}


@pytest.fixture(scope="module")
def world(sqlite_template, tmp_path_factory):
    root = tmp_path_factory.mktemp("fuzz-engine")
    shutil.copy(sqlite_template, root / "layanan.db")
    settings = Settings(_env_file=None, database_url=f"sqlite+aiosqlite:///{root / 'layanan.db'}", redis_url="",
                        data_dir=root, secret_key="test-secret-key-" + "x" * 32, broadcast_quiet_hours="",
                        broadcast_canary_percent=0)
    failures = Failures()
    log = logging.getLogger("handlers.dispatch")
    log.addHandler(failures)
    runner = asyncio.Runner()
    try:
        built = runner.run(build_world(settings, runner, failures))
        yield built
        runner.run(built.rt.close())
    finally:
        runner.close()
        log.removeHandler(failures)


# --- what people send ------------------------------------------------------------------------------

def _labels() -> list[str]:
    return [v for k, v in vars(MSG).items() if isinstance(v, str) and (
        k.startswith(("label_", "rel_", "sub_scope_")) or k in (
            "yes", "no", "later", "rep_heir_me", "rep_phone_mine", "rep_send", "rep_change", "st_mine"))]


VOCABULARY = [
    "menu", "MENU", "batal", "Batal", "kembali", "bantuan", "help", "halo", "assalamualaikum", "berhenti", "stop",
    "mulai", "langganan semua", "ya", "iya", "tidak", "gak", "nanti", "nanti saja", "lewati", "selesai", "kirim",
    "ubah", "saya", "lapor kematian", "innalillahi bapak saya meninggal", "cek bpjs", "cek status", "langganan",
    "pengumuman", "info terbaru", "jangan kirim info lagi", "TAUTKAN", "TAUTKAN 7KQ4M2HX", "tautkan abc",
    "VERIFIKASI {ref}", "PERBAIKAN {ref}", "VERIFIKASI {fix}", "PERBAIKAN {fix}", "verifikasi", "PERBAIKAN xx",
    "{ref}", "{fix}", "{ref_lower}", "SK-7KQ4-M2H", "status SK-0000-000", "Seluruh OKI", "semua", "kecamatan",
    "kayu agng", "Kayu Agung", "sukadana", "Mesuji", "mesu", "Palembang", _MESUJI_DESA.name, "16.02.05",
    "16.02.05.1008", "BRI", "Bank Sumsel Babel", "0812 3456 7890", "+62 812-3456-7890", "021 555 1234",
    "1602011203150001", "1602015708850003", "Rahmawati", "Anak", "Ahmad Sanusi", "Siti Aminah", "kemarin",
    "hari ini", "3 hari lalu", "17 Agustus 2025", "besok", "31/02/2025", "👍", "👎", "✅", "❌", "🙏🏽",
    *(str(i) for i in range(0, 25)), "99", "-1", "1.", " 2 ", *_labels(), *MSG.rep_edit_labels.values(),
]


def _long(chunk: str, n: int) -> str:
    return (chunk * (n // len(chunk) + 1))[:n]


@st.composite
def _dates_typed(draw) -> str:
    d = draw(st.dates(min_value=date(1890, 1, 1), max_value=date(2030, 12, 31)))
    return draw(st.sampled_from([f"{d.day}/{d.month}/{d.year}", f"{d.day} {MSG.months[d.month - 1]} {d.year}",
                                 f"{d.day:02d}-{d.month:02d}-{d.year % 100:02d}", f"tgl {d.day} {d.month}"]))


TEXTS = st.one_of(
    st.sampled_from(VOCABULARY),
    st.text(max_size=40),
    st.text(st.characters(min_codepoint=0x1F300, max_codepoint=0x1FAFF) | st.sampled_from("\u200d\ufe0f "),
            max_size=10),
    st.sampled_from(["", " ", "\n", "\t \u3000 ", "\u200b", "\ufeff", "\u202e", "\x00", "\r\n\r\n"]),
    st.builds(_long, st.text(min_size=1, max_size=10),
              st.sampled_from([MAX_TEXT - 1, MAX_TEXT, MAX_TEXT + 1, 10_000]) | st.integers(500, 10_000)),
    st.text(string.digits, min_size=1, max_size=20),
    st.text(string.digits + " .-", min_size=14, max_size=22),
    _dates_typed(),
    st.lists(st.text(max_size=3) | st.characters(categories=["Cs"]), min_size=1, max_size=4).map("".join),
    st.lists(st.sampled_from(VOCABULARY) | st.text(max_size=8), min_size=2, max_size=4).map(" ".join),
)

_EXT = {"image/jpeg": "jpg", "image/png": "png", "image/webp": "webp", "application/pdf": "pdf"}
MEDIA = st.builds(
    lambda ctype, token, size: Media(key=f"2026/11/{token:032x}.{_EXT[ctype]}", content_type=ctype, size=size),
    st.sampled_from(ALLOWED_TYPES), st.integers(min_value=0, max_value=2**128 - 1),
    st.integers(min_value=1, max_value=10 * 1024 * 1024))
PHOTO = Media("2026/11/" + "ab" * 16 + ".jpg", "image/jpeg", 2048)  # a photo with no caption


@dataclass(frozen=True)
class Turn:
    text: str = ""
    media: tuple[Media, ...] = ()
    media_error: str | None = None
    redeliver: bool = False  # the channel sends the previous message again (same platform id)
    good: int | None = None  # a good answer to whatever is asked now (see _good_answer); the int picks one


TURNS = st.one_of(
    st.builds(Turn, text=TEXTS),
    st.builds(Turn, text=st.just("") | TEXTS, media=st.lists(MEDIA, min_size=1, max_size=3).map(tuple)),
    st.builds(Turn, text=st.just("") | st.sampled_from(VOCABULARY),
              media_error=st.sampled_from(["too_large", "bad_type"])),
    st.just(Turn(redeliver=True)),
    st.builds(Turn, text=st.sampled_from(["kembali", "kembali", "batal", "menu", "bantuan"])),
    st.builds(Turn, good=st.integers(0, 99)),
    st.builds(Turn, good=st.integers(0, 99)),
)

# Good paths into every flow; a conversation starts with some of one (maybe none), then goes random.
_SANTUNAN = ["lapor kematian", "ya", "Rahmawati", "Anak", "{nik}", "Ahmad Sanusi", "kemarin", "kayu agng", "sukadana",
             "1602011203150001", "Saya sendiri", "0812 3456 7890"]
SCRIPTS = {
    "santunan, bank and documents, then change the kecamatan": [
        *_SANTUNAN, "BRI", "1234567890", "Rahmawati", PHOTO, PHOTO, "nanti", "nanti", PHOTO, MSG.rep_change,
        MSG.rep_edit_labels["kecamatan"], "Mesuji", _MESUJI_DESA.name, MSG.rep_send],
    "santunan, everything later, then change the bank": [
        *_SANTUNAN, "nanti", "nanti", "nanti", "nanti", "nanti", "nanti", MSG.rep_change, MSG.rep_edit_labels["bank"],
        "BNI", "0123456789", "Rahmawati", MSG.rep_send],
    "cek bpjs": ["cek bpjs", "{nik}", "Siti Aminah"],
    "status with documents": ["cek status", "{fix}", PHOTO, PHOTO, "selesai"],
    "status, my reports": ["cek status", MSG.st_mine],
    "langganan one kecamatan": ["langganan", "2", "kayu agng"],
    "langganan all": ["langganan", "1"],
    "staff perbaikan": ["PERBAIKAN {ref}", "SKTM belum ada"],
    "staff verifikasi": ["VERIFIKASI {ref}", "menu"],
}
_STAFF_SCRIPTS = ("staff perbaikan", "staff verifikasi")

_STARTS = ("lapor kematian", "cek bpjs", "cek status", "langganan", "berhenti", "pengumuman", "PERBAIKAN {ref}")
_GOOD = {  # flow:step -> good answers (a str, or a photo); the conversation's draw picks one
    "lapor_kematian:consent": ["ya", MSG.yes], "lapor_kematian:reporter": ["Rahmawati", "Budi Santoso"],
    "lapor_kematian:relationship": ["Anak", "2", "Keponakan"], "lapor_kematian:nik": ["{nik}"],
    "lapor_kematian:name": ["Ahmad Sanusi"], "lapor_kematian:date": ["kemarin", "hari ini", "3 hari lalu"],
    "lapor_kematian:kecamatan": ["kayu agng", "Mesuji", "Pedamaran", "mesu"],
    "lapor_kematian:kk": ["1602011203150001"], "lapor_kematian:heir": ["Saya sendiri", "Dewi Lestari"],
    "lapor_kematian:phone": ["0812 3456 7890"], "lapor_kematian:bank": ["BRI", "nanti"],
    "lapor_kematian:account": ["1234567890"], "lapor_kematian:holder": ["Rahmawati", "1"],
    **{f"lapor_kematian:doc_{d}": [PHOTO, "nanti"] for d in DOCUMENTS},
    "lapor_kematian:confirm": [MSG.rep_send, MSG.rep_change, MSG.rep_change],
    "lapor_kematian:which": list(MSG.rep_edit_labels.values()),
    "cek_bpjs:nik": ["{nik}"], "cek_bpjs:nama": ["Siti Aminah"],
    "status_laporan:ref": ["{fix}", MSG.st_mine], "status_laporan:docs": [PHOTO, PHOTO, "selesai"],
    # a chat that did not file the report proves it is the family (tests/fuzz/world.py files it)
    "status_laporan:prove": ["1602015708850004", "0812 3456 7890", "+62 812-3456-7890"],
    "langganan:scope": ["1", "2"], "langganan:kecamatan": ["kayu agng", "mesu"],
    "staf_perbaikan:note": ["SKTM belum ada"],
    "petugas_keluar:confirm": [MSG.hd_leave_yes, MSG.hd_leave_no],
}


def _good_answer(state: dict | None, pick: int) -> Turn:
    """What someone following the conversation would send now: a good answer to the step asked,
    a button (by its number) when choices are offered, or the words that start a flow."""
    if state is not None and (state.get("pending") or "").startswith("resume:"):  # "Lanjutkan …?"
        return Turn(text=(MSG.draft_continue, MSG.draft_fresh)[pick % 2])
    if state is None or not state.get("flow"):
        return Turn(text=_STARTS[pick % len(_STARTS)])
    if state["step"] == "desa":  # a desa of the kecamatan just chosen
        villages = [v for v in WILAYAH.villages if v.parent_code == state["answers"]["kecamatan"]]
        return Turn(text=villages[pick % len(villages)].name)
    options = _GOOD[f"{state['flow']}:{state['step']}"]
    if state["offered"] and pick % 4 == 0:
        return Turn(text=str(pick % len(state["offered"]) + 1))
    answer = options[pick % len(options)]
    return Turn(media=(answer,)) if isinstance(answer, Media) else Turn(text=answer)


@st.composite
def _niks(draw) -> str:
    born = draw(st.dates(min_value=date(1940, 1, 1), max_value=date(2005, 12, 31)))
    day = born.day + (40 if draw(st.booleans()) else 0)
    return f"160205{day:02d}{born.month:02d}{born.year % 100:02d}{draw(st.integers(1, 9999)):04d}"


@dataclass(frozen=True)
class Conversation:
    staff: bool  # the linked kades (whose state is cleared first), else a new citizen
    channel: str
    display_name: str | None
    phone: str | None
    nik: str
    script: str
    prefix: int
    turns: tuple[Turn, ...]

    def steps(self) -> list[Turn]:
        script = SCRIPTS[self.script][:self.prefix]
        scripted = [Turn(media=(s,)) if isinstance(s, Media) else Turn(text=s) for s in script]
        return [*scripted, *self.turns]


@st.composite
def conversations(draw) -> Conversation:
    script = draw(st.sampled_from([s for s in sorted(SCRIPTS) for _ in range(4 if s.startswith("santunan") else 1)]))
    staff = script in _STAFF_SCRIPTS or draw(st.integers(0, 9)) == 0
    return Conversation(
        staff=staff, channel="telegram" if staff else draw(st.sampled_from(["web", "telegram", "whatsapp"])),
        display_name=draw(st.sampled_from([None, "Siti", "Budi 🙏", "ا", "X" * 64])),
        phone=draw(st.sampled_from([None, "+6281234567890"])), nik=draw(_niks()), script=script,
        prefix=draw(st.integers(0, len(SCRIPTS[script]))),
        turns=tuple(draw(st.lists(TURNS, min_size=1, max_size=12))))


# --- what must hold after every turn -----------------------------------------------------------------

def _check_state(world: World, state: dict | None, ctx: Context) -> None:
    """What engine.py needs of a stored state to take the next message (see Engine.step/_answer)."""
    if state is None:
        return
    for name, draft in (state.get("drafts") or {}).items():  # parked forms (conversations/drafts.py)
        flow = world.engine._flows[name]
        assert flow.keep is not None and draft["step"] in [s.id for s in flow.steps], draft
        assert isinstance(draft["answers"], dict) and draft["flow_version"] == flow.version
        datetime.fromisoformat(draft["saved_at"])
    if state.get("flow") is None:  # idle: drafts kept, or the choices an answer offered (conversations/questions.py)
        assert state.get("drafts") or state.get("offered"), "an idle state with nothing in it is stored"
        return
    assert {"flow", "step", "answers", "flow_version", "retries", "offered", "updated_at", "version"} <= set(state)
    flow = world.engine._flows.get(state["flow"])
    assert flow is not None, f"unknown flow {state['flow']!r}"
    assert state["flow_version"] == flow.version
    ids = [s.id for s in flow.steps]
    assert state["step"] in ids, f"{state['flow']} has no step {state['step']!r}"
    assert isinstance(state["version"], int) and state["version"] >= 1
    assert isinstance(state["retries"], int) and 0 <= state["retries"] < MAX_RETRIES
    assert all(isinstance(c, list) and len(c) == 2 and all(isinstance(x, str) and x for x in c)
               for c in state["offered"]), state["offered"]
    datetime.fromisoformat(state["updated_at"])
    answers = state["answers"]
    assert isinstance(answers, dict) and set(answers) <= set(ids) | _BEGUN_WITH.get(flow.name, set()), answers
    assert set(state.get("return_to", ())) <= set(ids)
    index = ids.index(state["step"])
    for step in flow.steps[:index]:  # a later prompt or the summary reads these
        assert step.id in answers or (step.skip_if and step.skip_if(ctx, answers)), \
            f"{flow.name}:{state['step']} but {step.id!r} neither answered nor skipped: {sorted(answers)}"
    step = flow.steps[index]
    prompt = step.prompt(ctx, answers) if callable(step.prompt) else step.prompt
    assert isinstance(prompt, str) and prompt.strip()
    if flow.name == "lapor_kematian" and state["step"] in ("confirm", "which") and "return_to" not in state:
        _check_report_data(answers, f"{flow.name}:{state['step']} (the summary shown)")


def _check_report_data(a: dict, where: str) -> None:
    """What a death report must hold together, whether in the summary or filed: the desa is in the
    kecamatan, and a bank comes with its account number and holder."""
    desa = WILAYAH.get(a["desa"])
    assert desa is not None and desa.parent_code == a["kecamatan"], \
        f"{where}: desa {a['desa']} ({desa and desa.name}) is not in kecamatan {a['kecamatan']}"
    if a.get("bank"):
        assert a.get("account") and a.get("holder"), \
            f"{where}: bank {a['bank']!r} with account {a.get('account')!r}, holder {a.get('holder')!r}"


async def _check_filed(world: World, contact_id: int) -> None:
    for report in await world.rt.santunan.for_contact(contact_id):
        _check_report_data({"desa": report.desa_code, "kecamatan": report.kecamatan_code, "bank": report.bank_name,
                            "account": report.bank_account, "holder": report.bank_holder},
                           f"filed report {report.reference}")


async def begin(world: World, convo: Conversation, prefix: str = "fuzz"):
    """A conversation's start: its user and channel, contact, state key, and the values its
    placeholders stand for ({nik}, {ref}, ...)."""
    await world.reset_reports()
    user, channel = (STAFF_CHAT, "telegram") if convo.staff else (f"{prefix}-{next(world.ids)}", convo.channel)
    contact = await world.rt.contacts.touch(channel=channel, channel_user_id=user, at=datetime.now(UTC))
    key = state_key(contact.id)
    if convo.staff:
        await world.rt.store.delete(key)
    nik = f"{convo.nik[:12]}{next(world.ids) % 10_000:04d}"  # a new serial: no "already reported" by chance
    fill = {"{nik}": nik, "{ref}": world.staff_report, "{fix}": world.fix_report,
            "{ref_lower}": world.staff_report.lower().replace("-", " ")}
    return user, channel, contact, key, fill


async def _play(world: World, convo: Conversation) -> None:
    rt = world.rt
    user, channel, contact, key, fill = await begin(world, convo)
    last: Incoming | None = None
    for n, turn in enumerate(convo.steps()):
        before = await rt.store.load(key)
        redelivered = turn.redeliver and last is not None
        if turn.good is not None:
            turn = _good_answer(before, turn.good)
        if not redelivered:
            text = turn.text
            for mark, value in fill.items():
                text = text.replace(mark, value)
            last = Incoming(channel=channel, user_id=user, text=text, media=turn.media, media_error=turn.media_error,
                            platform_id=f"fz-{next(world.ids)}", display_name=convo.display_name, phone=convo.phone)
        world.failures.records.clear()
        with_person = bool(contact.open_ticket_id)  # a person answers: the bot may stay silent
        outcome = await rt.dispatcher.handle(last)
        after = await rt.store.load(key)
        where = f"turn {n} {last.text[:80]!r} media={len(last.media)} error={last.media_error}, " \
                f"state before: {before and (before['flow'], before.get('step'))}"
        _check_turn(world, last, outcome, before, after, redelivered=redelivered, where=where,
                    with_person=with_person)
        event(f"reached {after['flow']}:{after['step']}" if after else "reached idle")
        contact = await rt.contacts.get(contact.id)
        _check_state(world, after, Context(contact, rt.dispatcher._services, datetime.now(UTC)))
    if not convo.staff:
        await _check_filed(world, contact.id)


def _check_turn(world: World, incoming: Incoming, outcome: Outcome, before: dict | None, after: dict | None, *,
                redelivered: bool, where: str, with_person: bool = False) -> None:
    assert outcome.processed and outcome.delivered, f"{where}: the turn failed\n{world.failures.last()}"
    assert MSG.error not in [r.text for r in outcome.replies], f"{where}\n{world.failures.last()}"
    if redelivered:
        assert outcome.duplicate and not outcome.replies and after == before, where
        return
    assert not outcome.duplicate, where
    if with_person and not outcome.replies:  # acknowledged now and then, never per message (issue 15)
        return
    assert outcome.replies, f"{where}: no reply"
    for reply in outcome.replies:
        assert isinstance(reply.text, str) and reply.text.strip(), f"{where}: empty reply {reply}"
        assert all(c.id and c.label and c.label.strip() for c in (*reply.choices, *reply.actions)), reply
    if len(incoming.text) > MAX_TEXT or incoming.media_error:
        assert after == before, f"{where}: a message that changes nothing changed the state"
    if after is not None and after != before:
        assert after["version"] == (before["version"] + 1 if before else 1), where
        shown = [[c.id, c.label] for c in outcome.replies[-1].choices]
        assert after["offered"] == shown, f"{where}: offered {after['offered']} but showed {shown}"


def _found(script: str, prefix: int, *texts: str) -> Conversation:
    """A conversation hypothesis found, kept as an explicit example."""
    return Conversation(staff=False, channel="web", display_name=None, phone=None, nik="1602050101400001",
                        script=script, prefix=prefix, turns=tuple(Turn(text=t) for t in texts))


_LATER_THEN_BANK = "santunan, everything later, then change the bank"
_BANK_THEN_KECAMATAN = "santunan, bank and documents, then change the kecamatan"


@fuzz_settings(200)
@given(convo=conversations())
# changing the bank (Ubah data > Rekening), KEMBALI twice, answer: the summary has no phone (KeyError)
@example(convo=_found(_LATER_THEN_BANK, 20, "kembali", "kembali", "halo"))
# changing the kecamatan, KEMBALI at the desa, another kecamatan: the summary keeps the old desa
@example(convo=_found(_BANK_THEN_KECAMATAN, 23, "kembali", "Mesuji"))
# changing the bank, KEMBALI at the account number, a bank again: the account step is skipped
@example(convo=_found(_LATER_THEN_BANK, 21, "kembali", "BNI", "Rahmawati"))
def test_any_conversation_answers_every_turn_and_keeps_a_valid_state(world, convo):
    world.runner.run(_play(world, convo))
