"""Attachment store: photos and documents citizens send, on disk under DATA_DIR/attachments.
Files are named by a random key, never by anything the sender chose; the type is decided by the
content, not by the name or the header the sender gave."""
from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

__all__ = ["ALLOWED_TYPES", "AttachmentStore", "sniff"]

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
