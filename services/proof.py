"""Proof of work for the web chat (ALTCHA, self-hosted: no third party sees anyone's visit).

A web-chat address past its free lookups gets a challenge with its answer: find the number n in
[0, difficulty] with SHA-256(salt + n) == challenge. The chat page (bot/web/static/chat.js) finds
it by itself in about a second on a cheap phone and sends the same message again with the solved
payload, which `verify` checks: signed by us (HMAC keyed from SECRET_KEY), not expired, and never
used before (so one solution buys one lookup). A script pays the same work for every guess."""
from __future__ import annotations

import base64
import hashlib
import json
from datetime import UTC, datetime, timedelta

import altcha

from storage.ratelimit import RateLimiter

__all__ = ["ProofOfWork"]

_VALID = timedelta(minutes=10)


class ProofOfWork:
    def __init__(self, *, secret_key: str, limiter: RateLimiter, difficulty: int = 50_000) -> None:
        self._key = hashlib.sha256(b"layanan-oki:proof-of-work:" + secret_key.encode()).hexdigest()
        self._limiter, self.difficulty = limiter, difficulty

    def challenge(self, *, now: datetime | None = None) -> dict:
        """A fresh challenge, as the chat page reads it (ALTCHA's JSON fields)."""
        expires = (now or datetime.now(UTC)) + _VALID
        made = altcha.create_challenge_v1(altcha.ChallengeOptionsV1(
            hmac_key=self._key, max_number=self.difficulty, expires=expires))
        return made.to_dict()

    async def verify(self, payload: str | None) -> bool:
        """True once for each solved, unexpired challenge of ours; False for anything else."""
        if not payload or len(payload) > 2000:
            return False
        try:
            ok, _error = altcha.verify_solution_v1(payload, self._key, check_expires=True)
        except Exception:  # not base64, not JSON, wrong fields: not a proof
            return False
        if not ok:
            return False
        # one solution, one lookup: the challenge's own signature marks it used, however it is spelled
        signature = str(json.loads(base64.b64decode(payload))["signature"])[:64]
        return await self._limiter.once(f"proof:{signature}", int(_VALID.total_seconds()) + 60)
