"""The one path every inbound message takes, whatever the channel:
contact -> per-contact lock -> dedupe on the platform id and load the state (one round trip; under
the lock, so a copy delivered at the same time is caught too) -> engine step -> compare-and-set
save, which marks the platform id seen in the same write -> send the replies (still under the
lock, so they leave in order).

The mark goes with the saved state, not before the turn: a process killed in the middle of a turn
leaves neither, and the provider's redelivery is handled instead of being dropped as a duplicate.

A failure inside a flow answers with an apology and the menu and leaves the stored state as it was.
When the database or Redis is down the citizen still gets the short apology; the `Outcome` tells
the webhook whether anything reached the citizen, so it can pick its status code."""
from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable, Collection, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Protocol

from conversations.context import Context, Services
from conversations.engine import Engine
from conversations.messages_id import MSG
from conversations.model import Incoming, Reply
from handlers.metrics import TURN_ERRORS, TURN_SECONDS, TURNS, TURNS_IN_PROGRESS
from storage.contacts import ContactInfo, Contacts
from storage.state import LockBusy, StateStore, state_key

__all__ = ["Dispatcher", "Outcome", "SendFailed", "Sender"]

log = logging.getLogger(__name__)
_NO_FLOW = ("menu", "none")  # metric labels besides the engine's flow names: outside any flow; no turn ran


class SendFailed(Exception):
    """The channel could not deliver the replies (provider down, chat gone). `retry_after` is set
    when the provider said to slow down (Telegram 429, Twilio 20429): seconds to wait."""

    def __init__(self, *args: object, retry_after: float | None = None) -> None:
        super().__init__(*args)
        self.retry_after = retry_after


def _carried(sender: Sender, address: str, replies: Sequence[Reply]) -> bool:
    """Whether the sender takes these replies back in the webhook's response (no network call)."""
    carries = getattr(sender, "carries", None)
    return bool(carries and carries(address, replies))


class Sender(Protocol):
    async def send(self, address: str, replies: Sequence[Reply], *, contact_id: int | None = None) -> list[str]:
        """Deliver replies to the channel's address of a person; the provider's ids of the messages.
        Raise SendFailed if they did not go. A sender that can answer in the webhook's response
        (handlers/telegram.py's WebhookAnswer) also has `carries(address, replies) -> bool`."""


@dataclass
class Outcome:
    replies: list[Reply] = field(default_factory=list)
    processed: bool = True  # the turn ran and its state was saved (or it was a duplicate)
    delivered: bool = True  # the replies reached the provider (always True without a sender)
    duplicate: bool = False
    retry_after: float = 0.0  # refused before any turn (too many new web-chat ids from one address): seconds
    flow: str = "none"  # for the metrics: the flow the turn ran in, "menu" outside any, "none" when no turn ran


class Dispatcher:
    def __init__(self, *, store: StateStore, contacts: Contacts, engine: Engine, services: Services,
                 admit_new: Callable[[Incoming], Awaitable[float]] | None = None,
                 lazy_channels: Collection[str] = ("web",)) -> None:
        """`lazy_channels`: channels whose ids the client makes up (the web chat): a contact row is made
        only for a message that needs one, not for a greeting; `admit_new` counts such a new contact
        (seconds to wait when one address makes too many)."""
        self._store, self._contacts, self._engine, self._services = store, contacts, engine, services
        self._admit_new, self._lazy = admit_new, frozenset(lazy_channels)

    async def handle(self, incoming: Incoming, sender: Sender | None = None) -> Outcome:
        started, channel = time.perf_counter(), incoming.channel
        with TURNS_IN_PROGRESS.labels(channel).track_inprogress():
            outcome = await self._handle(incoming, sender)
        result = ("duplicate" if outcome.duplicate else "ok" if outcome.processed and outcome.delivered else
                  "undelivered" if outcome.processed else "failed")
        flow = outcome.flow if outcome.flow in self._engine.flow_names or outcome.flow in _NO_FLOW else "other"
        TURNS.labels(channel, flow, result).inc()
        TURN_SECONDS.labels(channel, flow).observe(time.perf_counter() - started)
        return outcome

    async def _handle(self, incoming: Incoming, sender: Sender | None) -> Outcome:
        seen_key = f"{incoming.channel}:{incoming.platform_id}" if incoming.platform_id else None
        where = ["none"]  # the flow of the stored state once it is loaded, then the flow that answered
        try:
            return await self._turn(incoming, sender, where, seen_key)
        except SendFailed as exc:  # the turn is saved; only the delivery failed
            log.warning("%s replies not delivered: %s", incoming.channel, exc)
            TURN_ERRORS.labels(incoming.channel, "undelivered").inc()
            return Outcome(exc.args[1] if len(exc.args) > 1 else [], processed=True, delivered=False, flow=where[0])
        except LockBusy:
            log.warning("%s contact busy", incoming.channel)
            TURN_ERRORS.labels(incoming.channel, "busy").inc()
            replies = [Reply(MSG.busy)]
        except Exception:
            log.exception("%s turn failed", incoming.channel)
            TURN_ERRORS.labels(incoming.channel, "exception").inc()
            replies = [Reply(MSG.error, self._engine.menu_choices)]
        # the turn saved nothing, so nothing marked the message seen: a redelivery tries again
        return Outcome(replies, processed=False, delivered=await self._deliver(incoming, replies, sender),
                       flow=where[0])

    async def _first(self, incoming: Incoming, now: datetime) -> Outcome | ContactInfo | None:
        """For a channel whose ids the client makes up: the known contact, its inbound time recorded
        (one statement); else answer a first greeting without a contact row, and count (and maybe
        refuse) a new contact. None: go on and create the contact."""
        if incoming.channel not in self._lazy:
            return None
        if (known := await self._contacts.touch(channel=incoming.channel, channel_user_id=incoming.user_id,
                                                display_name=incoming.display_name, phone=incoming.phone,
                                                at=now, create=False)) is not None:
            return known
        if (turn := self._engine.greet(incoming)) is not None:
            return Outcome(turn.replies, flow="menu")
        if self._admit_new is not None and (wait := await self._admit_new(incoming)):
            return Outcome([Reply(MSG.busy)], processed=False, retry_after=wait)
        return None

    async def _turn(self, incoming: Incoming, sender: Sender | None, where: list[str], seen: str | None) -> Outcome:
        started, now = time.perf_counter(), datetime.now(UTC)
        if isinstance(contact := await self._first(incoming, now), Outcome):
            return contact
        if contact is None:
            contact = await self._contacts.touch(channel=incoming.channel, channel_user_id=incoming.user_id,
                                                 display_name=incoming.display_name, phone=incoming.phone, at=now)
        async with self._store.turn(state_key(contact.id), seen) as held:
            if held.duplicate:  # a redelivery, or a copy that came at the same time and got the lock first
                log.info("duplicate %s message ignored", incoming.channel)
                return Outcome(duplicate=True)
            state = held.state
            where[0] = state["flow"] if state else "menu"
            context = Context(contact, self._services, now, ip=incoming.ip, proof=incoming.proof)
            turn = await self._engine.step(state, incoming, context)
            flow = where[0] = turn.flow or (turn.state["flow"] if turn.state else "menu")
            # nothing left to do under the lock when no reply goes out over the network after the write
            last = sender is None or not turn.replies or _carried(sender, incoming.user_id, turn.replies)
            if turn.save and turn.state is not None:
                if not await held.save(turn.state, expected_version=state["version"] if state else 0,
                                       ttl=turn.keep, last=last):
                    raise RuntimeError("state changed under the lock")  # never expected; fail loudly
            else:
                await held.finish(delete=turn.save and state is not None, last=last)
            if sender is not None and turn.replies:
                try:
                    await sender.send(incoming.user_id, turn.replies, contact_id=contact.id)
                except SendFailed as exc:
                    raise SendFailed(str(exc), turn.replies) from exc
        at = f"{turn.state['flow']}:{turn.state['step']}" if turn.state else "idle"
        log.info("turn contact=%s channel=%s at=%s replies=%d ms=%.1f", contact.id, incoming.channel,
                 at, len(turn.replies), (time.perf_counter() - started) * 1000)
        return Outcome(turn.replies, flow=flow)

    async def _deliver(self, incoming: Incoming, replies: list[Reply], sender: Sender | None) -> bool:
        if sender is None:
            return True
        try:
            await sender.send(incoming.user_id, replies)
            return True
        except Exception:
            log.warning("%s apology not delivered either", incoming.channel)
            return False
