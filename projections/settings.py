"""What every process that touches the store needs from the environment (pydantic-settings):
the database, the schema and, for the embedded default, the data directory. The read models' process
(``python -m projections``) read only these; the API's settings extend them."""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import TypeVar

from pydantic import Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from domain.clock import parse_test_clock
from projections.store import parse_database_url


class SettingsError(Exception):
    """One line that says which setting is wrong and why."""


class StoreSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="", extra="ignore", populate_by_name=True)

    database_url: str | None = Field(default=None, alias="DATABASE_URL")
    data_dir: Path = Field(default=Path("data"), alias="GOVRULES_DATA_DIR")
    schema_name: str = Field(
        default="public", alias="GOVRULES_SCHEMA", pattern=r"^[a-z_][a-z0-9_]{0,62}$"
    )
    # The drill clock (tests, demos): the API's POST /_clock moves it and ticks the deadlines
    # itself, so a read models' process with one set leaves the ticking to the API.
    test_clock: str | None = Field(default=None, alias="GOVRULES_TEST_CLOCK")
    # What the application is built with, in every process that writes (the API, the ticker):
    # the roster a new store starts with, the recorded holiday notices, G6 and G5 limits.
    bootstrap_roster: Path | None = Field(default=None, alias="GOVRULES_BOOTSTRAP_ROSTER")
    calendar_overrides: Path | None = Field(default=None, alias="GOVRULES_CALENDAR_OVERRIDES")
    validity_years: int = Field(default=5, ge=1, le=50, alias="GOVRULES_VALIDITY_YEARS")
    temporary_validity_years: int = Field(
        default=2, ge=1, le=50, alias="GOVRULES_TEMPORARY_VALIDITY_YEARS"
    )
    filing_days: int = Field(default=30, ge=1, le=365, alias="GOVRULES_FILING_DAYS")

    @property
    def roster_file(self) -> Path:
        return self.bootstrap_roster or DEFAULT_ROSTER

    @field_validator("test_clock")
    @classmethod
    def _clock(cls, value: str | None) -> str | None:
        parse_test_clock(value)  # raises a one-line ValueError naming GOVRULES_TEST_CLOCK
        return value

    @field_validator("database_url")
    @classmethod
    def _url(cls, value: str | None) -> str | None:
        if value:
            parse_database_url(value)
        return value


S = TypeVar("S", bound=BaseSettings)
DEFAULT_ROSTER = Path(__file__).resolve().parent / "data" / "roster.json"


def load(cls: type[S], **overrides: object) -> S:
    """Settings of ``cls`` from the environment (and overrides), or one clear SettingsError."""
    try:
        return cls(**overrides)  # type: ignore[arg-type]  # values are validated here
    except ValidationError as e:
        first = e.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "settings"
        message = " ".join(str(first["msg"]).split())
        raise SettingsError(f"configuration error: {where}: {message}") from None


def verbose() -> bool:
    """GOVRULES_VERBOSE=1: the installer's and the embedded PostgreSQL's output on the terminal."""
    return os.environ.get("GOVRULES_VERBOSE", "") == "1"


def quiet_embedded_database(settings: StoreSettings) -> None:
    """pgserver logs every initdb and pg_ctl run with its whole output at INFO: pages before
    the address (``python -m api``) or around the progress bar (``scripts/demo``). They go to
    ``GOVRULES_DATA_DIR/logs/pgserver.log`` (warnings and errors still reach the terminal),
    unless DATABASE_URL is set (no embedded database) or GOVRULES_VERBOSE=1. Once a process."""
    if settings.database_url or verbose():
        return
    chatter = logging.getLogger("pgserver")
    if not chatter.propagate:
        return  # already sent to its file
    logs = settings.data_dir / "logs"
    try:
        logs.mkdir(parents=True, exist_ok=True)
        to_file = logging.FileHandler(logs / "pgserver.log", encoding="utf-8")
    except OSError:
        return  # nowhere to write it: the chatter stays on the terminal
    to_file.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
    to_terminal = logging.StreamHandler()
    to_terminal.setLevel(logging.WARNING)
    to_terminal.setFormatter(
        logging.Formatter(f"%(levelname)s pgserver (see {to_file.baseFilename}): %(message)s")
    )
    chatter.setLevel(logging.INFO)
    chatter.addHandler(to_file)
    chatter.addHandler(to_terminal)
    chatter.propagate = False
