"""The page at ``/`` in a real browser (issue 15): Playwright for Python driving Debian's
``chromium`` (``/usr/bin/chromium``; Playwright never downloads a browser of its own), against
one real server over one demo year for all of them.

The server, one for all the tests here, is ``python -m api`` in dev mode on a free port (one
worker), over a fresh schema ``browser_<hex>`` of DATABASE_URL's database into which
``scripts/demo.py --years 1`` wrote the demo city first; its clock is a drill clock just after
the demo year, so what the dashboards show does not depend on the day the tests run. The
token is the one ``python -m api token p-mayor`` prints. At the end the server stops and the
schema is dropped.

Without ``/usr/bin/chromium`` the tests are skipped, saying what to install, unless
``GOVRULES_REQUIRE_BROWSER=1`` (``.ci/run`` sets it, after installing chromium): then they fail.
A browser that is there but cannot start fails them. Screenshots go to
``artifacts/screenshots/`` at the repository's root; the run ends by listing them."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest
from playwright.sync_api import Browser, ConsoleMessage, Error, Page, expect
from psycopg.sql import SQL, Identifier

from api.settings import load_settings
from projections.store import conninfo, parse_database_url
from tests.support.servers import ROOT, api_server, environment, free_port, tail

CHROMIUM = "/usr/bin/chromium"
SCREENSHOTS = ROOT / "artifacts" / "screenshots"
# Tue 2026-12-01 10:00 Shanghai: the working day after the demo year's last (it runs from Mon
# 2026-01-05 to Mon 2026-11-30), with the year's meetings, leaves, decisions and regulations
# behind it.
DRILL_CLOCK = "2026-12-01T10:00:00+08:00"
expect.set_options(timeout=15_000)  # a page over a year of events: more than the 5 s default

PANELS = (
    "summary",
    "countersigns",
    "supervision",
    "leaves",
    "meetings",
    "regulations",
    "decisions",
)


@pytest.fixture(scope="session", autouse=True)
def chromium() -> str:
    """Debian's chromium, or a clear reason why the browser tests do not run."""
    if not os.access(CHROMIUM, os.X_OK):
        reason = (
            f"the browser tests need Debian's chromium at {CHROMIUM}: "
            "apt-get install chromium fonts-noto-cjk"
        )
        if os.environ.get("GOVRULES_REQUIRE_BROWSER") == "1":
            pytest.fail(reason)
        pytest.skip(reason)
    return CHROMIUM


@dataclass(frozen=True)
class DemoServer:
    base: str
    token: str  # p-mayor's, as ``python -m api token p-mayor`` prints it
    log: Path
    env: dict[str, str]

    def token_for(self, person_id: str) -> str:
        return issue(self.env, person_id)


def issue(env: dict[str, str], person_id: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "api", "token", person_id],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


@pytest.fixture(scope="package")
def demo_server(
    database_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[DemoServer]:
    """``python -m api`` over a demo year in a schema of its own, shared by this package's
    tests and stopped after the last of them (the rest of the suite runs without it)."""
    schema = f"browser_{uuid.uuid4().hex[:12]}"
    logs = tmp_path_factory.mktemp("browser-server")
    settings = load_settings(
        DATABASE_URL=database_url,
        GOVRULES_SCHEMA=schema,
        GOVRULES_DEV=True,
        GOVRULES_JWT_SECRET=None,
        GOVRULES_DATA_DIR=str(logs / "data"),
    )
    dev = {
        "GOVRULES_DEV": "1",
        "GOVRULES_JWT_SECRET": "",
        "GOVRULES_TEST_CLOCK": DRILL_CLOCK,
        "GOVRULES_WORKERS": "1",
    }
    try:
        demo_log = logs / "demo.log"
        with demo_log.open("wb") as out:
            done = subprocess.run(
                [sys.executable, "scripts/demo.py", "--years", "1"],
                cwd=ROOT,
                env=environment(settings, free_port(), **dev),
                stdout=out,
                stderr=subprocess.STDOUT,
                timeout=600,
            )
        assert done.returncode == 0, f"scripts/demo.py failed:\n{tail(demo_log)}"
        log = logs / "api.log"
        with api_server(settings, log, **dev) as server:
            caught_up(server.base, log)
            env = environment(settings, int(server.base.rsplit(":", 1)[1]), **dev)
            yield DemoServer(server.base, issue(env, "p-mayor"), log, env)
    finally:
        with psycopg.connect(conninfo(parse_database_url(database_url)), autocommit=True) as c:
            c.execute(SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(Identifier(schema)))


def caught_up(base: str, log: Path) -> None:
    """Wait until every read model has caught up with the log: the server starts answering
    while its runners still read the demo year (and the ticker records what fell due), and a
    page drawn from half-read models would show (and screenshot) a city that never was."""
    deadline = time.monotonic() + 300
    health: dict[str, Any] = {}
    while time.monotonic() < deadline:
        health = httpx.get(f"{base}/health", timeout=10).json()
        head = health["store"]["position"]
        if all(p.get("position", -1) >= head for p in health["projections"]):
            return
        time.sleep(0.5)
    raise AssertionError(f"the read models did not catch up in 300 s: {health}\n{tail(log)}")


@pytest.fixture(scope="session")
def base_url() -> None:
    """pytest-playwright's ``base_url``: none, the tests give whole addresses (the demo server
    lives only as long as this package's tests, a session fixture cannot use it)."""
    return None


@pytest.fixture(scope="package")
def browser(launch_browser: Callable[[], Browser]) -> Iterator[Browser]:
    """pytest-playwright's browser, closed after this package's last test rather than at the
    end of the whole suite."""
    launched = launch_browser()
    yield launched
    launched.close()


@pytest.fixture(scope="session")
def browser_type_launch_args(
    browser_type_launch_args: dict[str, Any], chromium: str
) -> dict[str, Any]:
    """Debian's chromium, never a browser Playwright would download."""
    return {**browser_type_launch_args, "executable_path": chromium}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict[str, Any]) -> dict[str, Any]:
    return {
        **browser_context_args,
        "viewport": {"width": 1280, "height": 900},
        "locale": "zh-CN",
        "timezone_id": "Asia/Shanghai",
        "accept_downloads": True,
    }


@dataclass
class Console:
    """The console errors and uncaught exceptions of one page."""

    errors: list[str] = field(default_factory=list)

    def on_console(self, message: ConsoleMessage) -> None:
        if message.type == "error":
            self.errors.append(f"console: {message.text} ({message.location})")

    def on_page_error(self, error: Error) -> None:
        self.errors.append(f"page error: {error.message}\n{error.stack}")


@pytest.fixture
def console(page: Page) -> Console:
    """Collects what the page reports as errors; each test ends by asserting there are none."""
    seen = Console()
    page.on("console", seen.on_console)
    page.on("pageerror", seen.on_page_error)
    return seen


TAKEN: list[Path] = []


def screenshot(page: Page, name: str, **options: Any) -> Path:
    """A screenshot under ``artifacts/screenshots/``; the paths are listed at the end of the run."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), **options)
    TAKEN.append(path)
    return path


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if TAKEN:
        terminalreporter.section("screenshots of the page")
        for path in TAKEN:
            terminalreporter.line(str(path))
