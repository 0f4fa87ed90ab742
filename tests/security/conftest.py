"""The populated app the security tests run against (tests/security/world.py)."""
from __future__ import annotations

import pytest

from tests.security.world import build_world


@pytest.fixture
async def world(client):
    made = await build_world(client)
    async with made.stack:
        yield made
