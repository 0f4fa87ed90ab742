"""Attachment store: photos and documents citizens send, on disk under DATA_DIR/attachments.
Files are named by a random key, never by anything the sender chose; the type is decided by the
content, not by the name or the header the sender gave."""
from __future__ import annotations

import os
import re
import secrets
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

__all__ = ["ALLOWED_TYPES", "AttachmentStore", "holds_active_content", "sniff"]

ALLOWED_TYPES = ("image/jpeg", "image/png", "image/webp", "application/pdf")


def sniff(head: bytes) -> str | None:
    """The type of a file from its first bytes, for the types we accept; None for anything else."""
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    return None


# markup a browser would run if it ever took the file for a page (a tag name ends at a space, / or >,
# which also keeps chance matches in compressed image data rare)
_MARKUP = re.compile(rb"<(?:script|html|iframe|svg|body)[\s/>]|<!doctype\s+html|javascript:", re.IGNORECASE)
# a PDF's own scripts and actions run on opening: names end at anything but a regular character
_PDF_ACTIVE = re.compile(rb"/(?:JavaScript|JS|OpenAction|Launch|AA)(?![A-Za-z0-9#])")
_PDF_NAME_ESCAPE = re.compile(rb"#([0-9A-Fa-f]{2})")


def holds_active_content(data: bytes, content_type: str) -> bool:
    """Whether a file of an accepted type is also something that runs: HTML or script anywhere in it
    (a polyglot: JPEG or PDF magic followed by `<script>`), or, in a PDF, JavaScript or an automatic
    action (`/JS`, `/OpenAction`, `/Launch`, `/AA`, also written with `#xx` escapes)."""
    if _MARKUP.search(data):
        return True
    if content_type != "application/pdf":
        return False
    return bool(_PDF_ACTIVE.search(data) or (b"#" in data and _PDF_ACTIVE.search(
        _PDF_NAME_ESCAPE.sub(lambda m: bytes([int(m[1], 16)]), data))))


_EXT = {"image/jpeg": "jpg", "image/png": "png", "image/webp": "webp", "application/pdf": "pdf"}


class AttachmentStore:
    def __init__(self, root: Path) -> None:
        self._root = root

    def save(self, data: bytes, content_type: str) -> str:
        """Write the file and return its key (a path relative to the store's root). Raises OSError
        when it cannot be written (a full disk: ENOSPC), leaving no half-written file behind."""
        now = datetime.now(UTC)
        key = f"{now:%Y/%m}/{secrets.token_hex(16)}.{_EXT[content_type]}"
        path = self._root / key
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".part")
        try:
            with open(tmp, "wb") as f:
                f.write(data)
                f.flush()
                os.fsync(f.fileno())
            tmp.rename(path)
        except OSError:
            tmp.unlink(missing_ok=True)
            raise
        return key

    def path(self, key: str) -> Path:
        resolved = (self._root / key).resolve()
        if self._root.resolve() not in resolved.parents:
            raise ValueError("key outside the attachment store")
        return resolved

    def delete(self, key: str) -> bool:
        """Remove a stored file; False when it was already gone."""
        try:
            self.path(key).unlink()
        except FileNotFoundError:
            return False
        return True

    def files(self) -> Iterator[tuple[str, float]]:
        """Every stored file (half-written `.part` files too) as (key, modification time)."""
        if not self._root.exists():
            return
        for path in self._root.rglob("*"):
            if path.is_file():
                yield path.relative_to(self._root).as_posix(), path.stat().st_mtime

    def prune(self) -> None:
        """Remove the folders that deleting files left empty, except this month's (`save` may be
        about to write into it)."""
        if not self._root.exists():
            return
        current = f"{datetime.now(UTC):%Y/%m}"
        for path in sorted((p for p in self._root.rglob("*") if p.is_dir()), key=lambda p: len(p.parts),
                           reverse=True):
            rel = path.relative_to(self._root).as_posix()
            if rel != current and not current.startswith(rel + "/") and not any(path.iterdir()):
                path.rmdir()
