"""Field types the commands share. A command's fields are its request: the API derives its
request bodies from them, so the constraints a caller must meet are declared here, once."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from typing import Annotated

from pydantic import AfterValidator, BeforeValidator, Field, WithJsonSchema

from domain.clock import SHANGHAI

# The window of every day and time a request may carry (issue 13): from the founding year to
# 2200 (以内: both included). Outside it a date computation (six months on, a day's end) could
# pass year 9999; the government's records have no business there either.
FIRST_YEAR = 1949
LAST_YEAR = 2200
WINDOW = f"{FIRST_YEAR}-01-01 to {LAST_YEAR}-12-31"
_FIRST = datetime(FIRST_YEAR, 1, 1, tzinfo=SHANGHAI)
_END = datetime(LAST_YEAR + 1, 1, 1, tzinfo=SHANGHAI)  # 2200-12-31 24:00, a due day's end


def in_window(day: date) -> date:
    """A day between 1949-01-01 and 2200-12-31 (both included)."""
    if not FIRST_YEAR <= day.year <= LAST_YEAR:
        raise ValueError(f"date out of range: days are {WINDOW}")
    return day


def in_range(at: datetime) -> datetime:
    """A time with an offset, from 1949-01-01 00:00 to 2200-12-31 24:00 in Asia/Shanghai."""
    if at.tzinfo is None:
        raise ValueError("a time zone offset is required")
    try:
        inside = _FIRST <= at <= _END
    except OverflowError:
        inside = False
    if not inside:
        raise ValueError(f"time out of range: times are {WINDOW} (Asia/Shanghai)")
    return at


Instant = Annotated[datetime, AfterValidator(in_range)]
# A day (YYYY-MM-DD): every date field of every command and query is one.
Day = Annotated[date, AfterValidator(in_window)]

_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def end_of_day(value: object) -> object:
    """Where people think in days (api.md: a supervision ``deadline``, ``report_dates``, a
    rectification ``due``), a date ``YYYY-MM-DD`` means the end of that day in Asia/Shanghai:
    24:00, the next day's 00:00 +08:00. A time with an offset passes through."""
    if isinstance(value, str) and _DATE.fullmatch(value):
        value = date.fromisoformat(value)
    if isinstance(value, date) and not isinstance(value, datetime):
        in_window(value)
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
