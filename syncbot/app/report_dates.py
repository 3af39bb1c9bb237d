"""The moments and periods a report is asked for, read from what a person types: a date
(a whole UTC day) or an ISO 8601 date and time (UTC unless it names its offset)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from syncbot.ledger.errors import ValidationError

MAX_TEXT = 40  # longer than any ISO 8601 date and time with microseconds and an offset


class ReportDateError(ValidationError):
    """A date or period a report cannot use; nothing was read, nothing written."""


@dataclass(frozen=True, slots=True)
class Period:
    """From `start` (included) to `end` (excluded), in UTC."""

    start: datetime
    end: datetime


def _read(text: str | None, what: str) -> date | datetime:
    given = (text or "").strip()
    if not given:
        raise ReportDateError(f"{what} is missing: give a date like 2026-11-30")
    if len(given) > MAX_TEXT or not given.isprintable():
        raise ReportDateError(
            f"{what} is not a date: use YYYY-MM-DD or YYYY-MM-DDTHH:MM[:SS][+HH:MM]"
        )
    try:
        if len(given) == 10:
            return date.fromisoformat(given)
        moment = datetime.fromisoformat(given)
    except ValueError:
        raise ReportDateError(
            f"{what} {given!r} is not a date: use YYYY-MM-DD or YYYY-MM-DDTHH:MM[:SS][+HH:MM]"
        ) from None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def moment_at(text: str | None, what: str = "--at") -> datetime:
    """The moment a valuation is taken at: a date means the end of that UTC day (every
    movement that occurred on it counts), a date and time means that very moment."""
    read = _read(text, what)
    if isinstance(read, datetime):
        return read.astimezone(UTC)
    return datetime.combine(read, time.max, tzinfo=UTC)


def start_of(text: str | None, what: str) -> datetime:
    """A period's bound: a date means the start of that UTC day."""
    read = _read(text, what)
    if isinstance(read, datetime):
        return read.astimezone(UTC)
    return datetime.combine(read, time.min, tzinfo=UTC)


def period(
    start: str | None, end: str | None, names: tuple[str, str] = ("--from", "--to")
) -> Period:
    """[start, end): `--from 2026-11-01 --to 2026-12-01` is November. The end must be
    after the start. `names`: what the person called the two bounds."""
    first, last = start_of(start, names[0]), start_of(end, names[1])
    if last <= first:
        raise ReportDateError(
            f"the period ends ({last:%Y-%m-%d %H:%M}) before it starts ({first:%Y-%m-%d %H:%M}):"
            f" {names[1]} is the first moment after the period,"
            f" e.g. {names[0]} 2026-11-01 {names[1]} 2026-12-01"
        )
    return Period(first, last)


def month_to_date(now: datetime) -> Period:
    """From the first of `now`'s UTC month to the end of its day: a report's default."""
    today = now.astimezone(UTC).date()
    start = datetime.combine(today.replace(day=1), time.min, tzinfo=UTC)
    return Period(start, datetime.combine(today + timedelta(days=1), time.min, tzinfo=UTC))
