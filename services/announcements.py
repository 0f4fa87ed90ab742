"""Announcements: who receives them. Subscriptions to all of OKI or to one kecamatan, opt-out
and opt-in again, with the time and the channel each came from. (Composing and fan-out come
with the broadcast work.)"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from services.wilayah import Place, Wilayah
from storage.contacts import ContactInfo, Contacts

__all__ = ["Subscriptions", "Subscription"]


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
