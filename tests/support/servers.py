"""Real server processes for the tests that need them (reliability, streams, the CLI): the API
as ``python -m api`` and the runners as ``python -m projections`` on 127.0.0.1, each with its
output in a log file, stopped with SIGTERM (SIGKILL if it lingers)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from api.settings import Settings
from tests.support.http import SECRET, START

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def environment(settings: Settings, port: int, **extra: str) -> dict[str, str]:
    """The settings of a test's store for a child process (the API's role is ``api``: the
    runners run in their own process, or the test starts them)."""
    return {
        **os.environ,
        "DATABASE_URL": settings.database_url or "",
        "GOVRULES_SCHEMA": settings.schema_name,
        "GOVRULES_JWT_SECRET": SECRET,
        "GOVRULES_TEST_CLOCK": START,
        "GOVRULES_DATA_DIR": str(settings.data_dir),
        "GOVRULES_HOST": "127.0.0.1",
        "GOVRULES_PORT": str(port),
        "GOVRULES_ROLE": "api",
        "PYTHONPATH": str(ROOT),
        "PYTHONUNBUFFERED": "1",
        **extra,
    }


@contextmanager
def process(
    command: list[str], env: dict[str, str], log: Path
) -> Iterator[subprocess.Popen[bytes]]:
    """A child process, its output in ``log``; SIGTERM at the end, SIGKILL if it lingers."""
    with log.open("wb") as out:
        child = subprocess.Popen(command, env=env, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT)
        try:
            yield child
        finally:
            if child.poll() is None:
                child.send_signal(signal.SIGTERM)
                try:
                    child.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    child.kill()
                    child.wait()


def tail(log: Path, chars: int = 3000) -> str:
    return log.read_text(errors="replace")[-chars:] if log.exists() else ""


def wait_healthy(base: str, server: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        assert server.poll() is None, f"the API exited ({server.returncode}):\n{tail(log)}"
        try:
            if httpx.get(f"{base}/health", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise AssertionError(f"the API did not answer /health within 30 s:\n{tail(log)}")


@dataclass
class Server:
    base: str
    process: subprocess.Popen[bytes]
    log: Path


@contextmanager
def api_server(settings: Settings, log: Path, **extra: str) -> Iterator[Server]:
    """``python -m api`` on a free port of 127.0.0.1 (role ``all`` unless ``extra`` says
    otherwise: its own runners and ticker), healthy before it is handed over."""
    port = free_port()
    env = environment(settings, port, **{"GOVRULES_ROLE": "all", **extra})
    with process([sys.executable, "-m", "api"], env, log) as child:
        base = f"http://127.0.0.1:{port}"
        wait_healthy(base, child, log)
        yield Server(base, child, log)
