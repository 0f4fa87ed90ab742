"""Lapor kematian (santunan kematian), as PRODUCT.md describes it:

  consent -> reporter and relationship -> deceased's NIK (an existing report is shown instead, to
  the family that filed it; anyone else learns only that one exists) ->
  name -> date of death (within the window) -> kecamatan -> desa -> KK -> heir, phone, bank ->
  five documents (each may come later: "nanti") -> summary, change any answer -> reference number,
  next steps, and the JKM benefit when the deceased was covered.

The report is stored before the reference number is sent."""
from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta
from typing import Any

from conversations.context import Context
from conversations.engine import Answer, Flow, Jump, Ok, Retry, Step, Stop
from conversations.fields import is_self, parse_bank, parse_name, parse_relationship, place_pair
from conversations.messages_id import MSG
from conversations.model import Choice, Reply
from conversations.parsing import is_later, parse_bank_account, parse_date, parse_kk, parse_phone, parse_yes_no
from services.lookups import LookupRefused, NeedsProof
from services.nik import check_nik_in_text
from services.privacy import mask_account, mask_kk, mask_nik, mask_phone
from services.santunan import DOCUMENTS, WIB, Draft, Duplicate, LateReport
from storage.models import Report

__all__ = ["santunan_flow", "document_answer", "lookup_retry"]

_YES_NO = (Choice("ya", MSG.yes), Choice("tidak", MSG.no))
_RELATIONS = tuple(Choice(k, getattr(MSG, f"rel_{k}")) for k in ("child", "spouse", "parent", "sibling", "other"))
_LATER = (Choice("nanti", MSG.later),)
_EDITABLE = tuple(MSG.rep_edit_labels.items())


def _today(ctx: Context) -> date:
    return ctx.now.astimezone(WIB).date()


_NAME_RETRY = {"later": MSG.rep_name_later, "digits": MSG.rep_name_digits, "short": MSG.rep_name_short,
               "not_name": MSG.rep_name_not_name, "long": MSG.rep_name_long}


def _name(answer: Answer, *_: Any, later: str = MSG.rep_name_later) -> Ok | Retry:
    """A name (conversations/fields.py parse_name): "nanti" is never a name, a name cannot wait."""
    parsed = parse_name(answer.text)
    if parsed.value is None:
        return Retry(later if parsed.error == "later" else _NAME_RETRY.get(parsed.error or "", MSG.rep_name_retry))
    return Ok(parsed.value)


def _consent(answer: Answer, ctx: Context, _a: Mapping[str, Any]) -> Ok | Retry | Stop:
    said = {"ya": True, "tidak": False}.get(answer.choice_id or "", parse_yes_no(answer.text))
    if said is None:
        return Retry(MSG.rep_consent_retry)
    return Ok(True) if said else Stop((Reply(MSG.rep_no_consent),))


def _reporter(answer: Answer, ctx: Context, a: Mapping[str, Any]) -> Ok | Retry:
    if answer.choice_id == "profile" and ctx.contact.display_name:
        return Ok(ctx.contact.display_name)
    return _name(answer)


def _relationship(answer: Answer, ctx: Context, _a: Mapping[str, Any]) -> Ok | Retry:
    """What the reporter is to the deceased, stored by its label ("ibu saya" -> "Anak")."""
    if answer.choice_id:
        return Ok(next(c.label for c in _RELATIONS if c.id == answer.choice_id))
    parsed = parse_relationship(answer.text)
    if parsed.value is None:
        return Retry(MSG.rep_relationship_later if parsed.error == "later" else MSG.rep_relationship_unknown)
    return Ok(getattr(MSG, f"rel_{parsed.value}"))


async def _nik(answer: Answer, ctx: Context, _a: Mapping[str, Any]) -> Ok | Retry | Stop:
    from conversations.coverage import NIK_RETRY

    found = check_nik_in_text(answer.text)  # "NIK almarhum 1602 0157 0885 0003"
    if found.nik is None:
        return Retry(NIK_RETRY[found.error or "empty"].format(digits=found.digits))
    try:
        existing = await ctx.services.santunan.check_nik(found.nik, contact_id=ctx.contact.id, ip=ctx.ip,
                                                         proof=ctx.proof)
    except (NeedsProof, LookupRefused) as exc:
        return lookup_retry(exc)
    if existing is not None:
        return Stop((_already_reported(ctx, existing),))
    return Ok(found.nik)


def lookup_retry(exc: NeedsProof | LookupRefused) -> Retry:
    """A sensitive lookup the limits held back (services/lookups.py): the web chat solves a proof of
    work and sends the same answer again, or the citizen is told when to try; the step stays open."""
    if isinstance(exc, NeedsProof):
        return Retry(MSG.proof_needed, proof=True)
    minutes = max(1, round(exc.retry_after / 60))
    return Retry(MSG.lookups_refused.format(when=MSG.wait_minutes.format(minutes=minutes)), counts=False)


def _already_reported(ctx: Context, report: Report) -> Reply:
    """The family that filed it sees its report; anyone else learns only that one exists."""
    if ctx.services.santunan.family(report, contact_id=ctx.contact.id):
        return Reply(MSG.rep_exists.format(reference=report.reference, status=MSG.status_names[report.status]))
    return Reply(MSG.rep_exists_other.format(office=ctx.services.santunan.rules.office_contact))


def _date(answer: Answer, ctx: Context, _a: Mapping[str, Any]) -> Ok | Retry | Stop:
    parsed = parse_date(answer.text, today=_today(ctx))
    if parsed.value is None:
        return Retry({"impossible": MSG.rep_date_impossible, "future": MSG.rep_date_future}.get(
            parsed.error or "", MSG.rep_date_unreadable))
    santunan = ctx.services.santunan
    if santunan.is_late(parsed.value, today=_today(ctx)) and not santunan.rules.accept_late:
        return Stop((Reply(MSG.rep_late.format(window=santunan.rules.window_days, office=santunan.rules.office_contact,
                                               days=santunan.days_since(parsed.value, today=_today(ctx)))),))
    return Ok(parsed.value.isoformat())


def _kecamatan(answer: Answer, ctx: Context, _a: Mapping[str, Any]) -> Ok | Retry:
    from conversations.subscription import parse_kecamatan

    if not answer.choice_id and (pair := place_pair(answer.text, ctx.services.wilayah)):  # "Sukadana, Kayu Agung"
        return Ok(pair[0].code, also={"desa": pair[1].code})
    return parse_kecamatan(answer, ctx, _a)


def _desa(answer: Answer, ctx: Context, a: Mapping[str, Any]) -> Ok | Retry:
    wilayah = ctx.services.wilayah
    kecamatan = a["kecamatan"]
    if answer.choice_id and (place := wilayah.get(answer.choice_id)) and place.parent_code == kecamatan:
        return Ok(place.code)
    found = wilayah.match_desa(kecamatan, answer.text)
    if found.place:
        return Ok(found.place.code)
    if found.candidates:
        return Retry(MSG.rep_desa_choose, tuple(Choice(p.code, p.name) for p in found.candidates))
    return Retry(MSG.rep_desa_unknown.format(text=answer.text[:40], kecamatan=wilayah.get(kecamatan).name))


def _kk(answer: Answer, ctx: Context, _a: Mapping[str, Any]) -> Ok | Retry:
    parsed = parse_kk(answer.text)
    if parsed.value is None:
        return Retry(MSG.rep_kk_letters if parsed.error in ("letters", "empty") else
                     MSG.rep_kk_length.format(digits=parsed.digits))
    return Ok(parsed.value)


def _heir(answer: Answer, ctx: Context, a: Mapping[str, Any]) -> Ok | Retry:
    return Ok(a["reporter"]) if answer.choice_id == "me" or is_self(answer.text) else _name(answer)


def _phone(answer: Answer, ctx: Context, _a: Mapping[str, Any]) -> Ok | Retry:
    text = ctx.contact.phone if answer.choice_id == "mine" else answer.text
    parsed = parse_phone(text or "")
    return Ok(parsed.value) if parsed.value else Retry(MSG.rep_phone_retry)


def _holder(answer: Answer, ctx: Context, a: Mapping[str, Any]) -> Ok | Retry:
    if answer.choice_id == "heir":
        return Ok(a["heir"])
    return _name(answer, later=MSG.rep_holder_later)


_BANK_RETRY = {"ewallet": MSG.rep_bank_ewallet, "unknown": MSG.rep_bank_unknown, "account": MSG.rep_bank_account}


def _bank(answer: Answer, ctx: Context, _a: Mapping[str, Any]) -> Ok | Retry:
    """The bank, and the account number when the same message carries it ("BRI 1234567890")."""
    if answer.choice_id == "nanti" or is_later(answer.text):
        return Ok(None)
    parsed = parse_bank(answer.text)
    if parsed.value is None:
        return Retry(_BANK_RETRY.get(parsed.error or "", MSG.rep_bank_unknown).format(digits=parsed.digits))
    account = {"account": parsed.value.account} if parsed.value.account else {}
    return Ok(parsed.value.name, also=account)


def _account(answer: Answer, ctx: Context, _a: Mapping[str, Any]) -> Ok | Retry:
    parsed = parse_bank_account(answer.text)
    return Ok(parsed.value) if parsed.value else Retry(MSG.rep_account_retry)


def document_answer(answer: Answer) -> list[list[Any]] | None:
    """The stored files of an answer as [key, content type, size], or None when there are none."""
    return [[m.key, m.content_type, m.size] for m in answer.media] or None


def _document(kind: str):
    def parse(answer: Answer, ctx: Context, _a: Mapping[str, Any]) -> Ok | Retry:
        if files := document_answer(answer):
            return Ok(files)
        if answer.choice_id == "nanti" or is_later(answer.text):
            return Ok(None)
        return Retry(MSG.rep_document_retry.format(document=getattr(MSG, f"doc_{kind}")), _LATER)

    return parse


def _summary_text(ctx: Context, a: Mapping[str, Any]) -> str:
    wilayah = ctx.services.wilayah
    # the citizen's own numbers come back masked: a chat is read on shared phones and in notifications
    bank = (f"{a['bank']} {mask_account(a.get('account') or '')} a.n. {a.get('holder')}" if a.get("bank")
            else MSG.rep_later_text)
    docs = [getattr(MSG, f"doc_{d}").split(" dari ")[0] for d in DOCUMENTS if a.get(f"doc_{d}")]
    return MSG.rep_summary.format(
        name=a["name"], nik=mask_nik(a["nik"]), date=_day(date.fromisoformat(a["date"])),
        desa=wilayah.get(a["desa"]).name, kecamatan=wilayah.get(a["kecamatan"]).name, kk=mask_kk(a["kk"]),
        reporter=a["reporter"], relationship=a["relationship"], heir=a["heir"], phone=mask_phone(a["phone"]), bank=bank,
        documents=", ".join(docs) or MSG.rep_none)


def _day(d: date) -> str:
    return f"{d.day} {MSG.months[d.month - 1]} {d.year}"


def _confirm(answer: Answer, ctx: Context, _a: Mapping[str, Any]) -> Ok | Retry:
    said = answer.choice_id or ("kirim" if parse_yes_no(answer.text) else None)
    if said in ("kirim", "ubah"):
        return Ok(said)
    return Retry(MSG.rep_summary_retry)


_FOLLOW = {"kecamatan": ("desa",), "bank": ("account", "holder")}  # answers that depend on the changed one


def _which(answer: Answer, ctx: Context, _a: Mapping[str, Any]) -> Jump | Retry:
    field = answer.choice_id
    if field == "account" and not _a.get("bank"):  # no bank yet: the bank first, then its account
        field = "bank"
    if field in dict(_EDITABLE):
        return Jump(field, then=(*_FOLLOW.get(field, ()), "confirm"))
    return Retry(MSG.rep_which)


async def _file(ctx: Context, a: Mapping[str, Any]) -> list[Reply]:
    santunan = ctx.services.santunan
    documents = [(kind, key, ctype, size) for kind in DOCUMENTS for key, ctype, size in (a.get(f"doc_{kind}") or ())]
    draft = Draft(deceased_nik=a["nik"], deceased_name=a["name"], date_of_death=date.fromisoformat(a["date"]),
                  kecamatan_code=a["kecamatan"], desa_code=a["desa"], kk_number=a["kk"], reporter_name=a["reporter"],
                  reporter_relationship=a["relationship"], heir_name=a["heir"], heir_phone=a["phone"],
                  bank_name=a.get("bank"), bank_account=a.get("account"), bank_holder=a.get("holder"),
                  documents=documents)
    try:
        report = await santunan.file(draft, filed_by=f"contact:{ctx.contact.id}", contact=ctx.contact)
    except Duplicate as dup:
        return [_already_reported(ctx, dup.report)]
    except LateReport as late:
        return [Reply(MSG.rep_late.format(window=late.window, days=late.days, office=santunan.rules.office_contact))]
    replies = [Reply(MSG.rep_filed.format(reference=report.reference, desil=santunan.rules.desil_max))]
    missing = [getattr(MSG, f"doc_{d}").split(" dari ")[0] for d in DOCUMENTS if not a.get(f"doc_{d}")]
    if missing:
        replies.append(Reply(MSG.rep_filed_missing.format(documents=", ".join(missing))))
    if report.late:
        replies.append(Reply(MSG.rep_filed_late.format(window=santunan.rules.window_days)))
    if report.jkm_covered:
        replies.append(Reply(MSG.rep_jkm.format(jkm_contact=santunan.rules.jkm_contact)))
    return replies


def _consent_prompt(ctx: Context, _a: Mapping[str, Any]) -> str:
    rules = ctx.services.santunan.rules
    return MSG.rep_consent.format(amount=f"{rules.amount:,}".replace(",", "."), desil=rules.desil_max,
                                  window=rules.window_days)


def _doc_step(kind: str) -> Step:
    before = DOCUMENTS[DOCUMENTS.index(kind) - 1] if DOCUMENTS.index(kind) else None

    def prompt(ctx: Context, a: Mapping[str, Any]) -> str:
        text = MSG.rep_ask_document.format(document=getattr(MSG, f"doc_{kind}"),
                                           window=ctx.services.santunan.rules.window_days)
        if before and a.get(f"doc_{before}"):  # the file just sent: "diterima ✓" (friction 18)
            return f"{MSG.doc_received.format(document=getattr(MSG, f'doc_{before}').split(' dari ')[0])}\n{text}"
        return text

    return Step(f"doc_{kind}", prompt=prompt, parse=_document(kind), choices=_LATER, later=True,
                label=getattr(MSG, f"doc_{kind}").split(" dari ")[0], example=MSG.doc_example)


def _ask_desa(ctx: Context, a: Mapping[str, Any]) -> str:
    return MSG.rep_ask_desa.format(kecamatan=ctx.services.wilayah.get(a["kecamatan"]).name)


def _profile(ctx: Context, _a: Mapping[str, Any]) -> tuple[Choice, ...]:
    return (Choice("profile", ctx.contact.display_name),) if ctx.contact.display_name else ()


def _no_bank(_ctx: Context, a: Mapping[str, Any]) -> bool:
    return not a.get("bank")


santunan_flow = Flow(
    name="lapor_kematian",
    version=1,
    title=MSG.form_titles["lapor_kematian"],
    progress=True,
    keep=timedelta(days=14),  # bot/app.py sets DRAFT_RETENTION_DAYS
    steps=(
        Step("consent", prompt=_consent_prompt, parse=_consent, choices=_YES_NO, label=MSG.field_consent),
        Step("reporter", prompt=MSG.rep_ask_reporter, parse=_reporter, choices=_profile,
             label=MSG.field_reporter, example="Rahmawati"),
        Step("relationship", prompt=MSG.rep_ask_relationship, parse=_relationship, choices=_RELATIONS,
             label=MSG.field_relationship, example="anak"),
        Step("nik", prompt=MSG.rep_ask_nik, parse=_nik, label=MSG.field_nik, example="1602 0157 0885 0003",
             help=MSG.help_nik),
        Step("name", prompt=MSG.rep_ask_name, parse=lambda answer, *_: _name(answer), label=MSG.field_name,
             example="Ahmad Sanusi"),
        Step("date", prompt=MSG.rep_ask_date, parse=_date, label=MSG.field_date, example="kemarin, atau 17-08-2025"),
        Step("kecamatan", prompt=MSG.rep_ask_kecamatan, parse=_kecamatan, label=MSG.field_kecamatan,
             example="Kayu Agung"),
        Step("desa", prompt=_ask_desa, parse=_desa, label=MSG.field_desa, example="Sukadana"),
        Step("kk", prompt=MSG.rep_ask_kk, parse=_kk, label=MSG.field_kk, example="1602 0112 0315 0001",
             help=MSG.help_kk),
        Step("heir", prompt=MSG.rep_ask_heir, parse=_heir, choices=(Choice("me", MSG.rep_heir_me),),
             label=MSG.field_heir, example="Rahmawati"),
        Step("phone", prompt=MSG.rep_ask_phone, parse=_phone, request_phone=True, label=MSG.field_phone,
             example="0812 3456 7890",
             choices=lambda ctx, _a: (Choice("mine", MSG.rep_phone_mine),) if ctx.contact.phone else ()),
        Step("bank", prompt=MSG.rep_ask_bank, parse=_bank, choices=_LATER, label=MSG.field_bank, later=True,
             example="BRI 1234567890"),
        Step("account", prompt=MSG.rep_ask_account, parse=_account, skip_if=_no_bank, label=MSG.field_account,
             example="1234567890"),
        Step("holder", prompt=MSG.rep_ask_holder, parse=_holder, skip_if=_no_bank, label=MSG.field_holder,
             choices=lambda _ctx, a: (Choice("heir", a["heir"]),), example="Rahmawati"),
        *(_doc_step(kind) for kind in DOCUMENTS),
        Step("confirm", prompt=_summary_text, parse=_confirm,
             choices=(Choice("kirim", MSG.rep_send), Choice("ubah", MSG.rep_change))),
        Step("which", prompt=MSG.rep_which, parse=_which, skip_if=lambda _c, a: a.get("confirm") != "ubah",
             choices=tuple(Choice(k, label) for k, label in _EDITABLE)),
    ),
    on_complete=_file,
)
