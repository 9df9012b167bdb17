"""Configuration from the environment (pydantic-settings). A missing or wrong setting stops
start-up with one clear line."""

from __future__ import annotations

import os
from typing import Literal

from pydantic import Field, model_validator

from projections.settings import SettingsError, StoreSettings, load

__all__ = ["Settings", "SettingsError", "load_settings"]

DEV_SECRET = "govrules-dev-secret-not-for-production"


class Settings(StoreSettings):
    """The API's settings: the store's (DATABASE_URL, GOVRULES_SCHEMA, GOVRULES_DATA_DIR) and
    its own."""

    jwt_secret: str | None = Field(default=None, alias="GOVRULES_JWT_SECRET")
    dev: bool = Field(default=False, alias="GOVRULES_DEV")
    host: str = Field(default="127.0.0.1", alias="GOVRULES_HOST")
    port: int = Field(default=8000, ge=1, le=65535, alias="GOVRULES_PORT")
    role: Literal["all", "api"] = Field(default="all", alias="GOVRULES_ROLE")
    # Server processes (uvicorn workers) sharing the port; none: one per core (at most 4).
    # Python runs one thread at a time per process: on 2 cores one process serves about half
    # what two do. With a drill clock (GOVRULES_TEST_CLOCK) it is always 1: the clock lives in
    # the process, and moving it must move every answer.
    workers: int | None = Field(default=None, ge=1, le=32, alias="GOVRULES_WORKERS")
    # The longest a token may live (exp - iat, or exp - now without iat), in seconds.
    token_max_lifetime: int = Field(
        default=24 * 3600, ge=60, le=30 * 24 * 3600, alias="GOVRULES_TOKEN_MAX_LIFETIME"
    )
    # Requests waiting at once for a read model to reach ?min_position= (each holds a worker
    # thread and a pooled connection); beyond it, 503 with Retry-After at once.
    max_waiting: int = Field(default=8, ge=1, le=64, alias="GOVRULES_MAX_WAITING")
    # Seconds between heartbeats on GET /events/stream (a comment line proxies see as traffic).
    stream_heartbeat: float = Field(default=10, gt=0, le=300, alias="GOVRULES_STREAM_HEARTBEAT")

    @model_validator(mode="after")
    def _secret(self) -> Settings:
        if not self.jwt_secret and not self.dev:
            raise ValueError("GOVRULES_JWT_SECRET is required (or GOVRULES_DEV=1 for development)")
        if self.jwt_secret and len(self.jwt_secret) < 32:
            raise ValueError("GOVRULES_JWT_SECRET must be at least 32 characters (HS256)")
        return self

    @property
    def secret(self) -> str:
        return self.jwt_secret or DEV_SECRET

    @property
    def processes(self) -> int:
        """How many server processes ``python -m api`` starts."""
        if self.test_clock:
            return 1
        return self.workers or max(1, min(os.cpu_count() or 1, 4))


def load_settings(**overrides: object) -> Settings:
    return load(Settings, **overrides)
