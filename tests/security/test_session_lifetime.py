"""Admin session lifetime (December security review row 90): a session is idle-bounded by its
token, 30 minutes, and renewed only while used; the 12-hour maximum is kept in
tests/bot/test_admin.py::test_a_session_ends_twelve_hours_after_the_login_however_active and
tests/security/test_sessions.py::test_a_session_is_never_renewed_past_its_maximum. The generated
SECRET_KEY (row 89: `secrets`, at least 32 characters, mode 0600) is kept in
tests/security/test_review_notes.py."""
from __future__ import annotations

import re
from datetime import timedelta

from storage.models import utcnow


async def test_a_session_idle_for_31_minutes_is_over_and_one_idle_for_29_is_renewed(world):
    """Row 90: a cookie whose token was issued 31 minutes ago sends the browser to the login; one
    issued 29 minutes ago opens the page and is renewed with a fresh 30-minute cookie."""
    stale = await world.browser(world.session_cookie("dinsos", now=utcnow() - timedelta(minutes=31)))
    r = await stale.get("/admin")
    assert r.status_code == 303 and r.headers["location"].startswith("/admin/login")
    fresh = await world.browser(world.session_cookie("dinsos", now=utcnow() - timedelta(minutes=29)))
    r = await fresh.get("/admin")
    assert r.status_code == 200
    renewed = next(v for v in r.headers.get_list("set-cookie") if v.startswith("oki_admin="))
    assert 1790 <= int(re.search(r"Max-Age=(\d+)", renewed)[1]) <= 1800
