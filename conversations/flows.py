"""The flows that are built, by the intent that starts them. Adding a flow: write its module,
list it here; the menu shows it from then on."""
from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from conversations.coverage import coverage_flow
from conversations.data_rights import data_command, erase_flow
from conversations.engine import Engine
from conversations.helpdesk import PersonMode, about_report, leave_flow
from conversations.santunan import santunan_flow
from conversations.staff_chat import staff_command, staff_fix_flow
from conversations.status import status_flow
from conversations.subscription import SHORTCUTS, latest_flow, subscribe_flow, unsubscribe_flow

__all__ = ["build_engine"]


def build_engine(*, media_limit_mb: float = 10, timeout: timedelta = timedelta(minutes=30),
                 keep_report: timedelta = timedelta(days=14), keep_other: timedelta = timedelta(hours=6)) -> Engine:
    """`timeout`: idle time that ends a conversation; `keep_report` and `keep_other`: how long the
    death report's draft and the other forms' drafts are kept (conversations/drafts.py)."""
    built = (replace(coverage_flow, keep=keep_other), replace(santunan_flow, keep=keep_report), status_flow,
             latest_flow, subscribe_flow, unsubscribe_flow, staff_fix_flow, erase_flow, leave_flow)
    flows = {f.name: f for f in built}
    return Engine(flows=flows, shortcuts=SHORTCUTS, media_limit_mb=media_limit_mb, timeout=timeout,
                  commands=(staff_command, data_command, about_report), person=PersonMode())
