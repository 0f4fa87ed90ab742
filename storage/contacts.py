"""Contacts repository: who talks to us on which channel, and their announcement subscription."""
from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Literal, overload

from sqlalchemy import Row, bindparam, func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage.contact_cache import cache_for
from storage.db import OneStatement, Work
from storage.models import Contact

__all__ = ["ContactInfo", "Contacts"]


@dataclass(frozen=True, slots=True)
class ContactInfo:
    """What a turn knows of its contact. Remembered between turns (storage/contact_cache.py): a new
    field a turn relies on must be one migration 0017's triggers notify on, or be reported by the
    channel on every message (as the name and phone are)."""
    id: int
    channel: str
    channel_user_id: str
    display_name: str | None
    subscribed: bool
    subscription_kecamatan: str | None
    blocked: bool
    last_inbound_at: datetime | None = None
    phone: str | None = None  # E.164, when the channel gave it (WhatsApp, Telegram's shared contact)
    open_ticket_id: int | None = None  # with a person (the helpdesk) while set
    rate_ticket_id: int | None = None  # a ticket just closed, whose satisfaction question is still open


_INFO = (Contact.id, Contact.channel, Contact.channel_user_id, Contact.display_name, Contact.subscribed,
         Contact.subscription_kecamatan, Contact.blocked, Contact.last_inbound_at, Contact.phone,
         Contact.open_ticket_id, Contact.rate_ticket_id)


def _info(c: Contact | Row) -> ContactInfo:
    return ContactInfo(id=c.id, channel=c.channel, channel_user_id=c.channel_user_id,
                       display_name=c.display_name, subscribed=c.subscribed,
                       subscription_kecamatan=c.subscription_kecamatan, blocked=c.blocked,
                       last_inbound_at=c.last_inbound_at, phone=c.phone, open_ticket_id=c.open_ticket_id,
                       rate_ticket_id=c.rate_ticket_id)


_KNOWN = update(Contact).where(
    Contact.channel == bindparam("b_channel"), Contact.channel_user_id == bindparam("b_channel_user_id")).values(
    last_inbound_at=bindparam("b_at"), display_name=func.coalesce(bindparam("b_display_name"), Contact.display_name),
    phone=func.coalesce(bindparam("b_phone"), Contact.phone)).returning(*_INFO)

_PROVE = update(Contact).where(Contact.id == bindparam("b_id")).values(nik_hash=bindparam("b_hash"))
_OPT_OUT_NIK = update(Contact).where(Contact.nik_hash == bindparam("b_hash"), Contact.subscribed.is_(True)).values(
    subscribed=False, opted_out_at=bindparam("b_at"), opted_out_via=bindparam("b_via"))


def _touch_statement(dialect: str):
    """Insert the contact or record its inbound time, returning what a turn needs; built once."""
    ins = (pg_insert if dialect == "postgresql" else sqlite_insert)(Contact).values(
        channel=bindparam("channel"), channel_user_id=bindparam("channel_user_id"),
        display_name=bindparam("display_name"), phone=bindparam("phone"), last_inbound_at=bindparam("at"),
        created_at=bindparam("created_at"), language="id", subscribed=False, blocked=False)
    return ins.on_conflict_do_update(
        index_elements=[Contact.channel, Contact.channel_user_id],
        set_={"last_inbound_at": ins.excluded.last_inbound_at,
              "display_name": func.coalesce(ins.excluded.display_name, Contact.display_name),
              "phone": func.coalesce(ins.excluded.phone, Contact.phone)},
    ).returning(*_INFO)


class Contacts:
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions
        self._one = OneStatement(sessions)
        self._touch = _touch_statement(self._one.dialect)
        self.cache = cache_for(sessions)

    @overload
    async def touch(self, *, channel: str, channel_user_id: str, at: datetime, display_name: str | None = None,
                    phone: str | None = None, create: Literal[True] = True) -> ContactInfo: ...

    @overload
    async def touch(self, *, channel: str, channel_user_id: str, at: datetime, display_name: str | None = None,
                    phone: str | None = None, create: bool) -> ContactInfo | None: ...

    async def touch(self, *, channel: str, channel_user_id: str, at: datetime, display_name: str | None = None,
                    phone: str | None = None, create: bool = True) -> ContactInfo | None:
        """Record the inbound time, creating the contact on first contact (`create=False`: only a known
        one, else None); one statement (every message pays for it, so it is prebuilt Core: see
        `OneStatement`), or none when this process touched the contact less than a minute ago and
        nothing about it changed since (storage/contact_cache.py)."""
        if self.cache.poll is not None:
            await self.cache.poll()
        if (known := self.cache.fresh(channel, channel_user_id, display_name, phone)) is not None:
            return replace(known, last_inbound_at=at)
        epoch = self.cache.epoch
        if not create:
            rows = await self._one.rows(_KNOWN, {"b_channel": channel, "b_channel_user_id": channel_user_id,
                                                 "b_display_name": display_name, "b_phone": phone, "b_at": at})
        else:
            rows = await self._one.rows(self._touch, {"channel": channel, "channel_user_id": channel_user_id,
                                                      "display_name": display_name, "phone": phone, "at": at,
                                                      "created_at": at})
        if not rows:
            return None
        info = _info(rows[0])
        self.cache.keep(channel, channel_user_id, info, epoch=epoch)
        return info

    async def exists(self, *, channel: str, channel_user_id: str) -> bool:
        """Whether this person has a contact row on this channel (nothing is created)."""
        async with self._sessions() as s:
            return await s.scalar(select(Contact.id).where(Contact.channel == channel,
                                                           Contact.channel_user_id == channel_user_id)) is not None

    async def get(self, contact_id: int) -> ContactInfo | None:
        async with self._sessions() as s:
            c = await s.get(Contact, contact_id)
            return _info(c) if c else None

    async def subscribe(self, *, contact_id: int, kecamatan: str | None, via: str, at: datetime) -> None:
        async with self._sessions() as s, s.begin():
            await s.execute(update(Contact).where(Contact.id == contact_id).values(
                subscribed=True, subscription_kecamatan=kecamatan, subscribed_at=at, subscribed_via=via))
        self.cache.forget((contact_id,))

    async def opt_out(self, *, contact_id: int, via: str, at: datetime) -> bool:
        """End the subscription; the kecamatan is kept so `mulai` can restore it. True if it was on."""
        async with self._sessions() as s, s.begin():
            res = await s.execute(update(Contact).where(Contact.id == contact_id, Contact.subscribed.is_(True))
                                  .values(subscribed=False, opted_out_at=at, opted_out_via=via))
        self.cache.forget((contact_id,))
        return res.rowcount == 1

    async def last_inbound(self, contact_ids: list[int]) -> dict[int, datetime | None]:
        """When each of these contacts last wrote to us (WhatsApp's 24-hour window)."""
        if not contact_ids:
            return {}
        async with self._sessions() as s:
            rows = await s.execute(select(Contact.id, Contact.last_inbound_at).where(Contact.id.in_(contact_ids)))
            return dict(rows.all())

    async def block(self, *, contact_id: int) -> None:
        """The channel says this person cannot be reached (blocked the bot, invalid number)."""
        async with self._sessions() as s, s.begin():
            await s.execute(update(Contact).where(Contact.id == contact_id).values(blocked=True))
        self.cache.forget((contact_id,))

    async def prove_nik(self, *, contact_id: int, nik_hash: str) -> None:
        await self._one.rowcount(_PROVE, {"b_id": contact_id, "b_hash": nik_hash})

    @staticmethod
    def opt_out_nik_work(*, nik_hash: str, via: str, at: datetime) -> Work:
        """End the subscriptions of every contact proven to be this NIK's person (its row count: how
        many ended), as work for the transaction that files the death (`Reports.insert`)."""
        return _OPT_OUT_NIK, {"b_hash": nik_hash, "b_via": via, "b_at": at}

    async def count_subscribed(self) -> int:
        async with self._sessions() as s:
            return int(await s.scalar(select(func.count()).select_from(Contact)
                                      .where(Contact.subscribed.is_(True))) or 0)
