"""A first start (issue 15): ``python -m api`` ends its start-up with the address to open (in
dev mode with a token in the fragment) and a token command that works as printed."""

from __future__ import annotations

import os
import subprocess
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx
import jwt
import pytest

from api.__main__ import catching_up, ready_lines
from api.main import READY_PROBE
from api.settings import Settings, load_settings
from tests.support.servers import ROOT, api_server, tail

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def _fragment_token(lines: str) -> str:
    [address] = [line.strip() for line in lines.splitlines() if "#token=" in line]
    return address.split("#token=", 1)[1]


def test_dev_mode_ends_with_an_address_holding_a_token_and_the_token_command():
    settings = load_settings(GOVRULES_DEV=True, GOVRULES_JWT_SECRET=None, GOVRULES_PORT=8000)
    lines = ready_lines(settings, NOW)
    assert lines.splitlines()[-1].endswith("scripts/token p-mayor")
    address = [line.strip() for line in lines.splitlines() if "#token=" in line]
    assert address[0].startswith("http://127.0.0.1:8000/#token=")
    claims = jwt.decode(
        _fragment_token(lines),
        settings.secret,
        algorithms=["HS256"],
        options={"verify_exp": False, "verify_iat": False},
    )
    assert claims["sub"] == "p-admin"


def test_outside_dev_mode_no_token_is_printed():
    settings = load_settings(GOVRULES_JWT_SECRET="s" * 40, GOVRULES_HOST="0.0.0.0")
    lines = ready_lines(settings, NOW)
    assert "#token=" not in lines and "eyJ" not in lines
    assert "  http://127.0.0.1:8000/" in lines.splitlines()
    assert lines.splitlines()[-1].endswith("scripts/token PERSON_ID")


def test_the_server_prints_the_address_last_once_it_answers(settings: Settings, tmp_path: Path):
    log = tmp_path / "api.log"
    with api_server(settings, log, GOVRULES_DEV="1", GOVRULES_JWT_SECRET="") as server:
        for _ in range(300):  # the ready lines follow /health from a thread of the server
            if "scripts/token p-mayor" in log.read_text(errors="replace"):
                break
            time.sleep(0.1)
        # the test's own /health polls (wait_healthy) may be logged after the ready lines
        lines = [
            line
            for line in log.read_text().splitlines()
            if line.strip() and '"GET /health HTTP/1.1"' not in line
        ]
        assert lines[-1] == "A token for someone else: scripts/token p-mayor", tail(log)
        assert READY_PROBE not in log.read_text()  # its own polls make no access-log lines
        token = _fragment_token("\n".join(lines[-4:]))
        r = httpx.get(f"{server.base}/roster", headers={"Authorization": f"Bearer {token}"})
        assert r.status_code == 200, r.text


@pytest.mark.skipif(
    not (ROOT / ".venv/bin/python").exists(), reason="scripts/token runs the project's .venv"
)
def test_the_printed_token_command_works_as_printed():
    env = {k: v for k, v in os.environ.items() if not k.startswith("GOVRULES_")}
    done = subprocess.run(
        [str(ROOT / "scripts/token"), "p-mayor"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    secret = load_settings(GOVRULES_DEV=True, GOVRULES_JWT_SECRET=None).secret
    claims = jwt.decode(done.stdout.strip(), secret, algorithms=["HS256"])
    assert claims["sub"] == "p-mayor"


def test_the_address_waits_for_running_read_models_not_for_a_stopped_one():
    def health(*models: tuple[str, int]) -> dict[str, object]:
        return {"projections": [{"state": state, "lag": lag} for state, lag in models]}

    assert catching_up(health(("running", 0), ("running", 1200)))
    assert not catching_up(health(("running", 0), ("running", 0)))
    assert not catching_up(health(("running", 0), ("failed", 35)))  # /health says why
    assert not catching_up({"status": "degraded"})
