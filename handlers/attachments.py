"""Keeping a file a citizen sent, the same on every channel: its type read from its first bytes
(what the channel or the sender claims does not count), then written to the attachment store."""
from __future__ import annotations

import asyncio
import logging

from conversations.model import Media
from storage.files import AttachmentStore, holds_active_content, sniff

__all__ = ["keep"]

log = logging.getLogger(__name__)


async def keep(attachments: AttachmentStore, data: bytes, *, channel: str) -> tuple[Media | None, str | None]:
    """The stored file as a `Media`, or why it was not kept: "bad_type" (not a photo or PDF, or one
    that is also HTML, script or an active PDF) or "not_saved" (our disk refused it, e.g. full: said
    now, since a redelivery would fail the same way)."""
    content_type = sniff(data[:16])
    if content_type is None or await asyncio.to_thread(holds_active_content, data, content_type):
        return None, "bad_type"
    try:
        key = await asyncio.to_thread(attachments.save, data, content_type)
    except OSError as exc:
        log.warning("%s: could not store an attachment (%s)", channel, exc.strerror or type(exc).__name__)
        return None, "not_saved"
    return Media(key=key, content_type=content_type, size=len(data)), None
