"""Field types the commands share. A command's fields are its request: the API derives its
request bodies from them, so the constraints a caller must meet are declared here, once."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from pydantic import AfterValidator, Field

from domain.clock import SHANGHAI


def in_range(at: datetime) -> datetime:
    """A time with an offset that Shanghai and UTC can both express (years 1–9998)."""
    if at.tzinfo is None:
        raise ValueError("a time zone offset is required")
    try:
        at.astimezone(SHANGHAI)
        at.astimezone(UTC)
    except OverflowError:
        raise ValueError("time out of range") from None
    if not 1 < at.year < 9999:
        raise ValueError("time out of range")
    return at


Instant = Annotated[datetime, AfterValidator(in_range)]
Text = Annotated[str, Field(min_length=1)]
Slug = Annotated[str, Field(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")]
Name = Annotated[str, Field(min_length=1, max_length=200)]


def described(description: str) -> object:
    """A field's description in the API's schema."""
    return Field(description=description)
