"""What every process that touches the store needs from the environment (pydantic-settings):
the database, the schema and, for the embedded default, the data directory. The read models' process
(``python -m projections``) read only these; the API's settings extend them."""

from __future__ import annotations

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
