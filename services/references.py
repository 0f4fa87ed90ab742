"""Report reference numbers: short, easy to read out and type, with a check character.

`SK-7KQ4-M2H`: "SK" (santunan kematian), six random characters and one check character, from an
alphabet without 0/O, 1/I or U. Case, spaces and dashes do not matter when typed. The check
character is a weighted sum modulo 31 (a prime, the alphabet's size), so any single wrong
character and any swap of two neighbours is caught before a lookup."""
from __future__ import annotations

import re
import secrets

__all__ = ["ALPHABET", "new_reference", "normalise_reference"]

ALPHABET = "23456789ABCDEFGHJKLMNPQRSTVWXYZ"  # 31 characters
_VALUE = {c: i for i, c in enumerate(ALPHABET)}
_PREFIX = "SK"
_RANDOM = 6


def _check(body: str) -> str:
    return ALPHABET[sum((i + 1) * _VALUE[c] for i, c in enumerate(body)) % len(ALPHABET)]


def _format(body: str) -> str:
    code = body + _check(body)
    return f"{_PREFIX}-{code[:4]}-{code[4:]}"


def new_reference() -> str:
    return _format("".join(secrets.choice(ALPHABET) for _ in range(_RANDOM)))


def normalise_reference(text: str) -> str | None:
    """The canonical form of a typed reference, or None when it is malformed or its check fails."""
    compact = re.sub(r"[\s\-.]", "", text.upper())
    if compact.startswith(_PREFIX):
        compact = compact[len(_PREFIX):]
    if len(compact) != _RANDOM + 1 or any(c not in _VALUE for c in compact):
        return None
    body, check = compact[:-1], compact[-1]
    return _format(body) if _check(body) == check else None
