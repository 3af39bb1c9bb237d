"""A SKU's last days as two daily series: available at the end of each day, and units
sold each day. No I/O: the store sums each day's changes, this walks them back.

Invariant: walking forward from the first day's start with each day's change gives
`available_now` at the end of the last day; a day with no movement keeps the level of
the day before.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta


@dataclass(frozen=True, slots=True)
class DayChange:
    """One day's movements of one SKU, summed: the change of available (in minus out) and
    the units sold (order commits minus order cancellations)."""

    available: int = 0
    sold: int = 0


@dataclass(frozen=True, slots=True)
class DayPoint:
    day: date
    available: int
    """At the end of the day."""
    sold: int


def daily_series(
    last_day: date, days: int, available_now: int, changes: Mapping[date, DayChange]
) -> list[DayPoint]:
    """`days` points, oldest first, ending with `last_day` (today) whose end is `now`.

    Available is walked back from `available_now`: the end of a day is the end of the next
    one minus the next one's change. Changes on days outside the window are ignored.
    """
    points: list[DayPoint] = []
    level = available_now
    for back in range(days):
        day = last_day - timedelta(days=back)
        change = changes.get(day, DayChange())
        points.append(DayPoint(day, level, change.sold))
        level -= change.available
    points.reverse()
    return points
