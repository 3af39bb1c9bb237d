"""Read models of stock-takes: a session, its lines and counts, and what each call did.

A view built with `hide_expected` (a counter's view of a blind session) carries None for
every number that gives the expected quantity away: expected, variance, percent, value.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from syncbot.ledger.stocktake import StocktakeStatus
from syncbot.store.stocktake_reads import CountRecord, LineRecord, SessionRecord, SessionSummary


@dataclass(frozen=True)
class CountView:
    counter: str
    area: str
    quantity: int
    mode: str
    recorded_at: datetime

    @classmethod
    def of(cls, record: CountRecord) -> CountView:
        return cls(
            record.counter, record.area, record.quantity, str(record.mode), record.recorded_at
        )


@dataclass(frozen=True)
class LineView:
    sku: str
    counted: int | None
    """None: not counted yet."""
    expected: int | None
    """On-hand expected at the line's last count (at the start while uncounted); None
    when hidden (blind)."""
    variance: int | None
    percent: Decimal | None
    value: int | None
    """variance × the SKU's average cost, in millionths (`costing.format_money`)."""
    over: tuple[str, ...]
    needs_approval: bool
    approved_by: str
    counts: tuple[CountView, ...]

    @property
    def is_counted(self) -> bool:
        return self.counted is not None

    @classmethod
    def of(cls, line: LineRecord, *, hide_expected: bool) -> LineView:
        judged = line.judgement
        expected = judged.expected if judged.counted is not None else line.expected_at_start
        hidden = hide_expected
        return cls(
            sku=line.sku,
            counted=judged.counted,
            expected=None if hidden else expected,
            variance=None if hidden else judged.variance,
            percent=None if hidden else judged.percent,
            value=None if hidden else judged.value,
            over=() if hidden else judged.over,
            needs_approval=line.needs_approval,
            approved_by=line.approved_by if line.approved else "",
            counts=tuple(CountView.of(c) for c in line.counts),
        )


@dataclass(frozen=True)
class StocktakeView:
    id: int
    name: str | None
    location: str
    scope: str
    blind: bool
    status: StocktakeStatus
    expected_shown: bool
    """False for a counter's view of a blind session."""
    approve_over_units: int | None
    approve_over_percent: Decimal | None
    approve_over_value: int | None
    actor: str
    created_at: datetime
    closed_at: datetime | None
    closed_by: str
    lines: tuple[LineView, ...]

    @property
    def label(self) -> str:
        return f"{self.id} ({self.name})" if self.name else str(self.id)

    @property
    def counted_lines(self) -> int:
        return sum(line.is_counted for line in self.lines)

    @property
    def awaiting_approval(self) -> tuple[str, ...]:
        return tuple(line.sku for line in self.lines if line.needs_approval)

    @classmethod
    def of(cls, record: SessionRecord, *, hide_expected: bool) -> StocktakeView:
        limits = record.thresholds
        return cls(
            record.id, record.name, record.location, record.scope, record.blind, record.status,
            not hide_expected, limits.units, limits.percent, limits.value, record.actor,
            record.created_at, record.closed_at, record.closed_by,
            tuple(LineView.of(line, hide_expected=hide_expected) for line in record.lines),
        )  # fmt: skip


@dataclass(frozen=True)
class StocktakeSummary:
    id: int
    name: str | None
    location: str
    status: StocktakeStatus
    blind: bool
    lines: int
    counted: int
    created_at: datetime
    actor: str

    @classmethod
    def of(cls, row: SessionSummary) -> StocktakeSummary:
        return cls(
            row.id, row.name, row.location, row.status, row.blind, row.lines, row.counted,
            row.created_at, row.actor,
        )  # fmt: skip


@dataclass(frozen=True)
class Counted:
    session: int
    applied: bool
    """False when the count's key was used before: the first count stands."""
    count: CountView
    line: LineView
    """The line as its counter sees it now (blind: no expected)."""


@dataclass(frozen=True)
class Approved:
    session: int
    skus: tuple[str, ...]


@dataclass(frozen=True)
class Posted:
    session: int
    applied: bool
    """False when the session was posted before: nothing new recorded."""
    posting: uuid.UUID | None
    movements: int


@dataclass(frozen=True)
class Cancelled:
    session: int
    applied: bool
