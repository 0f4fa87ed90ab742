"""The real processes of the fault tests and what they need: a private Redis, a private
PostgreSQL cluster, `python -m bot serve`, and a small disk. The fixtures that start and stop them
are in conftest.py."""
from __future__ import annotations

import glob
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.conftest import IN_CI

__all__ = ["PostgresCluster", "PostgresDatabase", "RedisServer", "Server", "SmallDisk", "missing", "pg_bindir",
           "wait_until"]

ROOT = Path(__file__).resolve().parents[2]


def missing(what: str) -> None:
    """A tool this machine lacks: skip on a laptop, fail in CI (which must run every test)."""
    if IN_CI:
        pytest.fail(f"{what}: the fault tests need it in CI")
    pytest.skip(f"{what}: the fault tests need it (they run in CI)")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until(condition: Callable[[], object], timeout: float, what: str, log: Path | None = None) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            tail = log.read_text(errors="replace")[-3000:] if log and log.exists() else ""
            raise AssertionError(f"timed out waiting for {what}\n{tail}")
        time.sleep(0.05)


def _accepts(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
        return True
    except OSError:
        return False


# --- Redis ---

class RedisServer:
    """A private redis-server with the append-only file on and `appendfsync always`, as
    docs/operations.md recommends: Redis writes and syncs each change to the file before it answers,
    so what a client was told is stored survives a kill -9 of Redis. (With the default `everysec`, a
    slow fsync makes Redis hold its writes for up to two seconds while it goes on answering: a kill
    then loses what it had acknowledged, such as the release of a contact's lock.)"""

    def __init__(self, workdir: Path) -> None:
        self.dir, self.port = workdir, free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self._proc: subprocess.Popen | None = None

    def start(self) -> None:
        self._proc = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "yes",
             "--appendfsync", "always", "--dir", str(self.dir), "--logfile", str(self.dir / "redis.log")],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_until(self._pong, 15, "redis-server", self.dir / "redis.log")

    def kill(self) -> None:
        """SIGKILL: no shutdown save, no goodbye to the clients."""
        if self._proc is not None:
            self._proc.send_signal(signal.SIGKILL)
            self._proc.wait(10)
            self._proc = None

    def _pong(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as s:
                s.sendall(b"PING\r\n")
                return s.recv(16).startswith(b"+PONG")
        except OSError:
            return False


# --- PostgreSQL ---

def pg_bindir() -> Path | None:
    found = shutil.which("pg_config")
    candidates = [subprocess.run([found, "--bindir"], capture_output=True, text=True).stdout.strip()] if found else []
    candidates += sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True)
    for candidate in candidates:
        if candidate and (Path(candidate) / "initdb").exists() and (Path(candidate) / "pg_ctl").exists():
            return Path(candidate)
    return None


class PostgresCluster:
    """A throwaway cluster: initdb in a temporary directory, trust authentication, listening on
    127.0.0.1 at a free port with its socket in that directory. PostgreSQL refuses to run as root,
    so as root it runs as the `postgres` OS user."""

    def __init__(self, bindir: Path) -> None:
        # not under pytest's tmp_path: that is private to root, and the server may be another user
        self.root = Path(tempfile.mkdtemp(prefix="layanan-faults-pg-"))
        self.data, self.port, self.bindir = self.root / "data", free_port(), bindir
        self.as_user = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        if self.as_user:
            shutil.chown(self.root, "postgres", "postgres")
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync")

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+asyncpg://postgres@127.0.0.1:{self.port}/{database}"

    def _run(self, tool: str, *args: str) -> None:
        r = subprocess.run([*self.as_user, str(self.bindir / tool), *args], capture_output=True, text=True, timeout=120)
        assert r.returncode == 0, f"{tool} failed:\n{r.stdout}\n{r.stderr}"

    def start(self) -> None:
        options = f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c max_connections=300"
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.root / "postgres.log"), "-o", options, "-w", "start")

    def stop(self, mode: str = "fast") -> None:
        """`immediate` is a crash as far as the data is concerned: no checkpoint, WAL replay at the
        next start; `fast` is what `systemctl restart postgresql` does."""
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "stop")

    @property
    def running(self) -> bool:
        return (self.data / "postmaster.pid").exists()

    def psql(self, sql: str, database: str = "postgres") -> str:
        r = subprocess.run([*self.as_user, str(self.bindir / "psql"), "-h", str(self.root), "-p", str(self.port), "-U",
                            "postgres", "-d", database, "-XAtqc", sql], capture_output=True, text=True, timeout=60)
        assert r.returncode == 0, r.stderr
        return r.stdout.strip()

    def remove(self) -> None:
        if self.running:
            self.stop("immediate")
        shutil.rmtree(self.root, ignore_errors=True)


@dataclass
class PostgresDatabase:
    """A fresh, migrated database of the private cluster, for one test."""

    cluster: PostgresCluster
    name: str

    @property
    def url(self) -> str:
        return self.cluster.url(self.name)

    @contextmanager
    def table_locked(self, table: str) -> Iterator[None]:
        """Hold ACCESS EXCLUSIVE on a table from another session (psql, kept open) until the block
        ends: every query of the server that reads the table waits, in the middle of its turn."""
        cluster = self.cluster
        session = subprocess.Popen(
            [*cluster.as_user, str(cluster.bindir / "psql"), "-h", str(cluster.root), "-p", str(cluster.port),
             "-U", "postgres", "-d", self.name, "-Xq"],
            stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, text=True)
        session.stdin.write(f"BEGIN;\nLOCK TABLE {table} IN ACCESS EXCLUSIVE MODE;\n")
        session.stdin.flush()
        held = ("SELECT count(*) FROM pg_locks WHERE granted AND mode = 'AccessExclusiveLock' "
                f"AND relation = '{table}'::regclass")
        try:
            wait_until(lambda: cluster.psql(held, self.name) == "1", 15, f"the lock on {table}")
            yield
        finally:
            session.communicate("COMMIT;\n", timeout=15)

    def waiting(self) -> int:
        """How many lock requests wait in this database right now."""
        return int(self.cluster.psql("SELECT count(*) FROM pg_locks l JOIN pg_database d ON d.oid = l.database "
                                     f"WHERE NOT l.granted AND d.datname = '{self.name}'", self.name))


# --- the attachment disk ---

class SmallDisk:
    """A tmpfs of `size` mounted where the server keeps attachments (DATA_DIR/attachments): a real
    filesystem that really runs out of space, so writes fail with ENOSPC as on a full disk."""

    def __init__(self, mountpoint: Path, size: str = "256k") -> None:
        self.path = mountpoint
        mountpoint.mkdir(parents=True)
        r = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size},mode=0755", "layanan-faults", str(mountpoint)],
                           capture_output=True, text=True)
        if r.returncode != 0:
            missing(f"mounting a tmpfs is not permitted here ({r.stderr.strip() or r.returncode}); it needs root "
                    "with CAP_SYS_ADMIN")
        self._filler = mountpoint / "filler"

    def fill(self) -> None:
        """Take every free byte, as a disk filling up with other files would."""
        chunk = b"\0" * 65536
        with open(self._filler, "ab", buffering=0) as f:
            try:
                while True:
                    f.write(chunk)
            except OSError:
                pass
        assert os.statvfs(self.path).f_bavail == 0

    def free(self) -> None:
        self._filler.unlink()

    def files(self) -> list[str]:
        """What the server stored, half-written files included."""
        return sorted(p.relative_to(self.path).as_posix() for p in self.path.rglob("*")
                      if p.is_file() and p != self._filler)

    def unmount(self) -> None:
        subprocess.run(["umount", "--lazy", str(self.path)], check=True)


# --- the server ---

class Server:
    """`python -m bot serve --host 127.0.0.1 --port N` with the environment given; its log in
    `log`. The database must already be migrated (serve refuses otherwise)."""

    def __init__(self, env: dict[str, str], workdir: Path) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.env = {"PATH": os.environ["PATH"], "PYTHONPATH": str(ROOT), "SECRET_KEY": "k" * 40,
                    "PUBLIC_BASE_URL": self.base, "WORKER_IN_PROCESS": "false", "BROADCAST_QUIET_HOURS": "",
                    **env}
        self.workdir, self.log = workdir, workdir / "serve.log"
        self._proc: subprocess.Popen | None = None

    def start(self) -> Server:
        self._proc = subprocess.Popen(
            [sys.executable, "-m", "bot", "serve", "--host", "127.0.0.1", "--port", str(self.port)],
            cwd=self.workdir, env=self.env, stdout=subprocess.DEVNULL, stderr=self.log.open("ab"))

        def up() -> bool:
            assert self._proc is not None and self._proc.poll() is None, self.log.read_text(errors="replace")[-3000:]
            return _accepts(self.port) and httpx.get(f"{self.base}/healthz", timeout=2).status_code == 200

        wait_until(up, 60, "the server", self.log)
        return self

    def kill(self) -> None:
        if self._proc is not None:
            self._proc.send_signal(signal.SIGKILL)
            self._proc.wait(10)
            self._proc = None

    def stop(self) -> None:
        if self._proc is not None:
            self._proc.terminate()
            try:
                self._proc.wait(30)
            except subprocess.TimeoutExpired:
                self.kill()
            self._proc = None

    def ready(self) -> httpx.Response:
        return httpx.get(f"{self.base}/readyz", timeout=10)
