"""The privacy tests run the real app against the fake providers, as the channel tests do."""
from __future__ import annotations

from tests.handlers.conftest import fake_telegram, fake_twilio, settings  # noqa: F401  (fixtures)
