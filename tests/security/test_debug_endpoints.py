"""Exposure (December security review row 87): no debug endpoint exists. /docs, /redoc,
/openapi.json and /metrics (rows 85, 86, F15) are in tests/security/test_exposure.py."""
from __future__ import annotations

import pytest


@pytest.mark.parametrize("path", ["/debug", "/debug/", "/_debug", "/admin/debug", "/api/debug", "/console",
                                  "/server-status", "/.env", "/config", "/api/v1/debug", "/__debug__"])
async def test_debug_paths_are_404(client, path):
    """Row 87: every usual debug or config path is 404, and no traceback page exists."""
    r = await client.get(path)
    assert r.status_code == 404, (path, r.status_code)
    assert "Traceback" not in r.text and "SECRET" not in r.text.upper()
