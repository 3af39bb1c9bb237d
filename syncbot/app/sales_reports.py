"""What sold: the sales velocity per SKU and channel, and the ABC classes by units and by
value, over the last N UTC days, from the daily demand roll-up (`store.sales_reads`).

Velocity is the net units sold over the span divided by its days (today counts as a day).
ABC ranks each SKU that sold by units, and by value = units × the SKU's average cost now,
with the thresholds of `ledger.abc` (A makes the first 80 %, B up to 95 %, C the rest).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from syncbot.app.report_csv import csv_text
from syncbot.app.report_span import Span, last_days
from syncbot.app.sku_pages import csv_cell
from syncbot.ledger.abc import AbcClass, classify
from syncbot.ledger.costing import format_cost, format_money, value_of
from syncbot.store import sales_reads

DEFAULT_DAYS = 30


@dataclass(frozen=True, slots=True)
class VelocityLine:
    code: str
    name: str
    channel: str
    """The channel the units sold through; "" for sales recorded by hand."""
    units: int
    per_day: float


@dataclass(frozen=True, slots=True)
class VelocityReport:
    span: Span
    lines: list[VelocityLine]
    """By code, then channel."""

    @property
    def units(self) -> int:
        return sum(line.units for line in self.lines)

    def per_channel(self) -> dict[str, int]:
        """Units per channel, the largest first: the chart's bars."""
        totals: dict[str, int] = defaultdict(int)
        for line in self.lines:
            totals[line.channel] += line.units
        return dict(sorted(totals.items(), key=lambda item: (-item[1], item[0])))


async def velocity(today: date, days: int = DEFAULT_DAYS) -> VelocityReport:
    """Units sold per SKU and channel over the `days` days up to today, and per day."""
    span = last_days(today, days)
    sold = await sales_reads.sold(span.first, span.last)
    lines = [
        VelocityLine(line.code, line.name, line.channel, line.units, line.units / span.days)
        for line in sold
    ]
    return VelocityReport(span, lines)


VELOCITY_HEADER = ("code", "name", "channel", "units", "units_per_day", "first_day", "last_day")


def velocity_csv(report: VelocityReport) -> AsyncIterator[str]:
    rows = (
        (
            csv_cell(line.code),
            csv_cell(line.name),
            csv_cell(line.channel),
            line.units,
            f"{line.per_day:.3f}",
            report.span.first.isoformat(),
            report.span.last.isoformat(),
        )
        for line in report.lines
    )
    return csv_text(VELOCITY_HEADER, rows)


# --- ABC --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class AbcLine:
    code: str
    name: str
    units: int
    units_share: float
    """Cumulative share of units, in percent, by units rank."""
    units_class: AbcClass
    average_cost: Decimal
    value: int
    """units × average cost, in millionths of the currency."""
    value_share: float
    value_class: AbcClass


@dataclass(frozen=True, slots=True)
class AbcReport:
    span: Span
    lines: list[AbcLine]
    """By value, the largest first (ties by code)."""
    units: int
    value: int

    def counts(self, by: str) -> dict[AbcClass, int]:
        """How many SKUs are in each class, by "units" or "value"."""
        found: dict[AbcClass, int] = {"A": 0, "B": 0, "C": 0}
        for line in self.lines:
            found[line.units_class if by == "units" else line.value_class] += 1
        return found


async def abc(today: date, days: int = DEFAULT_DAYS) -> AbcReport:
    """Each SKU that sold in the span, classed by its units and by their value."""
    span = last_days(today, days)
    units: dict[str, int] = defaultdict(int)
    names: dict[str, str] = {}
    costs: dict[str, Decimal] = {}
    for line in await sales_reads.sold(span.first, span.last):
        units[line.code] += line.units
        names[line.code], costs[line.code] = line.name, line.average_cost
    values = {code: value_of(max(0, sold), costs[code]) for code, sold in units.items()}
    by_units = {ranked.code: ranked for ranked in classify(dict(units))}
    unit_total = sum(max(0, sold) for sold in units.values())
    value_total = sum(values.values())
    lines = []
    for ranked in classify(values):
        code, counted = ranked.code, by_units[ranked.code]
        lines.append(
            AbcLine(
                code,
                names[code],
                units[code],
                counted.share(unit_total),
                counted.abc,
                costs[code],
                ranked.figure,
                ranked.share(value_total),
                ranked.abc,
            )
        )
    return AbcReport(span, lines, unit_total, value_total)


ABC_HEADER = (
    "code",
    "name",
    "units",
    "units_cumulative_percent",
    "units_class",
    "average_cost",
    "value",
    "value_cumulative_percent",
    "value_class",
    "currency",
)


def abc_csv(report: AbcReport, currency: str) -> AsyncIterator[str]:
    rows = (
        (
            csv_cell(line.code),
            csv_cell(line.name),
            line.units,
            f"{line.units_share:.2f}",
            line.units_class,
            format_cost(line.average_cost),
            format_money(line.value, currency),
            f"{line.value_share:.2f}",
            line.value_class,
            currency,
        )
        for line in report.lines
    )
    return csv_text(ABC_HEADER, rows)
