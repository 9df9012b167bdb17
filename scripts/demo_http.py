"""``scripts/demo --url URL --token T``: the demo city sent through a running server's HTTP API.

The generator (``scripts.city``) runs as in-process, against a private in-memory application
with the same roster file (GOVRULES_BOOTSTRAP_ROSTER), reading its own state back as it always
does; every command it runs there is then sent to the server as any client sends it:

- to the route the API made for that command class (``api.writes.COMMAND_ROUTES``, filled by
  the same ``add_command`` that builds the API), its fields as path and body;
- by the person the city has act, with a token signed for them with the server's secret
  (GOVRULES_JWT_SECRET, or the dev secret with GOVRULES_DEV=1), as ``scripts/token`` signs one;
- at the city's moment: the server's drill clock (GOVRULES_TEST_CLOCK) is moved there first with
  ``POST /_clock {"now": T, "hold": true}`` (held there, not running on with real time: every
  act of that moment is stamped at it, as in-process — a leave reported exactly a day ahead is
  a day ahead), which only a system administrator may do — ``--token`` is that
  administrator's token. At the end the clock is released (it runs on from the last moment).

Ids the server makes (documents, meetings, topics, …) differ from the local ones: each answer is
compared with the local application's answer to the same command and the new ids are mapped, so
later commands name the server's resources.

Before anything is written the server is checked: it answers /health, runs a drill clock that is
not yet past the city's start (Mon 2026-01-05 09:00 Shanghai: e.g. started with
GOVRULES_TEST_CLOCK=2026-01-05T08:00:00+08:00), ``--token``
may move it, tokens signed with the secret are accepted, and its log holds nothing beyond the
roster (unless ``--force``; ``--if-empty``: leave it quietly). A server that refuses a command
the local application accepted stops the run with one line naming the command and the refusal.
"""

from __future__ import annotations

import json
import re
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import orjson

from api.auth import issue_token
from api.main import ROUTERS  # noqa: F401  # the routes, made by add_command on import
from api.renders import render
from api.settings import Settings, load_settings
from api.writes import COMMAND_ROUTES, json_response
from domain.application import GovRules
from domain.base import GovAggregate
from domain.calendar import CalendarOverrides, WorkingDayCalendar
from domain.clock import SHANGHAI, local_date
from domain.commands.roster import BootstrapRoster
from domain.regulations import RegulationPolicy
from domain.roster import ROSTER_ID
from domain.service import Command, Context, execute
from projections.settings import SettingsError, StoreSettings
from scripts.city import START

# A drill clock the city can start on: before its first moment (it never goes back).
CLOCK = "GOVRULES_TEST_CLOCK=2026-01-05T08:00:00+08:00"
PROBE = "2000-01-01T00:00:00+08:00"  # a moment long past: moving the clock there is refused
UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
TIMEOUT = httpx.Timeout(60.0, connect=5.0)


class Refused(Exception):
    """The run cannot go on: one line saying why."""


def local_app(settings: StoreSettings) -> GovRules:
    """An application on plain objects (no database) with the server's roster file, calendar
    overrides and regulation policy as this environment names them."""
    path = settings.calendar_overrides
    app = GovRules(
        env={"PERSISTENCE_MODULE": "eventsourcing.popo"},
        calendar=WorkingDayCalendar(CalendarOverrides.from_file(path) if path else None),
        regulation_policy=RegulationPolicy(
            validity_years=settings.validity_years,
            temporary_validity_years=settings.temporary_validity_years,
            filing_days=settings.filing_days,
        ),
    )
    data = json.loads(settings.roster_file.read_text(encoding="utf-8"))
    execute(app, BootstrapRoster(**data), Context.system(START, "demo-roster"))
    return app


def problem_of(response: httpx.Response) -> str:
    """A refusal in one line: status, title, detail and rule."""
    try:
        body = response.json()
    except ValueError:
        return f"{response.status_code} {response.text[:200]!r}"
    if not isinstance(body, dict):
        return f"{response.status_code} {body!r}"[:300]
    parts = [str(response.status_code), str(body.get("title", ""))]
    if body.get("detail"):
        parts.append(str(body["detail"]))
    if body.get("rule"):
        parts.append(f"rule {body['rule']}")
    return " ".join(" ".join(parts).split())  # one line


@dataclass
class Server:
    """A running server as this run talks to it: keep-alive connections, the administrator's
    token, and tokens signed for the city's people."""

    client: httpx.Client
    admin: str
    secret: str
    lifetime: timedelta

    def __post_init__(self) -> None:
        self.tokens: dict[str, tuple[str, float]] = {}

    def token(self, person_id: str) -> str:
        """A token for ``person_id``, signed again when half its lifetime has passed."""
        found = self.tokens.get(person_id)
        if found is None or time.monotonic() - found[1] > self.lifetime.total_seconds() / 2:
            signed = issue_token(person_id, self.secret, datetime.now(UTC), self.lifetime)
            found = self.tokens[person_id] = (signed, time.monotonic())
        return found[0]

    def post(self, path: str, body: Any, token: str) -> httpx.Response:
        return self.client.post(path, json=body, headers={"Authorization": f"Bearer {token}"})

    def get(self, path: str, token: str, **params: Any) -> httpx.Response:
        headers = {"Authorization": f"Bearer {token}"}
        return self.client.get(path, params=params, headers=headers)


def preflight(server: Server, url: str, mayor: str) -> tuple[datetime, int]:
    """Checks, writing nothing, that the city can be written at its moments by its people:
    answers the server's clock and how many events its log holds beyond the roster."""
    try:
        health = server.client.get("/health")
    except httpx.HTTPError as e:
        raise Refused(f"cannot reach the server at {url}: {e}") from None
    if health.status_code != 200:
        raise Refused(f"the server at {url} is not healthy: {problem_of(health)}")
    state = health.json()
    start = START.astimezone(SHANGHAI).isoformat()
    if not state.get("drill_clock"):
        raise Refused(
            f"the server at {url} runs on the real clock: the city's acts (from {start}) can "
            f"only be stamped at their moments by a server started with a drill clock, {CLOCK}"
        )
    now = datetime.fromisoformat(state["now"])
    probe = server.post("/_clock", {"now": PROBE}, server.admin)  # refused as a move back: 409
    if probe.status_code in (401, 403):
        raise Refused(
            "--token must be a system administrator's token for this server (it moves the "
            f"drill clock): {problem_of(probe)}"
        )
    if probe.status_code != 409:
        raise Refused(f"the server's drill clock cannot be moved: {problem_of(probe)}")
    beyond = 0
    after = 0
    while True:
        page = server.get("/events", server.token(mayor), after=after, limit=1000)
        if page.status_code == 401:
            raise Refused(
                "the server refuses tokens signed with this environment's secret: set "
                f"GOVRULES_JWT_SECRET to the server's (GOVRULES_DEV=1 for a dev server): "
                f"{problem_of(page)}"
            )
        if page.status_code != 200:
            raise Refused(f"cannot read the server's log: {problem_of(page)}")
        body = page.json()
        beyond += sum(1 for e in body["events"] if e.get("originator_id") != str(ROSTER_ID))
        if not body["events"] or beyond:
            return now, beyond
        after = body["next_after"]


class HttpMirror:
    """Sends each command the local application accepted to the server, at its moment, by
    its actor; maps the ids the server made to the local ones."""

    def __init__(self, server: Server, clock: datetime) -> None:
        self.server = server
        self.clock = clock  # the server's drill clock is at least here
        self.ids: dict[str, str] = {}  # local id → server id
        self.taken: set[str] = set()
        self.sent = 0
        self.held = False

    def release(self) -> None:
        """The drill clock runs on with real time from the city's last moment."""
        if self.held:
            body = {"now": self.clock.isoformat()}
            self.server.post("/_clock", body, self.server.admin)
            self.held = False

    def __call__(self, command: Command, ctx: Context, aggregate: GovAggregate) -> None:
        name = type(command).__name__
        route = COMMAND_ROUTES.get(type(command))
        if route is None:
            raise Refused(f"{name} has no route in the API: it cannot be sent over HTTP")
        if ctx.at > self.clock or not self.held:  # held there: every act at that moment
            move = {"now": ctx.at.isoformat(), "hold": True}
            moved = self.server.post("/_clock", move, self.server.admin)
            if moved.status_code != 200:
                raise Refused(
                    f"the drill clock was not moved to {ctx.at.isoformat()}: {problem_of(moved)}"
                )
            self.clock = ctx.at
            self.held = True
        path, body = route.request(command)
        path = "/".join(self.ids.get(part, part) for part in path.split("/"))
        person = ctx.actor.person_id
        answer = self.server.post(path, self.mapped(body), self.server.token(person))
        if not answer.is_success:
            raise Refused(
                f"the server refused {name} (POST {path}) by {person} at {ctx.at.isoformat()}, "
                f"which the local application accepted: {problem_of(answer)}"
            )
        self.sent += 1
        local = (route.answer or render)(aggregate, ctx.at)
        self.learn(orjson.loads(json_response(local).body), answer.json())

    def mapped(self, value: Any) -> Any:
        if isinstance(value, str):
            return self.ids.get(value, value)
        if isinstance(value, list):
            return [self.mapped(v) for v in value]
        if isinstance(value, dict):
            return {self.mapped(k): self.mapped(v) for k, v in value.items()}
        return value

    def learn(self, local: Any, remote: Any) -> None:
        """Walks the local answer and the server's side by side: a local id where the server
        has another is the server's resource of that id."""
        if isinstance(local, str) and isinstance(remote, str):
            if local != remote and UUID.match(local) and UUID.match(remote):
                if local not in self.ids and remote not in self.taken:
                    self.ids[local] = remote
                    self.taken.add(remote)
        elif isinstance(local, list) and isinstance(remote, list):
            for mine, theirs in zip(local, remote, strict=False):
                self.learn(mine, theirs)
        elif isinstance(local, dict) and isinstance(remote, dict):
            for key in local.keys() & remote.keys():
                self.learn(local[key], remote[key])
            # keyed by id (a meeting's topics): the new keys, in order
            mine = [k for k in local if k not in remote]
            theirs = [k for k in remote if k not in local]
            if len(mine) == len(theirs):
                for a, b in zip(mine, theirs, strict=True):
                    self.learn(a, b)
                    self.learn(local[a], remote[b])


def run(
    url: str,
    token: str,
    events: int,
    force: bool,
    if_empty: bool,
    write: Callable[[GovRules, HttpMirror], int],
) -> int:
    """The whole --url run: preflight, then the city through ``write``. Exit status."""
    try:
        settings: Settings = load_settings()
    except SettingsError as e:
        print(f"scripts/demo: {e}", file=sys.stderr)
        return 2
    app = local_app(settings)
    # someone on the roster at the city's start, to read the server's log with
    mayor = app.roster().holder("mayor", local_date(START)) or "p-mayor"
    lifetime = min(timedelta(hours=1), timedelta(seconds=settings.token_max_lifetime))
    with httpx.Client(base_url=url.rstrip("/"), timeout=TIMEOUT) as client:
        server = Server(client, token.strip(), settings.secret, lifetime)
        try:
            now, beyond = preflight(server, url, mayor)
            if beyond and if_empty and not force:
                return 0
            if beyond and not force:
                raise Refused(
                    f"the server's log already holds events beyond its roster ({beyond:,} or "
                    "more); refusing to write the demo city into it (--force to write anyway)"
                )
            if now > START:
                raise Refused(
                    f"the server's drill clock is at {now.isoformat()}, past the city's start "
                    f"({START.astimezone(SHANGHAI).isoformat()}), and it never goes back: start "
                    f"it with {CLOCK}"
                )
            mirror = HttpMirror(server, now)
            try:
                written = write(app, mirror)
            finally:
                mirror.release()
        except Refused as e:
            print(f"scripts/demo: {e}", file=sys.stderr)
            return 2
        except httpx.HTTPError as e:
            print(f"scripts/demo: the server at {url} stopped answering: {e}", file=sys.stderr)
            return 2
    print(
        f"scripts/demo: sent {mirror.sent:,} commands ({written:,} events) of the demo city "
        f"to {url}",
        file=sys.stderr,
    )
    return 0
