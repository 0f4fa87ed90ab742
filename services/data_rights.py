"""A contact's rights over their data (UU PDP No. 27/2022): to see what the service holds about them
(Pasal 7) and to have it deleted (Pasal 8), from the chat (DATA SAYA, HAPUS DATA SAYA:
conversations/data_rights.py) or through an admin (the staff API, bot/api/contacts.py).

Erasing ends the conversation in progress, the subscription and the messages still queued, and
empties the contact (storage/personal_data.py). Santunan reports are not erased: they are the
regency's records of public money, which Pasal 15 ayat (1) huruf c exempts from erasure
("kepentingan umum dalam rangka penyelenggaraan negara"); they stay whole for Dinas Sosial, and
only their link to the chat is cut, so status notices no longer go there. Both are audited, with
counts and the contact's id only."""
from __future__ import annotations

from dataclasses import dataclass

from services.audit import Audit
from storage.personal_data import Forgotten, Holdings, PersonalData, ReportRef
from storage.state import StateStore, state_key

__all__ = ["DataRights", "Erasure", "Holdings", "ReportRef"]


@dataclass(frozen=True, slots=True)
class Erasure:
    contact_id: int
    reports_kept: tuple[ReportRef, ...]  # still on record, no longer linked to the contact
    forgotten: Forgotten
    conversation_ended: bool


class DataRights:
    def __init__(self, *, people: PersonalData, store: StateStore, audit: Audit) -> None:
        self._people, self._store, self._audit = people, store, audit

    async def find(self, *, channel: str, user_id: str) -> int | None:
        return await self._people.find(channel=channel, user_id=user_id)

    async def holdings(self, contact_id: int) -> Holdings | None:
        """What is held, unaudited: for the question before an erasure."""
        return await self._people.holdings(contact_id)

    async def access(self, *, contact_id: int, actor: str, via: str) -> Holdings | None:
        """What is held about the contact, for them (or an admin acting for them); audited."""
        held = await self._people.holdings(contact_id)
        if held is not None:
            await self._audit.record(actor=actor, action="privacy.access", target=f"contact:{contact_id}",
                                     detail={"via": via, "reports": len(held.reports)})
        return held

    async def erase(self, *, contact_id: int, actor: str, via: str, locked: bool = False) -> Erasure | None:
        """Forget the contact. `locked`: the caller already holds the contact's conversation lock (a
        turn in the chat); otherwise it is taken here, so no turn saves state in the middle."""
        if locked:
            return await self._erase(contact_id, actor=actor, via=via)
        async with self._store.lock(state_key(contact_id)):
            return await self._erase(contact_id, actor=actor, via=via)

    async def _erase(self, contact_id: int, *, actor: str, via: str) -> Erasure | None:
        held = await self._people.holdings(contact_id)
        if held is None:
            return None
        key = state_key(contact_id)
        ended = await self._store.load(key) is not None
        await self._store.delete(key)
        forgotten = await self._people.forget(contact_ids=[contact_id])
        await self._audit.record(actor=actor, action="privacy.erase", target=f"contact:{contact_id}",
                                 detail={"via": via, "conversation_ended": ended, **forgotten.counts()})
        return Erasure(contact_id=contact_id, reports_kept=held.reports, forgotten=forgotten,
                       conversation_ended=ended)
