"""The one path every inbound message takes, whatever the channel:
dedupe on the platform id -> contact -> per-contact lock -> load state -> engine step ->
compare-and-set save -> replies. A failure answers kindly and leaves the stored state as it was."""
from __future__ import annotations

import logging
import time
from datetime import UTC, datetime

from conversations.context import Context, Services
from conversations.engine import Engine
from conversations.messages_id import MSG
from conversations.model import Incoming, Reply
from storage.contacts import Contacts
from storage.state import LockBusy, StateStore, state_key

__all__ = ["Dispatcher"]

log = logging.getLogger(__name__)


class Dispatcher:
    def __init__(self, *, store: StateStore, contacts: Contacts, engine: Engine, services: Services) -> None:
        self._store, self._contacts, self._engine, self._services = store, contacts, engine, services

    async def handle(self, incoming: Incoming) -> list[Reply]:
        """Replies for one inbound message; an empty list for a redelivered one."""
        seen_key = f"{incoming.channel}:{incoming.platform_id}" if incoming.platform_id else None
        if seen_key and not await self._store.first_time(seen_key):
            log.info("duplicate message ignored", extra={"channel": incoming.channel})
            return []
        started = time.perf_counter()
        try:
            replies, contact_id, where = await self._turn(incoming)
        except LockBusy:
            if seen_key:
                await self._store.forget(seen_key)
            log.warning("contact busy", extra={"channel": incoming.channel})
            return [Reply(MSG.busy)]
        except Exception:
            if seen_key:  # let the platform's redelivery try again
                await _quietly(self._store.forget(seen_key))
            log.exception("turn failed", extra={"channel": incoming.channel})
            return [Reply(MSG.error)]
        log.info("turn contact=%s channel=%s at=%s replies=%d ms=%.1f", contact_id, incoming.channel,
                 where, len(replies), (time.perf_counter() - started) * 1000)
        return replies

    async def _turn(self, incoming: Incoming) -> tuple[list[Reply], int, str]:
        now = datetime.now(UTC)
        contact = await self._contacts.touch(channel=incoming.channel, channel_user_id=incoming.user_id,
                                             display_name=incoming.display_name, phone=incoming.phone, at=now)
        key = state_key(contact.id)
        async with self._store.lock(key):
            state = await self._store.load(key)
            turn = await self._engine.step(state, incoming, Context(contact, self._services, now))
            version = state["version"] if state else 0
            if turn.save and turn.state is not None:
                if not await self._store.save(key, turn.state, expected_version=version):
                    raise RuntimeError("state changed under the lock")  # never expected; fail loudly
            elif turn.save and state is not None:
                await self._store.delete(key)
        where = f"{turn.state['flow']}:{turn.state['step']}" if turn.state else "idle"
        return turn.replies, contact.id, where


async def _quietly(awaitable) -> None:
    try:
        await awaitable
    except Exception:  # the store is what failed; the original error is already logged
        log.warning("could not clear the dedupe mark")
