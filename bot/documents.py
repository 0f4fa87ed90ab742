"""How a file a citizen sent (a photo, a PDF) is served to staff, by the staff API and the admin
pages alike: never as a page of this site. It goes out with the type sniffed when it was kept,
`nosniff`, a sandboxing Content-Security-Policy (`DOCUMENT_POLICY`: nothing loads, nothing runs,
even if a browser took it for HTML), no caching, and as a download (`attachment`) under a name
made of the report's reference and the document's kind. Only images may be `inline`, for the
admin report page's <img> previews and their links."""
from __future__ import annotations

import re
from pathlib import Path

from fastapi.responses import FileResponse

from bot.security import NONE_POLICY

__all__ = ["DOCUMENT_POLICY", "document_response"]

DOCUMENT_POLICY = NONE_POLICY + "; sandbox"
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]")


def document_response(path: Path, *, media_type: str, filename: str, inline: bool = False) -> FileResponse:
    """The file at `path` as above; `filename` keeps only letters, digits, `.`, `-` and `_`."""
    safe = _UNSAFE.sub("_", filename)[:100] or "dokumen"
    return FileResponse(path, media_type=media_type, filename=safe,
                        content_disposition_type="inline" if inline and media_type.startswith("image/")
                        else "attachment",
                        headers={"Cache-Control": "private, no-store", "Content-Security-Policy": DOCUMENT_POLICY,
                                 "X-Content-Type-Options": "nosniff"})
