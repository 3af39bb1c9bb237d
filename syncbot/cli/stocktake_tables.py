"""How the command line shows stock-takes: the review table, the list, and review CSV."""

from __future__ import annotations

import csv
import io
from datetime import UTC

from rich.table import Table
from rich.text import Text

from syncbot.app.stocktakes import LineView, StocktakeSummary, StocktakeView
from syncbot.ledger.costing import format_money

REVIEW_COLUMNS = (
    "sku", "expected", "counted", "variance", "percent", "value", "approval", "counts",
)  # fmt: skip


def _blank(value: object) -> str:
    return "" if value is None else str(value)


def _signed(value: int | None) -> Text:
    if value is None:
        return Text("")
    if value == 0:
        return Text("0")
    return Text(f"{value:+d}", style="bold red" if value < 0 else "green")


def _approval(line: LineView) -> str:
    if line.needs_approval:
        return "needs manager (" + ", ".join(line.over) + ")"
    return f"approved by {line.approved_by}" if line.approved_by else ""


def _cells(line: LineView, currency: str) -> list[str | Text]:
    if not line.is_counted:
        return [line.sku, _blank(line.expected), "not counted", "", "", "", "", ""]
    value = "" if line.value is None else format_money(line.value, currency)
    percent = "" if line.percent is None else f"{line.percent:+}%" if line.percent else "0.0%"
    return [
        line.sku, _blank(line.expected), _blank(line.counted), _signed(line.variance), percent,
        value, _approval(line), str(len(line.counts)),
    ]  # fmt: skip


def review_table(view: StocktakeView, currency: str) -> Table:
    """Each line: expected at its count, counted, variance, percent, value, approval."""
    where = f"at {view.location}, {view.scope}" + (", blind" if view.blind else "")
    title = (
        f"Stock-take {view.label} {where}: {view.status}, "
        f"{view.counted_lines} of {len(view.lines)} counted"
    )
    table = Table(title=title)
    for column in REVIEW_COLUMNS:
        right = column not in ("sku", "approval")
        table.add_column(column, justify="right" if right else "left")
    for line in view.lines:
        table.add_row(*_cells(line, currency))
    return table


def review_csv(view: StocktakeView, currency: str) -> str:
    """The review as CSV: one row per line, amounts as plain decimals."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(
        ["sku", "expected", "counted", "variance", "percent", "value", "needs_approval",
         "approved_by"]
    )  # fmt: skip
    for line in view.lines:
        writer.writerow(
            [
                line.sku,
                _blank(line.expected),
                _blank(line.counted),
                _blank(line.variance),
                _blank(line.percent),
                "" if line.value is None else format_money(line.value, currency),
                "yes" if line.needs_approval else "no",
                line.approved_by,
            ]
        )
    return out.getvalue()


def sessions_table(rows: list[StocktakeSummary]) -> Table:
    table = Table(title="Stock-takes")
    for column in ("id", "name", "location", "status", "counted", "blind", "started", "by"):
        table.add_column(column)
    for row in rows:
        table.add_row(
            str(row.id), row.name or "", row.location, str(row.status),
            f"{row.counted}/{row.lines}", "yes" if row.blind else "",
            f"{row.created_at.astimezone(UTC):%Y-%m-%d %H:%M}", row.actor,
        )  # fmt: skip
    return table
