"""Reorder suggestions: what to order, when, and why, for every SKU (issue 16).

Each SKU's daily demand over the last HISTORY_DAYS (from the roll-up every posting keeps,
`store.demand`) is forecast by the method that backtests best on it (`ledger.forecast`),
and its suggestion is the arithmetic of `ledger.replenishment`: the lead time and the
minimum order and case pack come from the supplier it is bought from (`store.
replenishment_reads`), else the default lead time. What is already incoming counts, and a
reorder point a person set wins over the computed one.

`--draft-po` turns the suggestions into draft purchase orders, one per supplier, through the
purchasing use cases (`app.purchasing`), so they are checked and numbered like any other.
"""

from __future__ import annotations

import asyncio
import csv
import io
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from syncbot.app import purchasing
from syncbot.app.actor import Actor
from syncbot.app.sku_pages import csv_cell
from syncbot.app.valuation import check_location
from syncbot.ledger import DEFAULT_LOCATION
from syncbot.ledger.forecast import Forecast, choose
from syncbot.ledger.replenishment import (
    MAX_COVER_DAYS,
    ReplenishmentError,
    Stock,
    Suggestion,
    Terms,
    check_days,
    check_service_level,
    suggest,
)
from syncbot.store import demand, forecasts
from syncbot.store.replenishment_reads import SkuFacts, facts

HISTORY_DAYS = 365
"""A year of days: enough for a weekly pattern and a trend, and what the forecasts score."""
DEFAULT_LEAD_TIME_DAYS = 14
DEFAULT_COVER_DAYS = 30
DEFAULT_SERVICE_LEVEL = 0.95

__all__ = [
    "CSV_HEADER",
    "DEFAULT_COVER_DAYS",
    "DEFAULT_LEAD_TIME_DAYS",
    "DEFAULT_SERVICE_LEVEL",
    "Drafted",
    "Line",
    "ReplenishmentError",
    "check_location",
    "csv_text",
    "draft_orders",
    "refit",
    "refresh",
    "suggestions",
]


@dataclass(frozen=True, slots=True)
class Line:
    """One SKU's suggestion, with what it was worked out from."""

    sku: str
    name: str
    supplier: str | None
    suggestion: Suggestion
    cover_days: int
    average_cost: Decimal
    last_unit_cost: Decimal | None

    @property
    def reasoning(self) -> str:
        """The suggestion in one line a buyer can check (worked out when asked for)."""
        return self.suggestion.reasoning(self.cover_days)

    @property
    def forecast(self) -> Forecast:
        return self.suggestion.forecast


async def suggestions(
    *,
    today: date,
    location: str | None = None,
    supplier: str | None = None,
    service_level: float = DEFAULT_SERVICE_LEVEL,
    cover_days: int = DEFAULT_COVER_DAYS,
    lead_time_days: int = DEFAULT_LEAD_TIME_DAYS,
    only_orders: bool = False,
    progress: Progress | None = None,
) -> list[Line]:
    """Every SKU's suggestion (those of `supplier`; stock and demand at `location`), by
    code. `lead_time_days` is for a SKU no supplier terms cover. Demand is counted up to
    the day before `today`, the last complete one. `only_orders` keeps the SKUs to order.

    Forecasts fitted today are read back; a SKU without one is fitted now and its
    forecast kept for the rest of the day (`progress` hears how many of how many)."""
    check_service_level(service_level)
    check_days("target cover", cover_days, MAX_COVER_DAYS)
    check_days("default lead time", lead_time_days)
    skus = await facts(location=location, supplier=supplier)
    scope = location or ""
    known = await forecasts.fitted(today, scope, None if supplier is None else _codes(skus))
    missing = [sku for sku in skus if sku.code not in known]
    if missing:
        known.update(await _fit(missing, today, location, progress))
    lines = []
    for sku in skus:
        line = _line(sku, known[sku.code], today, service_level, cover_days, lead_time_days)
        if line.suggestion.quantity or not only_orders:
            lines.append(line)
    return lines


Progress = Callable[[int, int], None]
"""Told (SKUs fitted so far, SKUs to fit) after each batch: fitting takes minutes on a
large catalogue."""
FIT_BATCH = 1000


async def refresh(today: date) -> int:
    """Fits the SKUs that have no forecast for `today` over every location yet: the
    leader's `forecasts` job, so the first `replenish` of a day reads them all back.
    Answers how many it fitted (0 once the day's are all there)."""
    skus = await facts()
    known = await forecasts.fitted(today)
    missing = [sku for sku in skus if sku.code not in known]
    if missing:
        await _fit(missing, today, None, None)
    return len(missing)


async def refit(
    today: date, *, location: str | None = None, progress: Progress | None = None
) -> int:
    """Fits every SKU's forecast on its demand up to yesterday and keeps it for `today`
    (the nightly job, and `syncbot replenish --refit`). Answers how many were fitted."""
    skus = await facts(location=location)
    await _fit(skus, today, location, progress)
    return len(skus)


async def _fit(
    skus: Sequence[SkuFacts], today: date, location: str | None, progress: Progress | None
) -> dict[str, Forecast]:
    """Chooses each SKU's forecast, a batch at a time (its demand read for the batch only),
    and keeps each batch's as it goes: an interrupted fit keeps what it did."""
    since = today - timedelta(days=HISTORY_DAYS)
    fitted: dict[str, Forecast] = {}
    for start in range(0, len(skus), FIT_BATCH):
        batch = skus[start : start + FIT_BATCH]
        sold = await _daily(since, today, location, _codes(batch))
        series = {sku.code: _series(sku, sold.get(sku.code, {}), since, today) for sku in batch}
        # Choosing is pure CPU (a second or two a batch): off the event loop, so a
        # scheduler job fitting a catalogue does not hold up pushes and webhooks.
        chosen = await asyncio.to_thread(_choose_all, series)
        await forecasts.save(today, location or "", chosen)
        fitted.update(chosen)
        if progress is not None:
            progress(start + len(batch), len(skus))
    return fitted


def _choose_all(series: dict[str, list[int]]) -> dict[str, Forecast]:
    return {code: choose(days) for code, days in series.items()}


def _codes(skus: Iterable[SkuFacts]) -> list[str]:
    return [sku.code for sku in skus]


def _series(sku: SkuFacts, sold: dict[date, int], since: date, today: date) -> list[int]:
    """Units sold per complete day, oldest first. A SKU's history starts when it was
    created, or at its first sale if that is earlier (sales imported from before syncbot
    knew it): days before that are not days it "sold none"."""
    start = max(since, min(sku.created_on, *sold) if sold else sku.created_on)
    return [max(0, sold.get(start + timedelta(days=n), 0)) for n in range((today - start).days)]


def _line(
    sku: SkuFacts,
    forecast: Forecast,
    today: date,
    service_level: float,
    cover_days: int,
    lead_time_days: int,
) -> Line:
    terms = (
        Terms(sku.terms.lead_time_days, sku.terms.minimum_order, sku.terms.case_pack)
        if sku.terms is not None
        else Terms(lead_time_days)
    )
    suggestion = suggest(
        forecast,
        Stock(sku.available, sku.incoming, sku.reorder_point),
        terms,
        service_level=service_level,
        cover_days=cover_days,
        today=today,
    )
    supplier = None if sku.terms is None else sku.terms.supplier
    cost = None if sku.terms is None else sku.terms.last_unit_cost
    return Line(sku.code, sku.name, supplier, suggestion, cover_days, sku.average_cost, cost)


async def _daily(
    since: date, today: date, location: str | None, skus: list[str]
) -> dict[str, dict[date, int]]:
    """Units sold per SKU and day over every channel (a day's returns may exceed its
    sales: such a day counts as none sold)."""
    sold: dict[str, dict[date, int]] = defaultdict(lambda: defaultdict(int))
    for row in await demand.rows(since, skus=skus, location=location):
        if row.day < today:
            sold[row.sku][row.day] += row.units
    return sold


@dataclass(frozen=True, slots=True)
class Drafted:
    """A draft purchase order made from suggestions, and the lines that had no known cost."""

    number: str
    supplier: str
    lines: int
    units: int
    without_cost: tuple[str, ...]


async def draft_orders(
    lines: Sequence[Line], actor: Actor, *, location: str = DEFAULT_LOCATION
) -> list[Drafted]:
    """One draft purchase order per supplier for the lines to order, delivered to
    `location`. A line costs the supplier's last known cost, else the SKU's average, else
    0 (listed in `without_cost`: a buyer sets it before ordering). Lines of SKUs no
    supplier supplies are left out: there is no one to order them from."""
    by_supplier: dict[str, list[Line]] = defaultdict(list)
    for line in lines:
        if line.suggestion.quantity and line.supplier is not None:
            by_supplier[line.supplier].append(line)
    drafted = []
    for supplier, ordered in sorted(by_supplier.items()):
        note = f"drafted by syncbot replenish on {datetime.now(UTC):%Y-%m-%d}"
        order = await purchasing.create_order(supplier, actor, location=location, note=note)
        without_cost = []
        for line in ordered:
            cost = line.last_unit_cost if line.last_unit_cost is not None else line.average_cost
            if not cost:
                without_cost.append(line.sku)
            await purchasing.add_line(order.number, line.sku, line.suggestion.quantity, actor,
                                      cost)  # fmt: skip
        units = sum(line.suggestion.quantity for line in ordered)
        drafted.append(Drafted(order.number, supplier, len(ordered), units, tuple(without_cost)))
    return drafted


CSV_HEADER = (
    "code", "name", "supplier", "order", "sells_per_day", "method", "mae", "bias",
    "reorder_point", "computed_reorder_point", "safety_stock", "available", "incoming",
    "days_of_cover", "stockout", "reasoning",
)  # fmt: skip


def csv_text(lines: Sequence[Line]) -> str:
    """The suggestions as CSV; a cell a spreadsheet would take for a formula is quoted."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_HEADER)
    for line in lines:
        suggestion, forecast = line.suggestion, line.forecast
        writer.writerow(
            (
                csv_cell(line.sku),
                csv_cell(line.name),
                csv_cell(line.supplier or ""),
                suggestion.quantity,
                f"{forecast.rate:.3f}",
                forecast.method.name,
                "" if forecast.mae is None else f"{forecast.mae:.3f}",
                "" if forecast.bias is None else f"{forecast.bias:.3f}",
                suggestion.reorder_point,
                suggestion.computed_reorder_point,
                suggestion.safety_stock,
                suggestion.stock.available,
                suggestion.stock.incoming,
                "" if suggestion.days_of_cover is None else suggestion.days_of_cover,
                "" if suggestion.stockout is None else suggestion.stockout.isoformat(),
                csv_cell(line.reasoning),
            )
        )
    return buffer.getvalue()
