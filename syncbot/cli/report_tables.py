"""The tables `syncbot report` prints: one line per SKU (or day), then the totals."""

from __future__ import annotations

from collections.abc import Iterable

from rich.table import Table
from rich.text import Text

from syncbot.app.cover_report import CoverLine
from syncbot.app.sales_reports import AbcReport, VelocityReport
from syncbot.app.stock_aging import AgedLine, AgingTotals
from syncbot.app.sync_health import COUNTS, SyncHealthReport
from syncbot.ledger.abc import A_SHARE, B_SHARE
from syncbot.ledger.costing import format_cost, format_money


def _table(title: str, columns: Iterable[str], numeric: Iterable[str]) -> Table:
    table = Table(title=title, title_justify="left")
    right = set(numeric)
    for column in columns:
        table.add_column(column, justify="right" if column in right else "left")
    return table


def _number(value: int | None) -> Text:
    if value is None:
        return Text("")
    return Text(str(value), style="bold red" if value < 0 else "dim" if value == 0 else "")


def _span(first: object, last: object) -> str:
    return f"from {first} to {last} (UTC days)"


def velocity_table(report: VelocityReport) -> Table:
    span = report.span
    table = _table(
        f"Sales velocity over {span.days} days, {_span(span.first, span.last)}",
        ("code", "name", "channel", "units", "units/day"),
        ("units", "units/day"),
    )
    for line in report.lines:
        table.add_row(
            line.code,
            line.name,
            line.channel or "(by hand)",
            _number(line.units),
            f"{line.per_day:.2f}",
        )
    table.add_section()
    total = report.units
    table.add_row(
        Text(f"total ({len(report.lines)} lines)", style="bold"),
        "",
        "",
        _number(total),
        f"{total / span.days:.2f}",
    )
    return table


def abc_table(report: AbcReport, currency: str) -> Table:
    span = report.span
    table = _table(
        f"ABC classes over {span.days} days, {_span(span.first, span.last)}: A makes the "
        f"first {A_SHARE}%, B up to {B_SHARE}%, C the rest",
        (
            "code",
            "name",
            "units",
            "cum. %",
            "class",
            "avg cost",
            f"value ({currency})",
            "cum. % ",
            "class ",
        ),
        ("units", "cum. %", "avg cost", f"value ({currency})", "cum. % "),
    )
    for line in report.lines:
        table.add_row(
            line.code,
            line.name,
            _number(line.units),
            f"{line.units_share:.1f}",
            line.units_class,
            format_cost(line.average_cost),
            format_money(line.value, currency),
            f"{line.value_share:.1f}",
            line.value_class,
        )
    table.add_section()
    by_units, by_value = report.counts("units"), report.counts("value")
    table.add_row(
        Text(f"total ({len(report.lines)} SKUs)", style="bold"),
        "",
        _number(report.units),
        "",
        " ".join(f"{key}{count}" for key, count in by_units.items()),
        "",
        format_money(report.value, currency),
        "",
        " ".join(f"{key}{count}" for key, count in by_value.items()),
    )
    return table


def aging_table(title: str, lines: Iterable[AgedLine], totals: AgingTotals, currency: str) -> Table:
    table = _table(
        title,
        (
            "code",
            "name",
            "on_hand",
            f"value ({currency})",
            "last receipt",
            "days",
            "last sale",
            "days ",
            "dead",
        ),
        ("on_hand", f"value ({currency})", "days", "days "),
    )
    for line in lines:
        table.add_row(
            line.code,
            line.name,
            _number(line.on_hand),
            format_money(line.value, currency),
            str(line.last_receipt or "never"),
            _number(line.days_since_receipt),
            str(line.last_sale or "never"),
            _number(line.days_since_sale),
            Text("dead", style="bold red") if line.dead else "",
        )
    table.add_section()
    table.add_row(
        Text(f"total ({totals.skus} SKUs)", style="bold"),
        "",
        _number(totals.on_hand),
        format_money(totals.value, currency),
        "",
        "",
        "",
        "",
        "",
    )
    table.add_row(
        Text(f"dead ({totals.dead_skus} SKUs)", style="bold"),
        "",
        _number(totals.dead_on_hand),
        format_money(totals.dead_value, currency),
        "",
        "",
        "",
        "",
        "",
    )
    return table


def cover_table(title: str, lines: Iterable[CoverLine]) -> Table:
    table = _table(
        title,
        (
            "code",
            "name",
            "available",
            "incoming",
            "units/day",
            "method",
            "days of cover",
            "stock-out",
        ),
        ("available", "incoming", "units/day", "days of cover"),
    )
    for line in lines:
        table.add_row(
            line.code,
            line.name,
            _number(line.available),
            _number(line.incoming),
            f"{line.per_day:.2f}",
            line.method,
            "—" if line.days_of_cover is None else _number(line.days_of_cover),
            "" if line.stockout is None else line.stockout.isoformat(),
        )
    return table


def sync_health_table(report: SyncHealthReport) -> Table:
    span = report.span
    names = [name.replace("_", " ") for name in COUNTS]
    table = _table(
        f"Sync health over {span.days} days, {_span(span.first, span.last)}",
        ("day", "channel", *names),
        names,
    )
    for row in report.rows:
        table.add_row(
            row.day.isoformat(), row.channel, *(_number(getattr(row, name)) for name in COUNTS)
        )
    table.add_section()
    table.add_row(
        Text("total", style="bold"), "", *(_number(report.total(name)) for name in COUNTS)
    )
    return table
