"""`python -m bot serve --workers 2` with PROMETHEUS_MULTIPROC_DIR: two real uvicorn worker
processes share the port, both handle chat turns, and /metrics (whichever process answers it) counts
every turn of both."""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
from prometheus_client import CollectorRegistry
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.parser import text_string_to_metric_families

from tests.conftest import REDIS_URL

ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _turns(families) -> float:
    return sum(s.value for f in families for s in f.samples if s.name == "layanan_turns_total")


def _turns_by_process(metrics_dir: Path, tmp_path: Path) -> dict[str, float]:
    """Each process's own turns, read from its own file in the multiprocess directory."""
    found = {}
    for file in metrics_dir.glob("counter_*.db"):
        alone = tmp_path / f"one-{file.stem}"
        alone.mkdir(exist_ok=True)
        shutil.copy(file, alone / file.name)
        registry = CollectorRegistry()
        MultiProcessCollector(registry, path=str(alone))
        found[file.stem.removeprefix("counter_")] = _turns(registry.collect())
    return found


def _chat(base: str, n: int) -> None:
    # a new connection per request, so that the kernel hands them to either process
    r = httpx.post(f"{base}/api/chat", json={"user": f"web-proc-{n % 7}", "text": "halo"}, timeout=30)
    assert r.status_code == 200, r.text


def _server(env: dict[str, str], tmp_path: Path, *args: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "bot", "serve", *args], cwd=tmp_path, env=env,
                            stdout=subprocess.DEVNULL, stderr=(tmp_path / "serve.log").open("ab"))


def wait_healthy(server: subprocess.Popen, base: str, log: Path) -> None:
    """Until the server answers /healthz (60 s at most); its log's tail if it died or never did."""
    deadline = time.monotonic() + 60
    while True:
        assert server.poll() is None and time.monotonic() < deadline, log.read_text(errors="replace")[-3000:]
        try:
            if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            time.sleep(0.2)


def _env(db_url: str, tmp_path: Path, **extra: str) -> dict[str, str]:
    return {"PATH": os.environ["PATH"], "PYTHONPATH": str(ROOT), "DATABASE_URL": db_url, "DATA_DIR": str(tmp_path),
            "SECRET_KEY": "k" * 40, "REDIS_URL": REDIS_URL, **extra}


def test_two_web_processes_and_metrics_show_the_sum(db_url, tmp_path, request):
    if REDIS_URL:
        request.getfixturevalue("redis_url")  # an empty Redis
    metrics_dir = tmp_path / "metrics"
    metrics_dir.mkdir()
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    env = _env(db_url, tmp_path, PROMETHEUS_MULTIPROC_DIR=str(metrics_dir), WORKER_IN_PROCESS="false",
               PUBLIC_BASE_URL=base)
    server = _server(env, tmp_path, "--port", str(port), "--workers", "2")
    try:
        wait_healthy(server, base, tmp_path / "serve.log")
        sent = 0
        with ThreadPoolExecutor(8) as pool:
            while True:  # until both processes have handled turns (the kernel shares connections out)
                list(pool.map(lambda n: _chat(base, n), range(sent, sent + 16)))
                sent += 16
                per_process = _turns_by_process(metrics_dir, tmp_path)
                if sum(1 for n in per_process.values() if n > 0) >= 2 or sent >= 320:
                    break
        assert sorted(n > 0 for n in per_process.values()).count(True) == 2, (per_process, sent)
        assert sum(per_process.values()) == sent
        for _ in range(6):  # whichever process answers the scrape, it reports the sum of both
            body = httpx.get(f"{base}/metrics", timeout=10).text
            assert _turns(text_string_to_metric_families(body)) == sent
            assert "layanan_outbox_depth_ok 1.0" in body
    finally:
        server.terminate()
        server.wait(30)


def test_several_workers_refuse_to_multiply_the_send_rate(sqlite_url, tmp_path):
    """With the in-process outbox worker and no Redis, each process would send at the full rate."""
    env = _env(sqlite_url, tmp_path, REDIS_URL="", WORKER_IN_PROCESS="true")
    r = subprocess.run([sys.executable, "-m", "bot", "serve", "--workers", "2"], cwd=tmp_path, env=env,
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 2 and "WORKER_IN_PROCESS=false" in r.stderr and r.stderr.count("\n") == 1


def test_a_worker_can_serve_its_own_metrics(sqlite_url, tmp_path):
    """A machine with only outbox workers: Prometheus scrapes `worker --metrics-port` directly."""
    port = _free_port()
    worker = subprocess.Popen([sys.executable, "-m", "bot", "worker", "--metrics-port", str(port)], cwd=tmp_path,
                              env=_env(sqlite_url, tmp_path, REDIS_URL=""), stdout=subprocess.DEVNULL,
                              stderr=(tmp_path / "worker.log").open("ab"))
    try:
        deadline, body = time.monotonic() + 60, ""
        while "layanan_outbox_total" not in body:
            assert worker.poll() is None and time.monotonic() < deadline, (tmp_path / "worker.log").read_text()
            try:
                body = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=2).text
            except httpx.HTTPError:
                time.sleep(0.2)
        assert "# TYPE layanan_outbox_total counter" in body
    finally:
        worker.terminate()
        worker.wait(30)
