"""The staff admin pages under /admin: server-rendered (Jinja2), in Bahasa Indonesia, usable on a
phone, with every asset served by the app itself (`STATIC_DIR`, mounted at /admin/static).

`router` collects the page modules, listed here (never discovered); `bot/app.py` includes it.
What they share (session, CSRF, the route class that adds security headers) is in session.py,
csrf.py and web.py; a new page module only needs `APIRouter(prefix="/admin/...",
route_class=AdminRoute)`, `CurrentSession` or `require_roles(...)`, and `PostedSession` or
`posted_by(...)` for its forms."""
from __future__ import annotations

from fastapi import APIRouter

from bot.admin import (
    accounts,
    announcement_review,
    announcements,
    audit,
    canned,
    chat_link,
    faq,
    guide,
    helpdesk,
    office,
    pages,
    payments,
    registry,
    registry_history,
    report_filing,
    reports,
)
from bot.admin.web import STATIC_DIR

__all__ = ["STATIC_DIR", "STATIC_URL", "router"]

STATIC_URL = "/admin/static"

router = APIRouter()
router.include_router(pages.router)
router.include_router(accounts.router)
router.include_router(registry_history.router)
router.include_router(registry.router)
router.include_router(announcement_review.router)  # before announcements: /{id}/uji, /menunggu.json
router.include_router(announcements.router)
router.include_router(chat_link.router)
router.include_router(office.router)  # before reports: /admin/laporan/tugas, /admin/laporan/{reference}/unggah
router.include_router(report_filing.router)  # before reports: /admin/laporan/baru
router.include_router(reports.router)
router.include_router(audit.router)
router.include_router(payments.router)
router.include_router(canned.router)  # before helpdesk: /admin/bantuan/{ticket_id}
router.include_router(helpdesk.router)
router.include_router(faq.router)
router.include_router(guide.router)
# Further page modules go here, one line each (santunan queue, registry upload, announcements)
