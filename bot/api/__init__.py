"""The staff REST API, versioned under /api/v1. Each area has a module with its own `router`;
they are listed here (never discovered) and `bot/app.py` includes `router`."""
from __future__ import annotations

from fastapi import APIRouter

from bot.api import announcements, auth, contacts, faq, helpdesk, registry, reports
from bot.api.problems import INVALID

__all__ = ["router"]

router = APIRouter(prefix="/api/v1", responses=INVALID)
router.include_router(auth.router)
router.include_router(registry.router)
router.include_router(reports.router)
router.include_router(announcements.router)
router.include_router(contacts.router)
router.include_router(helpdesk.router)
router.include_router(faq.router)
# Further routers go here, one line each (reports, announcements, ...)
