"""Personal identifiers: the keyed NIK hash used for lookups, and the masked forms shown to people.
A NIK is never stored or logged in the clear; only `NikHasher.digest` and `mask_nik` leave here."""
from __future__ import annotations

import hashlib
import hmac

__all__ = ["NikHasher", "mask_kpj", "mask_nik"]


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
