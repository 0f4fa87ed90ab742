"""Property-based (hypothesis) tests: the parsers and the conversation engine on any input.

Locally each run draws new examples (and replays failures from .hypothesis/); with CI=true the
examples are derived from the test itself (`derandomize`) and no example database is used, so CI
runs the same examples every time."""
from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

__all__ = ["IN_CI", "fuzz_settings"]

IN_CI = os.environ.get("CI", "").lower() == "true"


def fuzz_settings(max_examples: int, **extra) -> settings:
    ci = {"derandomize": True, "database": None} if IN_CI else {}
    return settings(max_examples=max_examples, deadline=None, print_blob=True,
                    suppress_health_check=[HealthCheck.too_slow], **ci, **extra)
