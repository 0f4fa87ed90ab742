"""Texts for messages we start (not replies): rendered from what the services put in the outbox,
so that every user-facing string stays in the catalogue."""
from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date

from conversations.messages_id import MSG
from conversations.model import Choice, Reply

__all__ = ["render_notice", "render_notice_reply", "template_name", "template_variables"]


def _notice(body: str) -> dict | None:
    try:
        notice = json.loads(body)
    except ValueError:
        return None
    return notice if isinstance(notice, dict) else None


def template_variables(body: str, *, base_url: str) -> dict[str, str]:
    """Variables of the approved WhatsApp template for an outbox body, used outside the 24-hour
    window: {{1}} the title, {{2}} the link (the announcement's own, else its place in the public
    archive; for a report notice, how to see the details)."""
    notice = _notice(body) or {}
    if notice.get("notice") == "announcement":
        return {"1": notice["title"][:200], "2": notice.get("link") or f"{base_url}/pengumuman#p{notice['id']}"}
    return {"1": render_notice(body)[:200], "2": MSG.template_details}


def render_notice(body: str) -> str:
    """The message for an outbox body: a JSON notice from a service, or plain text as written."""
    return render_notice_reply(body).text


def render_notice_reply(body: str) -> Reply:
    """As `render_notice`, with the buttons a notice carries under it (a report waiting for the
    staff member it goes to: verify, or ask for perbaikan)."""
    notice = _notice(body)
    kind = notice.get("notice") if notice else None
    if notice is None or kind not in _RENDERERS:
        return Reply(body)
    return _RENDERERS[kind](notice)


def _announcement(notice: dict) -> Reply:
    link = f"\n{notice['link']}" if notice.get("link") else ""
    return Reply(MSG.announcement.format(title=notice["title"], body=notice["body"], link=link))


def _report_status(notice: dict) -> Reply:
    lines = [MSG.notice_status.format(reference=notice["reference"], status=MSG.status_names[notice["status"]])]
    if notice.get("message"):  # written for the family; staff's internal notes are never in a notice
        lines.append(MSG.notice_message.format(message=notice["message"]))
    if notice["status"] == "perlu_perbaikan":
        lines.append(MSG.notice_fix.format(reference=notice["reference"]))
    return Reply("\n".join(lines))


def _staff_report(notice: dict) -> Reply:
    """To a linked kades or camat: a report waits for them. The actions are the typed commands."""
    reference, died = notice["reference"], date.fromisoformat(notice["date_of_death"])
    text = MSG.staff_report.format(reference=reference, stage=MSG.staff_stage.get(notice["status"], "-"),
                                   desa=notice["desa"], kecamatan=notice["kecamatan"], initials=notice["initials"],
                                   date=f"{died.day} {MSG.months[died.month - 1]} {died.year}")
    if notice.get("again"):
        text = f"{MSG.staff_report_again}\n{text}"
    if notice.get("url"):
        text = f"{text}\n{MSG.staff_report_link.format(url=notice['url'])}"
    return Reply(text, actions=(Choice(f"VERIFIKASI {reference}", MSG.staff_verify),
                                Choice(f"PERBAIKAN {reference}", MSG.staff_fix)))


def _helpdesk_reply(notice: dict) -> Reply:
    return Reply(MSG.hd_reply.format(text=notice["text"]))


def _helpdesk_closed(notice: dict) -> Reply:
    from conversations.helpdesk import RATINGS

    text = MSG.hd_closed_idle if notice.get("reason") == "idle" else MSG.hd_closed
    return Reply(f"{text}\n\n{MSG.hd_rate}", RATINGS)


def _staff_ticket(notice: dict) -> Reply:
    place = f", {notice['place']}" if notice.get("place") else ""
    return Reply(MSG.hd_staff_ticket.format(ticket=notice["ticket"], topic=MSG.hd_topics.get(notice["topic"], "-"),
                                            place=place, url=notice.get("url", "")))


def template_name(body: str) -> str | None:
    """Which approved WhatsApp template a notice needs outside the 24-hour window: "helpdesk"
    for "a staff member answered you" (HELPDESK_TEMPLATE_SID), None for the announcement one."""
    notice = _notice(body) or {}
    return notice.get("template")


def _announcement_paused(notice: dict) -> Reply:
    return Reply(MSG.staff_announcement_paused.format(title=notice["title"], reason=notice["reason"]))


def _announcement_approval(notice: dict) -> Reply:
    return Reply(MSG.staff_announcement_approval.format(title=notice["title"], author=notice["author"],
                                                        url=notice.get("url", "")))


def _announcement_test(notice: dict) -> Reply:
    """The announcement as subscribers will read it, under a line saying it is a test for this chat only."""
    return Reply(f"{MSG.staff_announcement_test}\n\n{_announcement(notice).text}")


_RENDERERS: dict[str, Callable[[dict], Reply]] = {
    "announcement": _announcement, "report_status": _report_status, "staff_report": _staff_report,
    "announcement_paused": _announcement_paused, "helpdesk_reply": _helpdesk_reply,
    "helpdesk_waiting": lambda _n: Reply(MSG.hd_waiting), "helpdesk_closed": _helpdesk_closed,
    "staff_ticket": _staff_ticket, "announcement_approval": _announcement_approval,
    "announcement_test": _announcement_test}
