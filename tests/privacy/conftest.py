"""The privacy tests run the real app against the fake providers, as the channel tests do."""
from __future__ import annotations

from tests.handlers.conftest import settings  # noqa: F401  (a fixture; the fakes come from tests/conftest.py)
