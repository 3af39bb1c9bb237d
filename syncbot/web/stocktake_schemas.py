"""The stock-take API's schemas: requests to start, count, approve and post; answers as JSON.

A count names a SKU code or a barcode; its quantity is a whole number, 0 or more. Money
(a value threshold, a line's value) crosses the wire as a decimal string, never a float.
A counter's view of a blind session carries null for expected, variance, percent and value.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt, StrictStr
from pydantic.json_schema import SkipJsonSchema

from syncbot.app.stocktake_views import (
    CountView,
    LineView,
    StocktakeSummary,
    StocktakeView,
)
from syncbot.ledger import DEFAULT_LOCATION
from syncbot.ledger.costing import format_money
from syncbot.ledger.limits import MAX_QUANTITY, MAX_SKU_LENGTH
from syncbot.ledger.stocktake import MAX_KEY, MAX_NAME, StocktakeStatus
from syncbot.web.fields import LocationName, SkuCode, documented, stored

MAX_SKUS = 100_000  # SKUs named in one start: a bigger scope is a pattern, or all SKUs

Name = Annotated[
    str, Field(min_length=1, json_schema_extra=documented(MAX_NAME)), stored("name", MAX_NAME)
]
Area = Annotated[str, Field(json_schema_extra=documented(MAX_NAME)), stored("area", MAX_NAME)]
CountKey = Annotated[
    str, Field(min_length=1, json_schema_extra=documented(MAX_KEY)), stored("key", MAX_KEY)
]
Pattern = Annotated[
    str,
    Field(min_length=1, json_schema_extra=documented(MAX_SKU_LENGTH)),
    stored("pattern", MAX_SKU_LENGTH),
]
DecimalText = Annotated[
    StrictStr | StrictInt,
    Field(description='A decimal string such as "5" or "20.00", or a whole number; never a float.'),
]


class _Body(BaseModel):
    # A misspelt field ("quantiy") is refused rather than silently ignored.
    model_config = ConfigDict(extra="forbid")


class StartRequest(_Body):
    location: LocationName = DEFAULT_LOCATION
    skus: (
        Annotated[list[SkuCode], Field(min_length=1, max_length=MAX_SKUS)] | SkipJsonSchema[None]
    ) = None
    """The SKUs to count; left out (and no `pattern`): every SKU."""
    pattern: Pattern | SkipJsonSchema[None] = None
    """A glob over SKU codes, like `MUG-*`; not with `skus`."""
    blind: StrictBool = False
    """Counters never see the expected quantity."""
    name: Name | SkipJsonSchema[None] = None
    """A name to use instead of the id (not all digits)."""
    approve_over_units: (
        Annotated[StrictInt, Field(ge=0, le=MAX_QUANTITY)] | SkipJsonSchema[None]
    ) = None
    approve_over_percent: DecimalText | SkipJsonSchema[None] = None
    approve_over_value: DecimalText | SkipJsonSchema[None] = None


class CountRequest(_Body):
    sku: SkuCode
    """A SKU code or one of its barcodes."""
    quantity: Annotated[StrictInt, Field(ge=0, le=MAX_QUANTITY)]
    """Units counted (with mode `add`: units to add, 1 or more)."""
    area: Area = ""
    """Where in the location ("shelf A"): counts of different areas are summed."""
    mode: Literal["set", "add"] = "set"
    """`set` replaces your count in that area; `add` adds to it (a scan is add 1)."""
    location: LocationName | SkipJsonSchema[None] = None
    """Checked against the session's location when given: another answers 409."""
    key: CountKey | SkipJsonSchema[None] = None
    """The same key with the same count counts once (a retried scan); with another, 409."""


class ApproveRequest(_Body):
    sku: SkuCode | SkipJsonSchema[None] = None
    """One line; left out: every line over a threshold."""


class PostRequest(_Body):
    uncounted: Literal["leave", "zero"] = "leave"
    """Uncounted lines are left as they are, or counted as 0."""


class SummaryOut(BaseModel):
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
    def of(cls, row: StocktakeSummary) -> SummaryOut:
        return cls(
            id=row.id, name=row.name, location=row.location, status=row.status,
            blind=row.blind, lines=row.lines, counted=row.counted, created_at=row.created_at,
            actor=row.actor,
        )  # fmt: skip


class CountOut(BaseModel):
    counter: str
    area: str
    quantity: int
    mode: str
    recorded_at: datetime

    @classmethod
    def of(cls, count: CountView) -> CountOut:
        return cls(
            counter=count.counter, area=count.area, quantity=count.quantity, mode=count.mode,
            recorded_at=count.recorded_at,
        )  # fmt: skip


class LineOut(BaseModel):
    sku: str
    counted: int | None
    """null: not counted yet."""
    expected: int | None
    """On hand expected at the line's last count (at the start while uncounted); null in
    a counter's view of a blind session."""
    variance: int | None
    percent: str | None
    value: str | None
    """variance × the SKU's average cost; null when no cost is known, or hidden."""
    over: list[str]
    """The thresholds the variance exceeds: units, percent, value."""
    needs_approval: bool
    approved_by: str
    counts: list[CountOut]

    @classmethod
    def of(cls, line: LineView, currency: str) -> LineOut:
        return cls(
            sku=line.sku, counted=line.counted, expected=line.expected, variance=line.variance,
            percent=None if line.percent is None else str(line.percent),
            value=None if line.value is None else format_money(line.value, currency),
            over=list(line.over), needs_approval=line.needs_approval,
            approved_by=line.approved_by, counts=[CountOut.of(c) for c in line.counts],
        )  # fmt: skip


class StocktakeOut(BaseModel):
    id: int
    name: str | None
    location: str
    scope: str
    blind: bool
    status: StocktakeStatus
    expected_shown: bool
    """false in a counter's view of a blind session: no expected, variance or value."""
    approve_over_units: int | None
    approve_over_percent: str | None
    approve_over_value: str | None
    actor: str
    created_at: datetime
    closed_at: datetime | None
    closed_by: str
    lines: list[LineOut]

    @classmethod
    def of(cls, view: StocktakeView, currency: str) -> StocktakeOut:
        percent, value = view.approve_over_percent, view.approve_over_value
        return cls(
            id=view.id, name=view.name, location=view.location, scope=view.scope,
            blind=view.blind, status=view.status, expected_shown=view.expected_shown,
            approve_over_units=view.approve_over_units,
            approve_over_percent=None if percent is None else str(percent),
            approve_over_value=None if value is None else format_money(value, currency),
            actor=view.actor, created_at=view.created_at, closed_at=view.closed_at,
            closed_by=view.closed_by, lines=[LineOut.of(line, currency) for line in view.lines],
        )  # fmt: skip


class CountedOut(BaseModel):
    session: int
    applied: bool
    """false: the key was used before for this count, which stands once."""
    count: CountOut
    line: LineOut
    """The line as its counter sees it now (blind: no expected)."""


class ApprovedOut(BaseModel):
    session: int
    skus: list[str]
    """The lines approved (none: nothing was over a threshold)."""


class PostedOut(BaseModel):
    session: int
    applied: bool
    """false: the session was posted before, and nothing new is recorded."""
    posting: uuid.UUID | None
    movements: int


class CancelledOut(BaseModel):
    session: int
    applied: bool
    """false: the session was cancelled before."""
