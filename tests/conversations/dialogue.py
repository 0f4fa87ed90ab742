"""Flows tested as dialogues, without a channel or a database (STYLE rule 12)."""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import UTC, datetime

from conversations.context import Context, Services
from conversations.flows import build_engine
from conversations.model import Incoming, Reply
from services.announcements import Subscription
from services.wilayah import load_wilayah
from storage.contacts import ContactInfo


@dataclass
class FakeSubscriptions:
    """Subscriptions kept in memory, on the contact the dialogue carries."""

    dialogue: Dialogue

    def current(self, contact: ContactInfo) -> Subscription:
        code = contact.subscription_kecamatan
        return Subscription(contact.subscribed, load_wilayah().get(code) if code else None)

    async def subscribe(self, *, contact, kecamatan, at):
        self.dialogue.contact = replace(self.dialogue.contact, subscribed=True, subscription_kecamatan=kecamatan)
        return self.current(self.dialogue.contact)

    async def unsubscribe(self, *, contact, at):
        was = self.dialogue.contact.subscribed
        self.dialogue.contact = replace(self.dialogue.contact, subscribed=False)
        return was

    async def resubscribe(self, *, contact, at):
        return await self.subscribe(contact=contact, kecamatan=contact.subscription_kecamatan, at=at)


@dataclass
class Dialogue:
    engine: object = field(default_factory=build_engine)
    state: dict | None = None
    coverage: object = None  # a services.coverage.Coverage-like fake, for the coverage flow
    santunan: object = None  # a services.santunan.Santunan, for the santunan flows
    contact: ContactInfo = field(default_factory=lambda: ContactInfo(
        id=1, channel="web", channel_user_id="u1", display_name=None, subscribed=False,
        subscription_kecamatan=None, blocked=False))

    async def say(self, text: str) -> list[Reply]:
        services = Services(subscriptions=FakeSubscriptions(self), wilayah=load_wilayah(), coverage=self.coverage,
                            santunan=self.santunan)
        ctx = Context(self.contact, services, datetime.now(UTC))
        turn = await self.engine.step(self.state, Incoming(channel="web", user_id="u1", text=text), ctx)
        if turn.save:
            self.state = turn.state
        return turn.replies


def texts(replies: list[Reply]) -> str:
    return "\n".join(r.text for r in replies)


def labels(replies: list[Reply]) -> list[str]:
    return [c.label for r in replies for c in r.choices]
