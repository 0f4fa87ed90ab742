"""Throttling of failed staff logins by where they come from, not by account: the owner of an
account signs in from their own address however often a stranger fails elsewhere (review F6).

Three counters of failures, in the shared RateLimiter (Redis or the SQL database):

- per username and client address: `per_source` failures in 15 minutes, 4x that in a day. The name
  is counted whether or not it is an account, so the answer (429 after the same number) never
  tells a real username from an unknown one (F13);
- per client address, whatever the names: `per_ip` in 15 minutes, 4x in a day (password spraying
  from one machine). IPv6 addresses count by their /64, which one subscriber usually holds whole;
- in all: `ceiling` failures in 15 minutes from everywhere (spraying from many machines). When it
  trips a warning is logged, and every login waits until the window ends.

The failure that reaches a limit is itself answered "throttled"; a success does not clear a count
(the windows end by themselves). Names are kept only as a keyed hash: what a stranger types in the
username box (sometimes a password) is never stored."""
from __future__ import annotations

import hashlib
import hmac
import ipaddress
import logging
from dataclasses import dataclass

from storage.ratelimit import RateLimiter

__all__ = ["LoginLimits", "LoginThrottle", "WINDOW_SECONDS"]

log = logging.getLogger(__name__)
WINDOW_SECONDS = 15 * 60
_DAY = 24 * 3600
_DAILY = 4  # a day allows this many 15-minute allowances: a patient guesser backs off to hours


@dataclass(frozen=True, slots=True)
class LoginLimits:
    per_source: int = 5  # failures per (username, client address) in 15 minutes
    per_ip: int = 10  # failures per client address in 15 minutes
    ceiling: int = 200  # failures in all in 15 minutes


def _source(ip: str | None) -> str:
    """The address a limit counts: an IPv4 address, an IPv6 /64, or 'unknown'."""
    try:
        address = ipaddress.ip_address((ip or "").strip())
    except ValueError:
        return "unknown"
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:  # ::ffff:10.0.0.1 is 10.0.0.1
            return str(address.ipv4_mapped)
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return str(address)


class LoginThrottle:
    def __init__(self, *, limiter: RateLimiter, limits: LoginLimits, key: bytes) -> None:
        self._limiter, self._key = limiter, key
        self._rules = {"name": [(limits.per_source, WINDOW_SECONDS), (_DAILY * limits.per_source, _DAY)],
                       "ip": [(limits.per_ip, WINDOW_SECONDS), (_DAILY * limits.per_ip, _DAY)],
                       "all": [(limits.ceiling, WINDOW_SECONDS)]}

    def _keys(self, name: str, ip: str | None) -> dict[str, str]:
        source = _source(ip)
        digest = hmac.new(self._key, name.encode(), hashlib.sha256).hexdigest()[:32]
        return {"name": f"login:name:{digest}:{source}", "ip": f"login:ip:{source}", "all": "login:all"}

    async def wait(self, *, name: str, ip: str | None) -> float:
        """Seconds this login must wait before it is tried at all; 0 when it may be tried."""
        waits = [await self._limiter.peek(key, self._rules[kind]) for kind, key in self._keys(name, ip).items()]
        return max(waits)

    async def failed(self, *, name: str, ip: str | None) -> float:
        """Count one failed login; the seconds to wait when this failure reached a limit, else 0."""
        waits = {}
        for kind, key in self._keys(name, ip).items():
            # `hit` refuses past `limit` events: one fewer makes the failure that reaches it refused
            waits[kind] = await self._limiter.hit(key, [(limit - 1, window) for limit, window in self._rules[kind]])
        if waits["all"] and not await self._was_over():
            log.warning("staff login: %d failed logins from all sources within %d minutes; every login now waits "
                        "%d s (LOGIN_MAX_FAILURES_GLOBAL); look for password spraying in the audit log",
                        self._rules["all"][0][0], WINDOW_SECONDS // 60, int(waits["all"]))
        return max(waits.values())

    async def _was_over(self) -> bool:
        """Whether the ceiling was already passed before this failure (so the warning is logged once
        per window, by the failure that reached it)."""
        limit, window = self._rules["all"][0]
        return await self._limiter.peek("login:all", [(limit + 1, window)]) > 0
