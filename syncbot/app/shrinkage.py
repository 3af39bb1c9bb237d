"""The shrinkage report: units and value lost since a moment, by reason, and the total lost
from the books; as a read model and as CSV.

The total is counts + adjustments + write-offs: what left the books (the write-offs of
`cost-of-goods`). Damage is shown on its own line and not added: damaged units are still
on hand, valued at the SKU's average cost now, and are lost again when written off.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import datetime

from syncbot.app.report_dates import ReportDateError, start_of
from syncbot.ledger.costing import format_money
from syncbot.ledger.movements import MovementKind
from syncbot.store import shrinkage as store
from syncbot.store import valuation as valuation_store

LABELS = {
    MovementKind.DAMAGE: "damage",
    MovementKind.COUNT: "count differences",
    MovementKind.ADJUST: "adjustments",
    MovementKind.WRITE_OFF: "write-offs",
}
IN_TOTAL = frozenset({MovementKind.COUNT, MovementKind.ADJUST, MovementKind.WRITE_OFF})

__all__ = ["LABELS", "ReportDateError", "ShrinkageLine", "ShrinkageReport", "report", "since"]


@dataclass(frozen=True, slots=True)
class ShrinkageLine:
    reason: str
    """The movement kind: damage, count, adjust, write_off."""
    label: str
    units: int
    """Lost (positive) or found (negative)."""
    value: int
    """In millionths of the currency (`ledger.costing.VALUE_PLACES`)."""
    in_total: bool


@dataclass(frozen=True, slots=True)
class ShrinkageReport:
    since: datetime | None
    location: str | None
    lines: tuple[ShrinkageLine, ...]

    @property
    def units(self) -> int:
        return sum(line.units for line in self.lines if line.in_total)

    @property
    def value(self) -> int:
        return sum(line.value for line in self.lines if line.in_total)


def since(text: str | None, what: str = "--since") -> datetime | None:
    """The report's start: a date is the start of that UTC day; None for all history."""
    return None if text is None else start_of(text, what)


async def report(since: datetime | None = None, location: str | None = None) -> ShrinkageReport:
    """What was lost from `since` (all history when None), at `location` or everywhere.
    Raises UnknownLocation for a location that is not declared."""
    if location is not None:
        await valuation_store.check_location(location)
    lost = await store.lost(since, location)
    lines = tuple(
        ShrinkageLine(str(row.reason), LABELS[row.reason], row.units, row.value,
                      row.reason in IN_TOTAL)
        for row in lost
    )  # fmt: skip
    return ShrinkageReport(since, location, lines)


def as_csv(shrinkage: ShrinkageReport, currency: str) -> str:
    """reason,label,units,value,in_total per reason, then the total row."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(("reason", "label", "units", f"value_{currency.lower()}", "in_total"))
    for line in shrinkage.lines:
        writer.writerow(
            (line.reason, line.label, line.units, format_money(line.value, currency),
             "yes" if line.in_total else "no")
        )  # fmt: skip
    writer.writerow(("total", "total lost", shrinkage.units,
                     format_money(shrinkage.value, currency), ""))  # fmt: skip
    return out.getvalue()
