"""The span of whole UTC days a report covers: the last N days, today included."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from syncbot.ledger.errors import ValidationError

MAX_DAYS = 3660
"""Ten years of days: more is a typing mistake, and a report would read them all."""


class ReportSpanError(ValidationError):
    """A number of days a report cannot cover; nothing was read."""


def check_days(days: int, what: str = "--days") -> int:
    if not 1 <= days <= MAX_DAYS:
        raise ReportSpanError(f"{what} must be a whole number of days from 1 to {MAX_DAYS}")
    return days


@dataclass(frozen=True, slots=True)
class Span:
    """The days from `first` to `last`, both included."""

    first: date
    last: date

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1

    def each(self) -> list[date]:
        return [self.first + timedelta(days=n) for n in range(self.days)]


def last_days(today: date, days: int, what: str = "--days") -> Span:
    """The `days` UTC days up to and including `today` (today is counted so far)."""
    check_days(days, what)
    return Span(today - timedelta(days=days - 1), today)
