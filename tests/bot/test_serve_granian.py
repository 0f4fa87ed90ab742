"""`python -m bot serve --server granian`: the same app under granian (measured faster in
docs/benchmarks.md) answers chat turns with its security headers, and SIGTERM ends it and its worker
processes, freeing the port."""
from __future__ import annotations

import signal
import socket
import time

import httpx

from tests.bot.test_serve_workers import _env, _free_port, _server, wait_healthy


def _port_free(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) != 0


def test_granian_serves_the_chat_and_stops_on_sigterm(sqlite_url, tmp_path):
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    server = _server(_env(sqlite_url, tmp_path, REDIS_URL="", PUBLIC_BASE_URL=base), tmp_path,
                     "--server", "granian", "--port", str(port))
    try:
        wait_healthy(server, base, tmp_path / "serve.log")
        r = httpx.post(f"{base}/api/chat", json={"user": "granian-1", "text": "halo"}, timeout=30)
        assert r.status_code == 200 and r.json()["replies"], r.text
        assert "Layanan OKI" in " ".join(reply["text"] for reply in r.json()["replies"])
        assert r.headers["x-content-type-options"] == "nosniff"
    finally:
        server.send_signal(signal.SIGTERM)
        assert server.wait(30) == 0 or server.returncode == -signal.SIGTERM
    deadline = time.monotonic() + 15
    while not _port_free(port):  # the worker processes went with it
        assert time.monotonic() < deadline, "the port is still taken after SIGTERM"
        time.sleep(0.2)
