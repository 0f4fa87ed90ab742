"""Questions, not requests: "berapa santunan kematian?" is answered from the knowledge base
(services/answers.py), with the form offered as a choice; "mau lapor kematian" starts the form.

The decision reads the message's shape (a question mark, question words, Palembang "apo",
"berapo", "cak mano", "ngapo", a yes/no tail such as "... gak?") together with the knowledge
base's confidence and the intent matcher's verdict, never a list of fixed sentences:

  you: syarat santunan kematian apa saja      bot: Dokumen santunan kematian: 1) SKTM ... [Lapor kematian]
  you: sy mau lapor kematian                  bot: (the death report starts)
  you: apakah bisa bikin paspor di sini?      bot: Maaf, pertanyaan itu belum bisa saya jawab ... [Tanya petugas] [Menu]

Inside a form a failed answer that reads as a question is answered (from the knowledge base, or
the step's own `help`), and the step is asked again with nothing lost (conversations/engine.py)."""
from __future__ import annotations

import re
from dataclasses import dataclass

from conversations.context import Context
from conversations.messages_id import MSG
from conversations.model import Choice, Reply
from conversations.router import match_intent
from conversations.steps import State, Step
from conversations.text import normalise, words

__all__ = ["Asked", "idle", "in_step", "is_question", "is_request"]

_QUESTION_WORDS = frozenset({"apa", "apakah", "berapa", "bagaimana", "kapan", "siapa", "boleh", "bisa", "dimana",
                             "mana", "kenapa", "mengapa", "syarat", "persyaratan", "bedanya", "beda", "maksud",
                             "arti", "artinya", "cara", "caranya", "tanya", "nanya", "bertanya", "kemana", "adakah",
                             "bisakah", "bolehkah", "perlukah", "haruskah"})
_YES_NO_TAIL = frozenset({"tidak", "belum", "kah", "ya", "kan", "bukan"})
_REQUEST_WORDS = frozenset({"mau", "minta", "tolong", "bantu", "daftarkan", "laporkan", "cekkan", "cekin"})
_PALEMBANG = re.compile(r"\bcak mano\b|\bcakmano\b")
# a question about these is still a request about oneself: "uang santunan ibu sudah masuk belum?"
_PERSONAL = frozenset({"status_laporan"})
_SERVICES = frozenset({"cek_bpjs", "lapor_kematian", "status_laporan", "pengumuman", "langganan",
                       "berhenti_langganan", "petugas"})
_YES, _NO = "faq_ya:", "faq_tidak:"


def is_question(text: str) -> bool:
    said = words(text)
    return ("?" in text or bool(_QUESTION_WORDS & set(said)) or (len(said) > 2 and said[-1] in _YES_NO_TAIL)
            or bool(_PALEMBANG.search(normalise(text))))


def is_request(text: str) -> bool:
    said = words(text)
    return bool(_REQUEST_WORDS & set(said[:4])) and not {"tanya", "bertanya", "nanya"} & set(said)


@dataclass(frozen=True, slots=True)
class Asked:
    """What the knowledge base made of an idle message: replies to send, or an intent to start
    (a picked choice), or neither (the menu's usual routing goes on)."""

    replies: list[Reply] | None = None
    intent: str | None = None


def _label(intent: str) -> str:
    return MSG.kb_person if intent == "petugas" else getattr(MSG, f"label_{intent}")


def _answer(entry, feedback: bool) -> Reply:  # noqa: ANN001 - services.answers.Entry
    choices = [Choice(entry.action, _label(entry.action))] if entry.action else []
    text = entry.answer
    if feedback:
        text = f"{text}\n\n{MSG.kb_ask_helpful}"
        choices += [Choice(f"{_YES}{entry.id}", MSG.kb_helpful_yes), Choice(f"{_NO}{entry.id}", MSG.kb_helpful_no)]
    return Reply(text, tuple(choices))


def _fallback(ctx: Context) -> Reply:
    if ctx.services.helpdesk is None:
        return Reply(MSG.kb_none_no_person, (Choice("menu", MSG.kb_menu),))
    return Reply(MSG.kb_none, (Choice("petugas", MSG.kb_person), Choice("menu", MSG.kb_menu)))


async def _picked(state: State | None, text: str, choice_id: str | None, ctx: Context) -> Asked | None:
    """The answer to choices a previous answer offered ("Maksud Anda", "Apakah membantu?")."""
    offered = [Choice(i, label) for i, label in (state or {}).get("offered", [])]
    if not any(c.id.startswith(("faq", "petugas")) for c in offered):
        return None
    norm = normalise(text)
    pick = choice_id or next((c.id for n, c in enumerate(offered, 1)
                              if text == c.id or norm in (str(n), normalise(c.label))), None)
    kb = ctx.services.answers
    if pick is None or kb is None:
        return None
    if pick.startswith("faq:"):
        entry = await kb.chosen(int(pick.removeprefix("faq:")))
        return Asked([_answer(entry, False)] if entry else [Reply(MSG.kb_gone)])
    if pick.startswith((_YES, _NO)):
        helpful = pick.startswith(_YES)
        await kb.feedback(int(pick.split(":", 1)[1]), helpful=helpful)
        return Asked([Reply(MSG.kb_thanks)] if helpful else [_fallback_after_no(ctx)])
    return Asked(intent=pick) if pick in _SERVICES else None


def _fallback_after_no(ctx: Context) -> Reply:
    if ctx.services.helpdesk is None:
        return Reply(MSG.kb_thanks)
    return Reply(MSG.kb_sorry, (Choice("petugas", MSG.kb_person), Choice("menu", MSG.kb_menu)))


async def idle(state: State | None, text: str, choice_id: str | None, ctx: Context) -> Asked:
    """A message with no form in progress: a picked choice, an answer, "Maksud Anda", or nothing."""
    if (picked := await _picked(state, text, choice_id, ctx)) is not None:
        return picked
    kb = ctx.services.answers
    if kb is None or not text or normalise(text).isdigit():
        return Asked()
    question, intent = is_question(text), match_intent(text)
    if intent in _SERVICES and (not question or is_request(text) or intent in _PERSONAL):
        return Asked()  # a request: the service starts
    found = await kb.find(text)
    if found.kind == "answer":
        return Asked([_answer(found.entries[0], found.feedback)])
    if found.kind == "choices":
        first, *rest = found.entries
        choices = [Choice(f"faq:{e.id}", e.question) for e in found.entries]
        text_ = (MSG.kb_did_you_mean_two.format(first=first.question, second=rest[0].question) if rest
                 else MSG.kb_did_you_mean.format(first=first.question))
        if ctx.services.helpdesk is not None:
            choices.append(Choice("petugas", MSG.kb_not_these))
        return Asked([Reply(text_, tuple(choices))])
    if question and intent not in _SERVICES:
        await kb.unanswered(text, now=ctx.now)
        return Asked([_fallback(ctx)])
    return Asked()


async def in_step(step: Step, text: str, ctx: Context) -> Reply | None:
    """A question asked at a step whose answer failed: what to say before the step is asked again."""
    if not text or not is_question(text):
        return None
    kb = ctx.services.answers
    found = await kb.find(text) if kb is not None else None
    if found is not None and found.kind == "answer":
        return Reply(found.entries[0].answer)
    if step.help:
        return Reply(step.help)
    if kb is not None:
        await kb.unanswered(text, now=ctx.now)
    return Reply(MSG.kb_none_in_form)
