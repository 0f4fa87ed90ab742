"""The staff guide (docs/panduan-staf.md) at /admin/panduan, for every signed-in staff member:
the Markdown file rendered to HTML on the server (markdown-it, CommonMark, raw HTML in the file
left as text), inside the admin layout. Linked from the menu and from the API docs."""
from __future__ import annotations

from functools import cache
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from markdown_it import MarkdownIt
from markupsafe import Markup

from bot.admin.session import CurrentSession
from bot.admin.web import AdminRoute, render

__all__ = ["GUIDE", "router"]

GUIDE = Path(__file__).resolve().parents[2] / "docs" / "panduan-staf.md"

router = APIRouter(prefix="/admin/panduan", route_class=AdminRoute, include_in_schema=False)


@cache
def _html(path: Path, mtime: float) -> Markup:
    """The guide as HTML; `mtime` makes an edited file render anew."""
    return Markup(MarkdownIt("commonmark", {"html": False}).render(path.read_text(encoding="utf-8")))


@router.get("")
async def guide(request: Request, session: CurrentSession) -> HTMLResponse:
    if not GUIDE.is_file():
        return render(request, "message.html", {"title": "Panduan belum tersedia",
                                                "text": "Berkas panduan staf tidak ada di server ini."},
                      status_code=404)
    return render(request, "guide.html", {"guide": _html(GUIDE, GUIDE.stat().st_mtime)})
