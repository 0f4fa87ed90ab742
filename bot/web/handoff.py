"""SIMPAN PERCAKAPAN ("simpan percakapan ini"): the web chat's id lives in one browser's localStorage; SIMPAN PERCAKAPAN
gives a short one-use code, and LANJUT <code> typed on another device's page moves that page onto
the same conversation (the answer carries the id, which the page keeps).

A code is 8 characters from 32 that are hard to confuse (40 bits), lives 30 minutes, and
only its hash is stored, in the state store (shared by every process; Redis or SQL). The first
LANJUT with it wins (compare-and-set) and the code is gone. It is a key to the conversation, so it
is never logged; guessing one is held back by the web chat's per-address message limit."""
from __future__ import annotations

import hashlib
import re
import secrets
from datetime import timedelta
from typing import Any

from conversations.messages_id import MSG
from conversations.parsing import normalise
from storage.contacts import Contacts
from storage.state import StateStore

__all__ = ["answer"]

TTL = timedelta(minutes=30)
_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no I, O, 0 or 1
_SAVE = {"simpan percakapan", "simpan percakapan ini"}
_GO_ON = re.compile(r"^\s*lanjut(?:kan)?\s+([A-Za-z0-9]{4})-?([A-Za-z0-9]{4})\s*$", re.I)


def _key(code: str) -> str:
    return "webcode:" + hashlib.sha256(code.upper().encode()).hexdigest()


def _said(text: str) -> dict[str, Any]:
    return {"replies": [{"text": text, "choices": []}]}


async def answer(store: StateStore, contacts: Contacts, *, user: str, text: str) -> dict[str, Any] | None:
    """The page's answer when `text` is SIMPAN PERCAKAPAN or LANJUT <code>; None for anything else."""
    minutes = int(TTL.total_seconds() // 60)
    if normalise(text) in _SAVE:
        if not await contacts.exists(channel="web", channel_user_id=user):
            return _said(MSG.handoff_nothing)
        raw = "".join(secrets.choice(_ALPHABET) for _ in range(8))
        await store.save(_key(raw), {"user": user}, expected_version=0, ttl=TTL)
        return _said(MSG.handoff_code.format(code=f"{raw[:4]}-{raw[4:]}", minutes=minutes))
    if (match := _GO_ON.match(text)) is None:
        return None
    key = _key(match.group(1) + match.group(2))
    held = await store.load(key)
    if not held or held.get("used") or not await store.save(key, {"used": True}, expected_version=held["version"],
                                                            ttl=timedelta(seconds=1)):
        return _said(MSG.handoff_bad.format(minutes=minutes))
    return {**_said(MSG.handoff_done), "user": held["user"]}
