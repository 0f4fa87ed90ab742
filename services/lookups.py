"""Who may look something sensitive up now, so that nobody walks through NIKs or references.

Three kinds of lookup reveal something about a person: the coverage check (is this NIK covered?),
the NIK step of the death report (was this NIK reported dead?) and the status check (where is this
report?). Each is counted

- per contact (a Telegram chat or WhatsApp number is hard to make by the thousand; a web-chat id
  is whatever the browser says, so for the web this alone holds nothing);
- per client IP, for the web chat only: a small allowance an hour (`free_per_hour`), then each
  lookup needs a solved proof of work (`services/proof.py`), up to a generous ceiling
  (`proved_per_hour`) that people behind one carrier NAT address share;
- per looked-up subject (the NIK's keyed hash, or the reference) across all contacts, so that a
  botnet of fresh ids and addresses still learns little about any one person.

`admit` raises `NeedsProof` (the web chat solves a challenge and sends the same message again:
nothing was counted) or `LookupRefused` with the seconds to wait. The per-contact limit of the
coverage check stays in services/coverage.py, where it always was."""
from __future__ import annotations

from dataclasses import dataclass

from storage.ratelimit import RateLimiter

__all__ = ["LookupGuard", "LookupLimits", "LookupRefused", "NeedsProof", "WebLimits"]

HOUR, DAY = 3600, 86400


class NeedsProof(Exception):
    """The client's address used its free lookups this hour: a solved challenge is needed."""


class LookupRefused(Exception):
    def __init__(self, retry_after: float, *, by: str) -> None:
        super().__init__(f"retry after {retry_after:.0f} s ({by})")
        self.retry_after, self.by = retry_after, by


@dataclass(frozen=True, slots=True)
class LookupLimits:
    free_per_hour: int = 6  # per client IP, web chat, without a proof of work
    proved_per_hour: int = 60  # per client IP, web chat, with one
    subject_per_hour: int = 5  # per NIK or reference, across every contact and address
    subject_per_day: int = 10
    contact_per_hour: int = 10  # per contact: NIK step of the death report, status check
    contact_per_day: int = 30


@dataclass(frozen=True, slots=True)
class WebLimits:
    """The web chat's own flood limits, per client IP and per web-chat id."""

    messages_per_minute_ip: int = 600
    messages_per_minute_user: int = 200
    new_contacts_per_hour_ip: int = 200
    # GET /api/chat/messages: an open page polls every 3 s at most (20 a minute) and backs off to a
    # minute when nothing comes, so this lets a few busy and many idle pages share one address
    polls_per_minute_ip: int = 120


class LookupGuard:
    def __init__(self, *, limiter: RateLimiter, limits: LookupLimits = LookupLimits(),
                 web: WebLimits = WebLimits(), flood: RateLimiter | None = None) -> None:
        """`flood`: where the web chat's per-minute message and poll counts go (`limiter` if None)."""
        self._limiter, self.limits, self.web = limiter, limits, web
        self._flood = flood or limiter

    async def admit(self, *, kind: str, contact_id: int, subject: str, ip: str | None = None,
                    proof: bool = False, per_contact: bool = True) -> None:
        """Count one lookup of `kind` ("coverage", "santunan_nik", "status") of `subject` (a keyed
        hash or a reference, never a NIK in clear) by this contact, from `ip` when it came through
        the web chat. Raises NeedsProof before counting anything, or LookupRefused."""
        lim = self.limits
        if ip is not None:
            if await self._limiter.peek(f"lookup:ip:{ip}", [(lim.free_per_hour, HOUR)]):
                if not proof:
                    raise NeedsProof()
                await self._hit(f"lookup:ip-proved:{ip}", [(lim.proved_per_hour, HOUR)], by="ip")
            else:
                await self._limiter.hit(f"lookup:ip:{ip}", [(lim.free_per_hour, HOUR)])
        if per_contact:
            await self._hit(f"lookup:{kind}:contact:{contact_id}",
                            [(lim.contact_per_hour, HOUR), (lim.contact_per_day, DAY)], by="contact")
        await self._hit(f"lookup:subject:{subject}", [(lim.subject_per_hour, HOUR), (lim.subject_per_day, DAY)],
                        by="subject")

    async def _hit(self, key: str, limits: list[tuple[int, int]], *, by: str) -> None:
        if wait := await self._limiter.hit(key, limits):
            raise LookupRefused(wait, by=by)

    # --- the web chat's flood limits (bot/app.py, before a message reaches the dispatcher) ---

    async def message(self, *, ip: str, user: str) -> float:
        """Seconds this web-chat message must wait (429), or 0 when it may go on."""
        return await self._flood.hit_each([(f"web:msg:ip:{ip}", [(self.web.messages_per_minute_ip, 60)]),
                                             (f"web:msg:user:{user}", [(self.web.messages_per_minute_user, 60)])])

    async def poll(self, *, ip: str) -> float:
        """Seconds this read of the web chat's pushed messages must wait (429), or 0; its own bucket."""
        return await self._flood.hit(f"web:poll:ip:{ip}", [(self.web.polls_per_minute_ip, 60)])

    async def new_contact(self, *, ip: str) -> float:
        """Count a new web-chat contact from this address; seconds to wait when there were too many."""
        return await self._limiter.hit(f"web:new:ip:{ip}", [(self.web.new_contacts_per_hour_ip, HOUR)])
