"""The public archive of announcements: `GET /pengumuman` (a readable page) and
`GET /pengumuman/feed.xml` (Atom), so the regency's website and news channels can pick them up.
Only what was sent to everyone is shown; no personal data is involved."""
from __future__ import annotations

from html import escape
from xml.sax.saxutils import escape as xml_escape
from xml.sax.saxutils import quoteattr

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from bot.web import landing

__all__ = ["router"]

router = APIRouter(include_in_schema=False)
_MONTHS = ("Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus", "September", "Oktober",
           "November", "Desember")
_PAGE = """<!DOCTYPE html>
<html lang="id"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Pengumuman Pemkab OKI</title><link rel="alternate" type="application/atom+xml" href="/pengumuman/feed.xml">
<link rel="stylesheet" href="/static/pengumuman.css"></head>
<body><h1>Pengumuman Pemerintah Kabupaten Ogan Komering Ilir</h1>
<p>Terima pengumuman lewat WhatsApp atau Telegram: kirim LANGGANAN ke Layanan OKI.
<a href="/pengumuman/feed.xml">Atom</a></p>
{items}</body></html>"""


async def _latest(request: Request):
    return await request.app.state.runtime.broadcasts.latest(limit=50)


@router.get("/pengumuman", response_class=HTMLResponse)
async def archive(request: Request) -> HTMLResponse:
    items = []
    for row in await _latest(request):
        when = row.sent_at
        link = f'<p><a href="{escape(row.link)}" rel="nofollow">{escape(row.link)}</a></p>' if row.link else ""
        items.append(f'<article id="p{row.id}"><h2>{escape(row.title)}</h2>'
                     f'<time datetime="{when.isoformat()}">{when.day} {_MONTHS[when.month - 1]} {when.year}</time>'
                     f"<p>{escape(row.body)}</p>{link}</article>")
    return HTMLResponse(_PAGE.format(items="\n".join(items) or "<p>Belum ada pengumuman.</p>"))


def _entry(base: str, row) -> str:
    href = quoteattr(row.link or f"{base}/pengumuman#p{row.id}")
    return (f"<entry><id>{base}/pengumuman#p{row.id}</id><title>{xml_escape(row.title)}</title>"
            f"<updated>{row.sent_at.isoformat()}</updated><link href={href}/>"
            f'<content type="text">{xml_escape(row.body)}</content></entry>')


@router.get("/pengumuman/feed.xml")
async def feed(request: Request) -> Response:
    base = request.app.state.runtime.settings.public_base_url
    rows = await _latest(request)
    updated = rows[0].sent_at.isoformat() if rows else "1970-01-01T00:00:00+00:00"
    entries = "".join(_entry(base, r) for r in rows)
    xml = (f'<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
           f"<id>{base}/pengumuman</id><title>Pengumuman Pemkab OKI</title><updated>{updated}</updated>"
           f'<link rel="self" href="{base}/pengumuman/feed.xml"/><link href="{base}/pengumuman"/>'
           f"<author><name>Pemerintah Kabupaten Ogan Komering Ilir</name></author>{entries}</feed>")
    return Response(xml, media_type="application/atom+xml")


router.include_router(landing.router)
