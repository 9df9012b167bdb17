"""Start-up configuration: a missing or wrong setting stops start-up with one clear line."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from api.settings import SettingsError, load_settings


def test_the_secret_is_required_outside_dev_mode():
    with pytest.raises(SettingsError) as info:
        load_settings(GOVRULES_JWT_SECRET=None, GOVRULES_DEV=False)
    assert "GOVRULES_JWT_SECRET is required" in str(info.value)
    assert "\n" not in str(info.value)


def test_a_short_secret_is_refused():
    with pytest.raises(SettingsError, match="at least 32 characters"):
        load_settings(GOVRULES_JWT_SECRET="short")


def test_a_bad_port_names_the_setting():
    with pytest.raises(SettingsError, match="GOVRULES_PORT"):
        load_settings(GOVRULES_DEV=True, GOVRULES_PORT=70000)


def test_dev_mode_uses_the_announced_dev_secret():
    settings = load_settings(GOVRULES_DEV=True, GOVRULES_JWT_SECRET=None)
    assert settings.secret and len(settings.secret) >= 32


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({"GOVRULES_JWT_SECRET": ""}, "GOVRULES_JWT_SECRET is required"),
        ({"GOVRULES_DEV": "1", "GOVRULES_ROLE": "worker"}, "GOVRULES_ROLE"),
        (
            {"GOVRULES_DEV": "1", "DATABASE_URL": "mysql://x/y"},
            "DATABASE_URL must start with postgresql://",
        ),
        ({"GOVRULES_DEV": "1", "GOVRULES_TEST_CLOCK": "tomorrow"}, "GOVRULES_TEST_CLOCK"),
        (
            {"GOVRULES_DEV": "1", "DATABASE_URL": "postgresql://postgres@127.0.0.1:1/x"},
            "govrules could not start: OperationalError",
        ),
    ],
)
def test_python_m_api_stops_with_one_line(env, expected):
    clean = {k: v for k, v in os.environ.items() if not k.startswith("GOVRULES_")}
    clean.pop("DATABASE_URL", None)
    result = subprocess.run(
        [sys.executable, "-m", "api"],
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert expected in lines[0]
    assert "Traceback" not in result.stderr
