"""Announcements: who receives them (subscriptions to all of OKI or to one kecamatan, opt-out and
opt-in again, with the time and the channel each came from), and broadcasts: compose, approve by a
second person, send now or at a time, through the outbox."""
from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from services.audit import Audit
from services.staff import StaffInfo
from services.staff_links import StaffLinks
from services.wilayah import Place, Wilayah
from storage.announcements import Announcements
from storage.contacts import ContactInfo, Contacts
from storage.models import Announcement, utcnow

__all__ = ["APPROVER_ROLES", "Broadcasts", "Changed", "NotAllowedToApprove", "NotAllowedToEdit", "NotApproved",
           "Subscription", "Subscriptions", "WrongState", "content_version", "notice_body"]


APPROVER_ROLES = ("admin", "humas")  # who writes announcements and approves someone else's (pages and API)


@dataclass(frozen=True, slots=True)
class Subscription:
    active: bool
    kecamatan: Place | None  # None: all of OKI


class Subscriptions:
    def __init__(self, *, contacts: Contacts, wilayah: Wilayah) -> None:
        self._contacts, self._wilayah = contacts, wilayah

    def current(self, contact: ContactInfo) -> Subscription:
        code = contact.subscription_kecamatan
        return Subscription(contact.subscribed, self._wilayah.get(code) if code else None)

    async def subscribe(self, *, contact: ContactInfo, kecamatan: str | None, at: datetime) -> Subscription:
        """Subscribe to one kecamatan (a code from the wilayah list) or, with None, to all of OKI."""
        place = self._wilayah.get(kecamatan) if kecamatan else None
        if kecamatan and (place is None or place.level != "kecamatan"):
            raise ValueError(f"not an OKI kecamatan code: {kecamatan}")
        await self._contacts.subscribe(contact_id=contact.id, kecamatan=kecamatan, via=contact.channel, at=at)
        return Subscription(True, place)

    async def unsubscribe(self, *, contact: ContactInfo, at: datetime) -> bool:
        """End every announcement subscription of the contact. True if one was active."""
        return await self._contacts.opt_out(contact_id=contact.id, via=contact.channel, at=at)

    async def resubscribe(self, *, contact: ContactInfo, at: datetime) -> Subscription:
        """Subscribe again to the area chosen before (all of OKI if none was)."""
        return await self.subscribe(contact=contact, kecamatan=contact.subscription_kecamatan, at=at)


class NotAllowedToApprove(Exception):
    """The author may not approve their own announcement (a second person must)."""


class NotAllowedToEdit(Exception):
    """Only the author edits a draft, so that whoever approves it approves someone else's words."""


class NotApproved(Exception):
    """Sending needs an approval first (BROADCAST_REQUIRE_APPROVAL)."""


class Changed(Exception):
    """The text was edited since the approver read it (its `content_version` differs)."""


def content_version(row: Announcement) -> str:
    """A short fingerprint of what an approver reads: title, body, link and kecamatan. The admin
    page sends it back as `versi`, the staff API as `version`; approving a text changed since is refused."""
    content = "\x1f".join([row.title, row.body, row.link or "", row.kecamatan or ""])
    return hashlib.blake2b(content.encode(), digest_size=8).hexdigest()


class WrongState(Exception):
    """The announcement is not in a state that allows this (already sent, sending, cancelled)."""


class Broadcasts:
    """Compose, approve (by a second person), and send or schedule announcements. Sending writes one
    outbox row per subscriber; the workers deliver them at the channels' rates."""

    def __init__(self, *, repo: Announcements, audit: Audit, require_approval: bool,
                 clock: Callable[[], datetime] = utcnow, canary_percent: float = 0, canary_wait: int = 300,
                 canary_threshold: float = 5, telegram_channel: str = "", alerts: StaffLinks | None = None) -> None:
        """`alerts`: tells the author's linked chat when the canary pauses their broadcast."""
        self._repo, self._audit, self.require_approval, self._clock = repo, audit, require_approval, clock
        self.canary_percent, self.canary_wait, self.canary_threshold = canary_percent, canary_wait, canary_threshold
        self._telegram_channel, self._alerts = telegram_channel, alerts

    def _canary_size(self, recipients: int) -> int:
        """1% (BROADCAST_CANARY_PERCENT) of the recipients, at least 20; none when the percent is 0."""
        return 0 if not self.canary_percent else max(20, math.ceil(recipients * self.canary_percent / 100))

    async def _fan_out(self, row: Announcement) -> None:
        now = self._clock()
        hold = now + timedelta(seconds=self.canary_wait) if self.canary_percent else None
        await self._repo.fan_out(row, body=_outbox_body(row), now=now, canary=self._canary_size, hold_until=hold,
                                 channel_post=self._telegram_channel or None)

    async def check_canaries(self) -> int:
        """Judge each canary whose watch is over: pause the broadcast when failures plus opt-outs pass
        the threshold (the author sees the reason on the announcement, in the audit log and, when
        their chat is linked, there)."""
        paused = 0
        for row in await self._repo.canaries_due(self._clock()):
            done, bad = await self._repo.canary_outcome(row)
            share = 100 * bad / done if done else 0.0
            if share > self.canary_threshold:
                reason = f"uji awal: {bad} dari {done} penerima gagal atau berhenti berlangganan ({share:.0f}%)"
                await self._repo.update(row.id, when_state=("sending",), state="paused", paused_reason=reason,
                                        canary_checked=True)
                await self._audit.record(actor="system", action="announcement.canary_paused",
                                         target=f"announcement:{row.id}", detail={"failed_or_opted_out": bad,
                                                                                  "canary": done})
                if self._alerts is not None:
                    await self._alerts.tell(staff_id=row.author_id, notice={
                        "notice": "announcement_paused", "id": row.id, "title": row.title, "reason": reason})
                paused += 1
            else:
                await self._repo.update(row.id, canary_checked=True)
        return paused

    async def create(self, *, title: str, body: str, link: str | None, kecamatan: list[str] | None,
                     author: StaffInfo) -> Announcement:
        row = await self._repo.create(title=title, body=body, link=link, state="draft", author_id=author.id,
                                      kecamatan=json.dumps(sorted(set(kecamatan))) if kecamatan else None,
                                      created_at=self._clock())
        await self._audit.record(actor=author.actor, action="announcement.create", target=f"announcement:{row.id}")
        await self._ask_approvers(row, author)
        return row

    async def _ask_approvers(self, row: Announcement, author: StaffInfo) -> int:
        """Tell the linked chats of those who may approve (admin and humas but the author) that a
        draft waits for them, with the link to its page. How many were told."""
        if not self.require_approval or self._alerts is None:
            return 0
        return await self._alerts.tell_roles(roles=APPROVER_ROLES, skip_staff_id=author.id, notice={
            "notice": "announcement_approval", "id": row.id, "title": row.title, "author": author.username,
            "url": self._alerts.page_url(f"/admin/pengumuman/{row.id}")})

    async def awaiting_approval(self, staff: StaffInfo) -> list[Announcement]:
        """The drafts waiting for an approval this staff member may give (none to the roles that
        cannot approve, and none at all when approval is not required)."""
        if not self.require_approval or staff.role not in APPROVER_ROLES:
            return []
        return await self._repo.awaiting(not_by=staff.id)

    async def test_send(self, *, announcement_id: int, staff: StaffInfo) -> bool:
        """Send the announcement, marked as a test, to this staff member's own linked chat only (never
        to subscribers); audited. False when the account has no reachable linked chat."""
        row = await self._repo.get(announcement_id)
        if row is None:
            raise LookupError(announcement_id)
        queued = self._alerts is not None and await self._alerts.tell(staff_id=staff.id, notice={
            "notice": "announcement_test", "id": row.id, "title": row.title, "body": row.body, "link": row.link or ""})
        await self._audit.record(actor=staff.actor, action="announcement.test_send", target=f"announcement:{row.id}",
                                 detail={"queued": queued})
        return queued

    async def breakdown(self, kecamatan: list[str] | None) -> list[tuple[str, str | None, int]]:
        """The target's subscribers as (channel, kecamatan code or None for all of OKI, count)."""
        return await self._repo.audience_breakdown(kecamatan)

    async def failed_rows(self, announcement_id: int) -> list[Any]:
        """The recipients the announcement did not reach (failed or skipped), for the staff's CSV."""
        return await self._repo.failed_rows(announcement_id)

    async def edit(self, *, announcement_id: int, staff: StaffInfo, title: str, body: str, link: str | None,
                   kecamatan: list[str] | None) -> Announcement:
        """Change a draft (its author only). An approval given before is withdrawn: the new text
        needs its own."""
        row = await self._repo.get(announcement_id)
        if row is None:
            raise LookupError(announcement_id)
        if row.author_id != staff.id:
            raise NotAllowedToEdit()
        if not await self._repo.update(announcement_id, when_state=("draft",), title=title, body=body, link=link,
                                       kecamatan=json.dumps(sorted(set(kecamatan))) if kecamatan else None,
                                       approved_by=None):
            raise WrongState(row.state)
        await self._audit.record(actor=staff.actor, action="announcement.edit", target=f"announcement:{row.id}",
                                 detail={"approval_withdrawn": row.approved_by is not None})
        fresh = await self._repo.get(announcement_id)
        if row.approved_by is not None:  # the approvers must read it again
            await self._ask_approvers(fresh, staff)
        return fresh

    async def approve(self, *, announcement_id: int, staff: StaffInfo, version: str | None = None) -> Announcement:
        """Approve a draft; with `version` (`content_version` of the text the approver read), only
        while the text is still that one, else `Changed`."""
        row = await self._repo.get(announcement_id)
        if row is None:
            raise LookupError(announcement_id)
        if row.author_id == staff.id:
            raise NotAllowedToApprove()
        if version is not None and version != content_version(row):
            raise Changed()
        read = {"title": row.title, "body": row.body, "link": row.link, "kecamatan": row.kecamatan}
        if not await self._repo.update(announcement_id, when_state=("draft",),
                                       when=read if version is not None else None, approved_by=staff.id):
            now = await self._repo.get(announcement_id)
            if version is not None and now is not None and now.state == "draft":
                raise Changed()  # edited between the read and the update
            raise WrongState(now.state if now is not None else row.state)
        await self._audit.record(actor=staff.actor, action="announcement.approve",
                                 target=f"announcement:{announcement_id}")
        return await self._repo.get(announcement_id)

    async def send(self, *, announcement_id: int, staff: StaffInfo, at: datetime | None = None) -> Announcement:
        row = await self._repo.get(announcement_id)
        if row is None:
            raise LookupError(announcement_id)
        if row.state != "draft":
            raise WrongState(row.state)
        if self.require_approval and row.approved_by is None:
            raise NotApproved()
        now = self._clock()
        if at is not None and at > now:
            await self._repo.update(announcement_id, when_state=("draft",), state="scheduled", send_at=at)
        else:
            await self._fan_out(row)
        await self._audit.record(actor=staff.actor, action="announcement.send", target=f"announcement:{row.id}",
                                 detail={"scheduled": at.isoformat() if at and at > now else None})
        return await self._repo.get(announcement_id)

    async def pause(self, *, announcement_id: int, staff: StaffInfo) -> Announcement:
        return await self._set_state(announcement_id, staff, "pause", ("sending", "scheduled"), state="paused")

    async def resume(self, *, announcement_id: int, staff: StaffInfo) -> Announcement:
        row = await self._repo.get(announcement_id)
        if row is None:
            raise LookupError(announcement_id)
        state = "sending" if row.sent_at else "scheduled"  # fanned out already, or still waiting for its time
        return await self._set_state(announcement_id, staff, "resume", ("paused",), state=state)

    async def cancel(self, *, announcement_id: int, staff: StaffInfo) -> Announcement:
        row = await self._set_state(announcement_id, staff, "cancel", ("draft", "scheduled", "sending", "paused"),
                                    state="cancelled")
        await self._repo.cancel_pending(announcement_id)
        return row

    async def _set_state(self, announcement_id: int, staff: StaffInfo, action: str, allowed: tuple[str, ...],
                         **values: object) -> Announcement:
        row = await self._repo.get(announcement_id)
        if row is None:
            raise LookupError(announcement_id)
        if not await self._repo.update(announcement_id, when_state=allowed, **values):
            raise WrongState(row.state)
        await self._audit.record(actor=staff.actor, action=f"announcement.{action}",
                                 target=f"announcement:{announcement_id}")
        return await self._repo.get(announcement_id)

    async def start_due(self) -> int:
        """Fan out the scheduled announcements whose time has come (the worker calls this)."""
        started = 0
        for row in await self._repo.due(self._clock()):
            await self._fan_out(row)
            started += 1
        return started

    async def get(self, announcement_id: int) -> Announcement | None:
        return await self._repo.get(announcement_id)

    async def latest(self, *, limit: int = 5) -> list[Announcement]:
        return await self._repo.latest(limit=limit)

    async def stats(self, announcement_id: int) -> dict[str, Any]:
        return await self._repo.stats(announcement_id)

    async def failures(self, announcement_id: int, *, limit: int = 100) -> list[dict[str, Any]]:
        """The failed recipients (address masked), with the provider's error."""
        return await self._repo.failures(announcement_id, limit=limit)

    async def page(self, *, limit: int, offset: int = 0) -> tuple[list[Announcement], int]:
        """Announcements in any state, newest first, and how many there are in all (staff lists)."""
        return await self._repo.page(limit=limit, offset=offset), await self._repo.count()

    async def outcomes(self, announcement_ids: list[int]) -> dict[int, dict[str, int]]:
        """{announcement id: {outbox status: rows}} for many announcements in one query."""
        return await self._repo.outcomes(announcement_ids)

    async def audience(self, kecamatan: list[str] | None) -> dict[str, int]:
        return await self._repo.count_audience(kecamatan)

    async def still_subscribed(self, contact_ids: list[int]) -> dict[int, datetime | None]:
        return await self._repo.still_subscribed(contact_ids)

    async def finish_sent(self) -> int:
        return await self._repo.finish_sent()


def notice_body(*, title: str, body: str, link: str | None, announcement_id: int = 0) -> str:
    """The outbox body an announcement with this text carries: what the staff pages preview, through
    the same rendering as the worker (`conversations.notices.render_notice`)."""
    return _outbox_body(Announcement(id=announcement_id, title=title, body=body, link=link))


def _outbox_body(row: Announcement) -> str:
    """What each outbox row carries; the text is rendered from the catalogue when it is sent."""
    return json.dumps({"notice": "announcement", "id": row.id, "title": row.title, "body": row.body,
                       "link": row.link or ""}, ensure_ascii=False)
