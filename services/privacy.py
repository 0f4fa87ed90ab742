"""Personal identifiers: the keyed NIK hash used for lookups, and the masked forms shown to people.
A NIK is never stored or logged in the clear; only `NikHasher.digest` and `mask_nik` leave here.
What the bot shows a citizen is masked too, even their own numbers: a chat is read on shared phones
and shown in notifications, and the citizen already knows the digits they typed."""
from __future__ import annotations

import hashlib
import hmac

__all__ = ["NikHasher", "mask_account", "mask_kk", "mask_kpj", "mask_nik", "mask_phone"]


class NikHasher:
    """HMAC-SHA256 keyed from SECRET_KEY. NIKs have a small, structured key space, so a plain hash
    could be reversed by trying them all; without the key it cannot. Changing SECRET_KEY makes
    every stored hash unreachable, so the key must be kept (and backed up) with the database."""

    def __init__(self, secret_key: str) -> None:
        key = hashlib.sha256(b"layanan-oki:nik:" + secret_key.encode()).digest()
        self._keyed = hmac.new(key, digestmod=hashlib.sha256)  # copied per NIK: the key is set up once

    def digest(self, nik: str) -> str:
        mac = self._keyed.copy()
        mac.update(nik.encode())
        return mac.hexdigest()


def mask_nik(nik: str) -> str:
    """First 6 and last 4 digits: `160201******0003`."""
    return f"{nik[:6]}{'*' * (len(nik) - 10)}{nik[-4:]}" if len(nik) > 10 else "*" * len(nik)


def mask_kpj(kpj: str) -> str:
    """First 2 and last 3 digits of a KPJ card number: `25******678`."""
    return f"{kpj[:2]}{'*' * (len(kpj) - 5)}{kpj[-3:]}" if len(kpj) > 5 else "*" * len(kpj)


def mask_kk(kk: str) -> str:
    """A Kartu Keluarga number like a NIK: first 6 (where it was issued) and last 4 digits."""
    return mask_nik(kk)


def mask_phone(phone: str) -> str:
    """An Indonesian mobile number in its national form, first 4 and last 3 digits: `0812*****890`.
    Takes E.164 (`+62812...`) or national (`0812...`) digits; anything else keeps its last 3 only."""
    digits = "".join(c for c in phone if c.isdigit())
    national = "0" + digits[2:] if digits.startswith("62") else digits
    if len(national) < 9:
        return "*" * max(len(national) - 3, 0) + national[-3:]
    return f"{national[:4]}{'*' * (len(national) - 7)}{national[-3:]}"


def mask_account(account: str) -> str:
    """A bank account number, last 4 digits only: `******7890`."""
    return f"{'*' * max(len(account) - 4, 0)}{account[-4:]}"
