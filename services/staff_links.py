"""A staff member's own chat: linking it, and telling it what waits for them.

A signed-in staff member asks the admin pages for a one-time code (8 characters from an alphabet
without 0/O, 1/I or U; valid 15 minutes; one pending code per account, a new one replaces it) and
sends `TAUTKAN <code>` to the bot from their own WhatsApp or Telegram. The code is stored only as
an HMAC keyed from SECRET_KEY, is used once, and a contact that keeps sending wrong codes is held
off for a while. Once linked, the chat is told of reports that wait for this account (the kades
of the report's desa when it is filed or comes back from perbaikan, the camat of its kecamatan
when the desa has verified it) and of an announcement of theirs that the canary paused. Linking,
unlinking and refusals are audited, never with a phone number or a code."""
from __future__ import annotations

import hashlib
import hmac
import json
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from services.audit import Audit
from services.references import ALPHABET
from services.staff import StaffInfo
from services.wilayah import Wilayah
from storage.contacts import ContactInfo
from storage.models import utcnow
from storage.ratelimit import RateLimiter
from storage.staff import ChatLink, CodeUsed, StaffAccounts, StaffRecord

__all__ = ["CODE_LENGTH", "CODE_MINUTES", "LINK_CHANNELS", "LinkCode", "LinkRefused", "StaffLinks"]

CODE_LENGTH = 8
CODE_MINUTES = 15
LINK_CHANNELS = ("telegram", "whatsapp")  # channels that can be reached later (not the web chat)
_FAILURES = ((5, 900), (10, 86400))  # wrong codes one contact may send per 15 minutes, per day
# the stage a report waits in -> who must act on it now
_WAITS_FOR = {"diajukan": "kades", "diverifikasi_desa": "camat"}


class LinkRefused(Exception):
    """The code did not link: `reason` is wrong, expired, throttled or channel."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class LinkCode:
    code: str
    expires_at: datetime


def _info(r: StaffRecord) -> StaffInfo:
    return StaffInfo(id=r.id, username=r.username, role=r.role, kecamatan_code=r.kecamatan_code,
                     desa_code=r.desa_code)


def _initials(name: str) -> str:
    """'Ahmad Sanusi' -> 'A. S.': enough for the kades to recognise, no more."""
    return " ".join(f"{w[0].upper()}." for w in re.findall(r"[^\W\d_]+", name)[:4]) or "-"


class StaffLinks:
    def __init__(self, *, accounts: StaffAccounts, audit: Audit, limiter: RateLimiter, wilayah: Wilayah,
                 secret_key: str, clock: Callable[[], datetime] = utcnow, code_minutes: int = CODE_MINUTES,
                 base_url: str = "") -> None:
        """`base_url`: PUBLIC_BASE_URL, for the link to the report page in each staff notice."""
        self._accounts, self._audit, self._limiter, self._wilayah = accounts, audit, limiter, wilayah
        self._base_url = base_url.rstrip("/")
        self._key = hashlib.sha256(b"layanan-oki:staff-link:" + secret_key.encode()).digest()
        self._clock, self._ttl = clock, timedelta(minutes=code_minutes)

    def _digest(self, code: str) -> str:
        return hmac.new(self._key, code.encode(), hashlib.sha256).hexdigest()

    # --- linking ---
    async def issue_code(self, *, staff: StaffInfo) -> LinkCode:
        """A new one-time code for this staff member's own chat; an earlier pending code stops working."""
        code = "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))
        expires = self._clock() + self._ttl
        await self._accounts.set_link_code(staff_id=staff.id, code_hash=self._digest(code), expires_at=expires)
        await self._audit.record(actor=staff.actor, action="staff.link_code", target=staff.actor,
                                 detail={"valid_minutes": int(self._ttl.total_seconds() // 60)})
        return LinkCode(code, expires)

    async def redeem(self, *, code: str, contact: ContactInfo) -> StaffInfo:
        """Link `contact` to the account whose pending code this is. LinkRefused otherwise: the
        contact's channel cannot be reached later, the code is wrong or expired, or the contact
        sent too many wrong codes lately (then nothing is checked)."""
        if contact.channel not in LINK_CHANNELS:
            raise LinkRefused("channel")
        key = f"staff-link:{contact.id}"
        if await self._limiter.peek(key, _FAILURES):
            raise LinkRefused("throttled")
        typed = re.sub(r"[\s\-.]", "", code.upper())
        digest = self._digest(typed)
        found = await self._accounts.by_link_code(digest) if len(typed) == CODE_LENGTH else None
        now = self._clock()
        reason = "wrong"
        if found is not None and hmac.compare_digest(found[1], digest):
            record, _, expires = found
            reason = "expired" if expires is None or expires <= now else "inactive" if not record.active else ""
            if not reason:
                try:
                    released = await self._accounts.link(staff_id=record.id, code_hash=digest, contact_id=contact.id,
                                                         now=now)
                except CodeUsed:
                    reason = "expired"
                else:
                    await self._audit.record(actor=f"contact:{contact.id}", action="staff.link",
                                             target=f"staff:{record.id}",
                                             detail={"channel": contact.channel,
                                                     "released": [f"staff:{i}" for i in released]})
                    return _info(record)
        await self._limiter.hit(key, _FAILURES)
        await self._audit.record(actor=f"contact:{contact.id}", action="staff.link_refused", detail={"reason": reason})
        raise LinkRefused("wrong" if reason == "inactive" else reason)

    async def unlink(self, *, staff_id: int, actor: str) -> bool:
        """Let go of the account's chat. True if one was linked."""
        link = await self._accounts.chat_link(staff_id)
        if not await self._accounts.unlink(staff_id=staff_id):
            return False
        await self._audit.record(actor=actor, action="staff.unlink", target=f"staff:{staff_id}",
                                 detail={"channel": link.channel if link else None})
        return True

    async def chat_of(self, *, staff_id: int) -> ChatLink | None:
        return await self._accounts.chat_link(staff_id)

    async def staff_for(self, contact_id: int) -> StaffInfo | None:
        """The active account this contact is linked to, as it is now (role and area)."""
        record = await self._accounts.by_contact(contact_id)
        return _info(record) if record is not None and record.active else None

    # --- telling the linked chats ---
    async def report_alerts(self, *, reference: str, status: str, kecamatan_code: str, desa_code: str,
                            deceased_name: str, date_of_death: date, again: bool = False,
                            skip_actor: str | None = None) -> list[dict[str, Any]]:
        """Outbox rows telling the staff who must act on a report now that it is in `status`
        (written by the caller in the report's own transaction). Minimal personal data: the
        reference, the place, the deceased's initials and the date of death."""
        role = _WAITS_FOR.get(status)
        if role is None:
            return []
        if role == "kades":
            chats = await self._accounts.linked_chats(role=role, desa_code=desa_code)
        else:
            chats = await self._accounts.linked_chats(role=role, kecamatan_code=kecamatan_code)
        body = json.dumps({"notice": "staff_report", "reference": reference, "status": status,
                           "desa": self._name(desa_code), "kecamatan": self._name(kecamatan_code),
                           "initials": _initials(deceased_name), "date_of_death": date_of_death.isoformat(),
                           "again": again, "url": f"{self._base_url}/admin/laporan/{reference}"},
                          ensure_ascii=False)
        now = self._clock()
        return [{"kind": "notification", "priority": 0, "contact_id": c.contact_id, "channel": c.channel,
                 "address": c.address, "body": body, "created_at": now, "next_attempt_at": now}
                for c in chats if f"staff:{c.staff_id}" != skip_actor]

    async def ticket_alerts(self, *, ticket_id: int, topic: str, kecamatan_code: str | None,
                            desa_code: str | None, url: str = "", dinsos: bool = True) -> list[dict[str, Any]]:
        """Outbox rows telling the linked chats of the staff who may answer a new helpdesk ticket:
        the kades of its desa, the camat of its kecamatan, and Dinas Sosial. No personal data: the
        ticket's number, topic and place. `dinsos=False`: the area's staff only (the area became known
        after Dinas Sosial was told)."""
        chats = await self._accounts.linked_chats(role="dinsos") if dinsos else []
        if desa_code:
            chats += await self._accounts.linked_chats(role="kades", desa_code=desa_code)
        if kecamatan_code:
            chats += await self._accounts.linked_chats(role="camat", kecamatan_code=kecamatan_code)
        place = self._name(desa_code) if desa_code else self._name(kecamatan_code) if kecamatan_code else ""
        body = json.dumps({"notice": "staff_ticket", "ticket": ticket_id, "topic": topic, "place": place,
                           "url": url}, ensure_ascii=False)
        now = self._clock()
        return [{"kind": "notification", "priority": 0, "contact_id": c.contact_id, "channel": c.channel,
                 "address": c.address, "body": body, "created_at": now, "next_attempt_at": now} for c in chats]

    async def tell(self, *, staff_id: int, notice: dict[str, Any]) -> bool:
        """Queue a notice (a JSON body rendered by conversations.notices) for one account's chat,
        if it has one. True when queued."""
        return await self._accounts.queue_notice(staff_id=staff_id, body=json.dumps(notice, ensure_ascii=False),
                                                 now=self._clock())

    async def tell_roles(self, *, roles: tuple[str, ...], notice: dict[str, Any],
                         skip_staff_id: int | None = None) -> int:
        """Queue a notice for the linked chat of every active account with one of `roles` (but
        `skip_staff_id`). How many were queued."""
        told = 0
        for role in roles:
            for chat in await self._accounts.linked_chats(role=role):
                if chat.staff_id != skip_staff_id:
                    told += await self.tell(staff_id=chat.staff_id, notice=notice)
        return told

    def page_url(self, path: str) -> str:
        """The staff page at `path` under PUBLIC_BASE_URL, for a deep link in a chat notice."""
        return f"{self._base_url}{path}"

    def _name(self, code: str) -> str:
        place = self._wilayah.get(code)
        return place.name if place else code
