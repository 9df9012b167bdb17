"""Field types the commands share. A command's fields are its request: the API derives its
request bodies from them, so the constraints a caller must meet are declared here, once."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated

from pydantic import AfterValidator, BeforeValidator, Field, WithJsonSchema

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

_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def end_of_day(value: object) -> object:
    """Where people think in days (api.md: a supervision ``deadline``, ``report_dates``, a
    rectification ``due``), a date ``YYYY-MM-DD`` means the end of that day in Asia/Shanghai:
    24:00, the next day's 00:00 +08:00. A time with an offset passes through."""
    if isinstance(value, str) and _DATE.fullmatch(value):
        value = date.fromisoformat(value)
    if isinstance(value, date) and not isinstance(value, datetime):
        try:
            return datetime.combine(value + timedelta(days=1), time(0), tzinfo=SHANGHAI)
        except OverflowError:
            raise ValueError("date out of range") from None
    return value


# A due moment given as a time with offset, or as a day (its end, in Shanghai).
DueTime = Annotated[
    datetime,
    BeforeValidator(end_of_day),
    AfterValidator(in_range),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "string", "format": "date-time"},
                {"type": "string", "format": "date"},
            ],
            "description": "a time with offset, or a day YYYY-MM-DD: the end of that day "
            "(24:00 Asia/Shanghai)",
        }
    ),
]
Text = Annotated[str, Field(min_length=1)]
Slug = Annotated[str, Field(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")]
Name = Annotated[str, Field(min_length=1, max_length=200)]


def described(description: str) -> object:
    """A field's description in the API's schema."""
    return Field(description=description)
