"""The live inbox's channel: one poller per process, however many inboxes are open.

`InboxLive` reads `Tickets.latest_change()` (two indexed MAX queries) every `interval` seconds while
at least one client is connected, and wakes every waiting client when the number moved: a new
ticket, a message, a note, an assignment, a close, whichever process or worker wrote it, since the
number lives in the shared database. Idle ticks cost no query per client. On a change each client
needs the waiting count of its own area for the menu's counter; `shared` computes it once per
change and area, however many clients of that area wait.

The poller starts with the first client and ends a tick after the last one leaves, so a process
with no inbox open polls nothing. Each stream ends after `stream_seconds` (the browser's EventSource
reconnects by itself, and the session is checked again on the way)."""
from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Hashable

__all__ = ["InboxLive"]

log = logging.getLogger(__name__)


class InboxLive:
    def __init__(self, latest: Callable[[], Awaitable[int]], *, interval: float = 0.5,
                 stream_seconds: float = 300.0) -> None:
        self._latest, self.interval, self.stream_seconds = latest, interval, stream_seconds
        self.version: int | None = None
        self.clients = 0
        self._changed: asyncio.Event | None = None
        self._task: asyncio.Task | None = None
        self._shared: dict[Hashable, tuple[int | None, asyncio.Future]] = {}

    @contextlib.asynccontextmanager
    async def client(self):
        """While a stream is open: counted, and the poller running."""
        self.clients += 1
        try:
            if self._task is None or self._task.done():
                if self.version is None:
                    self.version = await self._read()
                self._task = asyncio.create_task(self._poll(), name="inbox-live-poller")
            yield self
        finally:
            self.clients -= 1

    async def wait(self, seen: int | None, seconds: float) -> int | None:
        """The new version once it differs from `seen`, or None after `seconds`."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + seconds
        while self.version == seen:
            left = deadline - loop.time()
            if left <= 0:
                return None
            event = self._event()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(event.wait(), left)
        return self.version

    async def shared(self, key: Hashable, compute: Callable[[], Awaitable[int]]) -> int:
        """`compute()` once per version and key, shared by every client asking meanwhile."""
        version = self.version
        known = self._shared.get(key)
        if known is None or known[0] != version:
            future = asyncio.ensure_future(compute())
            self._shared[key] = (version, future)
            if len(self._shared) > 1000:  # areas that nobody watches any more
                self._shared = {key: (version, future)}
            known = (version, future)
        return await asyncio.shield(known[1])

    def _event(self) -> asyncio.Event:
        if self._changed is None:
            self._changed = asyncio.Event()
        return self._changed

    async def _read(self) -> int | None:
        try:
            return await self._latest()
        except Exception as exc:  # the database away for a moment: keep the last number, try again
            log.warning("inbox live: cannot read the latest change (%s)", type(exc).__name__)
            return self.version

    async def _poll(self) -> None:
        while self.clients > 0:
            await asyncio.sleep(self.interval)
            version = await self._read()
            if version != self.version:
                self.version = version
                event, self._changed = self._event(), asyncio.Event()
                event.set()  # every waiting client wakes; later waits use the new event
