"""Sync health over time: per UTC day and channel, the pushes, failed pushes, quarantines,
drift and failed syncs (counted as they happen: `store.sync_days`), over the last N days.
Days with nothing recorded show zeros, so a chart has one point per day."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date

from syncbot.app.report_csv import csv_text
from syncbot.app.report_span import Span, last_days
from syncbot.app.sku_pages import csv_cell
from syncbot.store import sync_days
from syncbot.store.sync_days import SyncDayRow

DEFAULT_DAYS = 30
COUNTS = ("pushes", "failed_pushes", "quarantines", "drift_checks", "drifting", "sync_failures")


@dataclass(frozen=True, slots=True)
class DayTotals:
    """Every channel's figures of one day added up (`drifting` too: listings are per
    channel)."""

    day: date
    pushes: int = 0
    failed_pushes: int = 0
    quarantines: int = 0
    drift_checks: int = 0
    drifting: int = 0
    sync_failures: int = 0


@dataclass(frozen=True, slots=True)
class SyncHealthReport:
    span: Span
    rows: list[SyncDayRow]
    """One per day and channel with anything recorded, by day then channel."""
    days: list[DayTotals]
    """One per day of the span, oldest first."""

    def total(self, name: str) -> int:
        return sum(int(getattr(day, name)) for day in self.days)


async def sync_health(today: date, days: int = DEFAULT_DAYS) -> SyncHealthReport:
    span = last_days(today, days)
    rows = await sync_days.days(span.first, span.last)
    sums: dict[date, dict[str, int]] = {day: dict.fromkeys(COUNTS, 0) for day in span.each()}
    for row in rows:
        for name in COUNTS:
            sums[row.day][name] += int(getattr(row, name))
    totals = [DayTotals(day, **figures) for day, figures in sums.items()]
    return SyncHealthReport(span, rows, totals)


HEADER = ("day", "channel", *COUNTS)


def sync_health_csv(report: SyncHealthReport) -> AsyncIterator[str]:
    """One row per day and channel with anything recorded."""
    rows = (
        (row.day.isoformat(), csv_cell(row.channel), *(getattr(row, name) for name in COUNTS))
        for row in report.rows
    )
    return csv_text(HEADER, rows)
