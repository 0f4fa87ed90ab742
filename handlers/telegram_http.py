"""python-telegram-bot's HTTP through aiohttp instead of its default httpx.

PTB lets an application bring its own networking by subclassing `telegram.request.BaseRequest`.
Every reply to a citizen is one Bot API call, and here a `sendMessage` through httpx costs about
1.0 ms of CPU against 0.18 ms through aiohttp (measured with bench/fake_botapi.py; aiohttp parses
HTTP in C). aiohttp is already installed for twilio's async client. Errors map to PTB's own:
timeouts to `TimedOut`, the rest to `NetworkError`, as PTB's `HTTPXRequest` does."""
from __future__ import annotations

from typing import Any

import aiohttp
from telegram._utils.defaultvalue import DefaultValue
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData

__all__ = ["AiohttpRequest"]


class AiohttpRequest(BaseRequest):
    def __init__(self, *, pool_size: int = 256, timeout: float = 15.0, media_timeout: float = 30.0) -> None:
        self._pool_size, self._timeout, self._media_timeout = pool_size, timeout, media_timeout
        self._session: aiohttp.ClientSession | None = None

    @property
    def read_timeout(self) -> float | None:
        return self._timeout

    async def initialize(self) -> None:
        if self._session is None or self._session.closed:  # made here: aiohttp wants a running loop
            self._session = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=self._pool_size),
                                                  timeout=aiohttp.ClientTimeout(total=self._timeout))

    async def shutdown(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()

    async def do_request(self, url: str, method: str, request_data: RequestData | None = None,
                         read_timeout: Any = BaseRequest.DEFAULT_NONE, write_timeout: Any = BaseRequest.DEFAULT_NONE,
                         connect_timeout: Any = BaseRequest.DEFAULT_NONE,
                         pool_timeout: Any = BaseRequest.DEFAULT_NONE) -> tuple[int, bytes]:
        if self._session is None or self._session.closed:
            await self.initialize()
        assert self._session is not None
        data: Any = None
        files = request_data is not None and request_data.contains_files
        if request_data is not None and files:
            form = aiohttp.FormData(request_data.json_parameters)
            for name, (filename, content, mime) in request_data.multipart_data.items():
                form.add_field(name, content, filename=filename, content_type=mime)
            data = form
        elif request_data is not None and request_data.json_parameters:
            data = request_data.json_parameters  # a form, like PTB's httpx request sends
        timeout = aiohttp.ClientTimeout(total=self._media_timeout if files else self._timeout,
                                        sock_read=_given(read_timeout), sock_connect=_given(connect_timeout))
        try:
            async with self._session.request(method, url, data=data, timeout=timeout,
                                             headers={"User-Agent": self.USER_AGENT}) as response:
                return response.status, await response.read()
        except TimeoutError as err:
            raise TimedOut from err
        except aiohttp.ClientError as err:
            raise NetworkError(f"aiohttp.{type(err).__name__}: {err}") from err


def _given(value: Any) -> float | None:
    """A timeout a Bot method call passed explicitly; None (the session's total applies) otherwise."""
    return None if isinstance(value, DefaultValue) or value is None else float(value)
