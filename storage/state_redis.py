"""The Redis state store: a hash per contact with the idle timeout as its TTL, a lock key with expiry
per contact, dedupe marks as keys with a TTL (the protocol is `storage.state.StateStore`).

A turn costs two round trips to Redis: `turn` takes the lock, checks the dedupe mark and reads the
state in one script; `Held.save` (or `Held.finish`) writes the state with its compare-and-set, marks
the message seen and, when nothing is left to send under the lock, releases it, in another. A turn
whose replies still go out over the network releases the lock after them (a third round trip), so
a contact's replies leave in order. The lock is the same key and token scheme as redis-py's `Lock`
(`lock:<state key>`, SET NX PX), so processes of the previous release still exclude each other."""
from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import Any

from redis.asyncio import Redis

from storage.state import DEDUPE_SECONDS, LockBusy, decode, encode

__all__ = ["RedisStateStore"]

# KEYS: lock, state[, seen mark]; ARGV: token, lock expiry ms. nil: the lock is held by another turn;
# {1}: the message was handled already (the lock is now ours); {0, {version, document}}: go on.
_BEGIN = """
if not redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return false end
if KEYS[3] and redis.call('EXISTS', KEYS[3]) == 1 then return {1} end
return {0, redis.call('HMGET', KEYS[2], 'v', 'd')}
"""

# KEYS: state, lock, seen mark ('' for none is not allowed in KEYS, so ARGV[6] says whether it counts);
# ARGV: op (save | delete | none), expected version, document, state TTL ms, dedupe seconds,
# mark the message ('1' or '0'), lock token ('' keeps the lock). 1: done; 0: the version had moved,
# nothing written (the lock is still released when asked: the turn is over either way).
_FINISH = """
local ok = 1
if ARGV[1] == 'save' then
  local cur = redis.call('HGET', KEYS[1], 'v')
  if (cur and tonumber(cur) ~= tonumber(ARGV[2])) or (not cur and tonumber(ARGV[2]) ~= 0) then
    ok = 0
  else
    redis.call('HSET', KEYS[1], 'v', tonumber(ARGV[2]) + 1, 'd', ARGV[3])
    redis.call('PEXPIRE', KEYS[1], ARGV[4])
  end
elseif ARGV[1] == 'delete' then
  redis.call('DEL', KEYS[1])
end
if ok == 1 and ARGV[6] == '1' then
  redis.call('SET', KEYS[3], '1', 'EX', ARGV[5])
end
if ARGV[7] ~= '' and redis.call('GET', KEYS[2]) == ARGV[7] then
  redis.call('DEL', KEYS[2])
end
return ok
"""

_RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""


def _document(version: bytes | None, doc: bytes | None) -> dict[str, Any] | None:
    return None if version is None or doc is None else decode(doc, version)


class _Held:
    """One turn's hold on a contact: what `turn` read, and the one write that ends the turn."""

    def __init__(self, store: RedisStateStore, key: str, seen: str | None, token: str,
                 reply: list[Any]) -> None:
        self._store, self._key, self._seen, self._token = store, key, seen, token
        self.duplicate = bool(reply[0])
        self.state = None if self.duplicate else _document(*reply[1])
        self.released = False

    async def save(self, data: dict[str, Any], *, expected_version: int, ttl: timedelta | None = None,
                   last: bool = False) -> bool:
        """Compare-and-set the state and mark the message seen; `last`: release the lock too."""
        return await self._finish("save", expected_version, data, ttl, last)

    async def finish(self, *, delete: bool = False, last: bool = False) -> None:
        """A turn that saved no state: delete the stored one if asked, mark the message seen."""
        if delete or self._seen or last:
            await self._finish("delete" if delete else "none", 0, None, None, last)

    async def _finish(self, op: str, version: int, data: dict[str, Any] | None, ttl: timedelta | None,
                      last: bool) -> bool:
        ok = await self._store.write(self._key, op, version, data, seen=self._seen, ttl=ttl,
                                     release=self._token if last else "")
        self.released = self.released or last
        return ok


class RedisStateStore:
    def __init__(self, *, redis: Redis, ttl: timedelta, lock_wait: float = 15.0,
                 lock_expiry: float = 30.0) -> None:
        self._redis, self.ttl, self._wait, self._expiry = redis, ttl, lock_wait, lock_expiry
        self.scripts = {name: redis.register_script(src)
                        for name, src in (("begin", _BEGIN), ("finish", _FINISH), ("release", _RELEASE))}

    @property
    def redis(self) -> Redis:
        """The client, shared with the other Redis-backed stores (rate limits)."""
        return self._redis

    async def _acquire(self, key: str, token: str, seen: str | None) -> list[Any]:
        """Take the lock (the expiry outlives the worst turn, so a crashed process frees the contact
        by itself), retrying every 10 ms for the lock's wait; the script's answer with it."""
        keys = [f"lock:{key}", key] + ([f"seen:{seen}"] if seen else [])
        deadline = time.monotonic() + self._wait
        while True:
            reply = await self.scripts["begin"](keys=keys, args=[token, int(self._expiry * 1000)])
            if reply is not None:
                return reply
            if time.monotonic() >= deadline:
                raise LockBusy(key)
            await asyncio.sleep(0.01)

    @asynccontextmanager
    async def turn(self, key: str, seen: str | None) -> AsyncIterator[_Held]:
        token = uuid.uuid4().hex
        held = _Held(self, key, seen, token, await self._acquire(key, token, seen))
        try:
            yield held
        finally:
            if not held.released:  # expired while held: another turn may own it now, and keeps it
                await self.scripts["release"](keys=[f"lock:{key}"], args=[token])

    @asynccontextmanager
    async def lock(self, key: str) -> AsyncIterator[None]:
        async with self.turn(key, None):
            yield

    async def load(self, key: str) -> dict[str, Any] | None:
        return _document(*await self._redis.hmget(key, ["v", "d"]))

    async def load_unless_seen(self, key: str, platform_id: str | None) -> tuple[bool, dict[str, Any] | None]:
        if platform_id is None:
            return False, await self.load(key)
        async with self._redis.pipeline(transaction=False) as pipe:  # one round trip for both reads
            pipe.exists(f"seen:{platform_id}")
            pipe.hmget(key, ["v", "d"])
            seen, (version, doc) = await pipe.execute()
        return (True, None) if seen else (False, _document(version, doc))

    async def save(self, key: str, data: dict[str, Any], *, expected_version: int, seen: str | None = None,
                   ttl: timedelta | None = None) -> bool:
        return await self.write(key, "save", expected_version, data, seen=seen, ttl=ttl)

    async def write(self, key: str, op: str, version: int, data: dict[str, Any] | None, *, seen: str | None,
                    ttl: timedelta | None, release: str = "") -> bool:
        """The one script that ends a turn: `op` save (compare-and-set on `version`), delete or none;
        the dedupe mark of `seen`; the lock released when `release` is its token."""
        ttl_ms = int((ttl or self.ttl).total_seconds() * 1000)
        keys = [key, f"lock:{key}", f"seen:{seen}" if seen else "seen:"]
        return bool(await self.scripts["finish"](keys=keys, args=[
            op, version, encode(data) if data is not None else "", ttl_ms, DEDUPE_SECONDS, "1" if seen else "0",
            release]))

    async def delete(self, key: str) -> None:
        await self._redis.delete(key)

    async def seen(self, platform_id: str) -> bool:
        return bool(await self._redis.exists(f"seen:{platform_id}"))

    async def mark_seen(self, platform_id: str) -> None:
        await self._redis.set(f"seen:{platform_id}", b"1", ex=DEDUPE_SECONDS)

    async def ping(self) -> None:
        await self._redis.ping()

    async def close(self) -> None:
        await self._redis.aclose()
