"""How the command line shows the ledger: rich tables and one-line descriptions, no I/O."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC

from rich.console import Console
from rich.table import Table
from rich.text import Text

from syncbot.app.stock import StockReport, VerifyReport
from syncbot.app.valuation import (
    CostLine,
    CostTotals,
    ValuationTotals,
    ValuedLine,
    average_text,
    cost_values,
)
from syncbot.app.views import MovementView, SkuTotal
from syncbot.ledger import Bucket, Event, Movement, Oversold, Quantities
from syncbot.ledger.costing import format_cost, format_money
from syncbot.ledger.events import BelowReorderPoint

# Piped output (grep, a log file) has no terminal width; rich would wrap at 80 columns.
PIPE_WIDTH = 200


def console(*, stderr: bool = False) -> Console:
    """A console on the current stdout or stderr; wide when not a terminal, so lines stay whole."""
    out = Console(stderr=stderr, highlight=False)
    if not out.is_terminal:
        out.width = PIPE_WIDTH
    return out


def _number(quantity: int) -> Text:
    """A quantity, red when below zero: negative available is an oversell."""
    return Text(str(quantity), style="bold red" if quantity < 0 else "")


def _quantity_cells(quantities: Quantities) -> list[Text]:
    return [
        _number(quantities.on_hand),
        _number(quantities.available),
        _number(quantities.committed),
        _number(quantities.damaged),
        _number(quantities.incoming),
    ]


def _quantity_table(title: str) -> Table:
    table = Table(title=title, title_justify="left")
    table.add_column("location")
    for name in ("on_hand", "available", "committed", "damaged", "incoming"):
        table.add_column(name, justify="right")
    return table


def stock_table(report: StockReport) -> Table:
    """Every location of one SKU, then the total over all of them."""
    title = f"{report.sku} {report.name}".strip()
    if report.reorder_point is not None:
        title += f" (reorder point {report.reorder_point})"
    if report.average_cost:
        title += f", average cost {format_cost(report.average_cost)}"
    table = _quantity_table(title)
    for location, quantities in report.locations.items():
        table.add_row(location, *_quantity_cells(quantities))
    table.add_section()
    table.add_row(Text("total", style="bold"), *_quantity_cells(report.total))
    return table


def location_table(report: StockReport, location: str) -> Table:
    """The quantities of one SKU at one location, as they are after a posting."""
    table = _quantity_table(f"{report.sku} now")
    table.add_row(location, *_quantity_cells(report.locations.get(location, Quantities())))
    return table


def sku_table(skus: Iterable[SkuTotal]) -> Table:
    """The catalogue with on_hand and available over all locations."""
    table = Table(title="SKUs", title_justify="left")
    table.add_column("code")
    table.add_column("name")
    table.add_column("reorder point", justify="right")
    table.add_column("on_hand", justify="right")
    table.add_column("available", justify="right")
    for line in skus:
        sku, total = line.sku, line.total
        point = "" if sku.reorder_point is None else str(sku.reorder_point)
        table.add_row(sku.code, sku.name, point, _number(total.on_hand), _number(total.available))
    return table


def _position(location: str, bucket: str) -> str:
    return f"{location}/{bucket}"


def history_table(sku: str, rows: Iterable[MovementView]) -> Table:
    """Movements newest first; times are UTC."""
    table = Table(title=f"{sku}: movements, newest first", title_justify="left")
    table.add_column("id", justify="right")
    table.add_column("when (UTC)")
    table.add_column("kind")
    table.add_column("quantity", justify="right")
    table.add_column("from")
    table.add_column("to")
    table.add_column("reason")
    table.add_column("actor")
    for row in rows:
        table.add_row(
            str(row.id),
            row.occurred_at.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S"),
            row.kind,
            str(row.quantity),
            _position(row.source_location, row.source_bucket),
            _position(row.destination_location, row.destination_bucket),
            row.reason,
            row.actor,
        )
    return table


def mismatch_table(report: VerifyReport) -> Table:
    """Every balance row that differs from the replay of the ledger."""
    table = Table(title="balances that differ from the replay", title_justify="left")
    table.add_column("sku")
    table.add_column("location")
    table.add_column("bucket")
    table.add_column("stored", justify="right")
    table.add_column("replayed", justify="right")
    for mismatch in report.mismatches:
        table.add_row(
            mismatch.sku,
            mismatch.location,
            mismatch.bucket,
            str(mismatch.stored),
            str(mismatch.replayed),
        )
    return table


def describe(movement: Movement) -> str:
    """One line: "damage 3 × MUG-1: main/available → main/damaged (dropped)"."""
    line = (
        f"{movement.kind} {movement.quantity} × {movement.sku}: "
        f"{_position(movement.source.location, movement.source.bucket)} → "
        f"{_position(movement.destination.location, movement.destination.bucket)}"
    )
    if movement.unit_cost is not None:
        line += f" at {format_cost(movement.unit_cost)}"
    if movement.forced:
        line += " [forced]"
    if movement.reason:
        line += f" ({movement.reason})"
    return line


def describe_count(counted_on_hand: int, movement: Movement | None) -> str:
    """The count's line, e.g. "counted 7, was 10: posted -3", from the difference it posted."""
    if movement is None:
        return "count matches, nothing posted"
    change = (
        movement.quantity if movement.destination.bucket == Bucket.AVAILABLE else -movement.quantity
    )
    return f"counted {counted_on_hand}, was {counted_on_hand - change}: posted {change:+d}"


def warning(event: Event) -> str | None:
    """The alarm an operator should see after a posting, if the event is one."""
    if isinstance(event, Oversold):
        return (
            f"warning: {event.sku} is oversold at {event.location}: available is {event.available}"
        )
    if isinstance(event, BelowReorderPoint):
        return (
            f"warning: {event.sku} available {event.available} is at or below "
            f"its reorder point {event.reorder_point}"
        )
    return None


def _money(value: int, currency: str) -> Text:
    """An amount rounded to the currency's smallest unit, red when below zero."""
    return Text(format_money(value, currency), style="bold red" if value < 0 else "")


def valuation_table(
    title: str, lines: Iterable[ValuedLine], totals: ValuationTotals, currency: str
) -> Table:
    """Per SKU: on hand × average = value, then the totals (kept exact, rounded once)."""
    table = Table(title=title, title_justify="left")
    table.add_column("code")
    table.add_column("name")
    table.add_column("on_hand", justify="right")
    table.add_column(f"average cost ({currency})", justify="right")
    table.add_column(f"value ({currency})", justify="right")
    for line in lines:
        table.add_row(
            line.code,
            line.name,
            _number(line.on_hand),
            average_text(line.average),
            _money(line.value, currency),
        )
    table.add_section()
    table.add_row(
        Text(f"total ({totals.skus} SKUs)", style="bold"),
        "",
        _number(totals.on_hand),
        "",
        _money(totals.value, currency),
    )
    return table


COST_COLUMNS = (
    "units sold",
    "cost of goods sold",
    "write_off",
    "count",
    "adjust",
    "write-offs",
    "receipts",
    "value change",
)


def cost_table(title: str, lines: Iterable[CostLine], totals: CostTotals, currency: str) -> Table:
    """Per SKU: units sold, cost of goods sold, write-offs by kind, receipts and the change
    in value; then the totals and the value on hand when the period opened and closed."""
    table = Table(title=title, title_justify="left")
    table.add_column("code")
    table.add_column("name")
    for column in COST_COLUMNS:
        table.add_column(column, justify="right")
    for line in lines:
        amounts = [_money(value, currency) for value in cost_values(line.figures)]
        table.add_row(line.code, line.name, _number(line.figures.units_sold), *amounts)
    table.add_section()
    amounts = [_money(value, currency) for value in cost_values(totals.figures)]
    table.add_row(Text("total", style="bold"), "", _number(totals.figures.units_sold), *amounts)
    table.caption = (
        f"value on hand: {format_money(totals.opening_value, currency)} at the start, "
        f"{format_money(totals.closing_value, currency)} at the end ({currency}); "
        "receipts = cost of goods sold + write-offs + value change"
    )
    table.caption_justify = "left"
    return table
