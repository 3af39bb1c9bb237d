"""What each report page shows, built from the report's use case: a table of cells, charts
with the figures they draw spelled out beside them, and the totals. Pure: no requests."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from urllib.parse import quote

from markupsafe import Markup

from syncbot.app.cover_report import CoverLine, bands
from syncbot.app.sales_reports import AbcReport, VelocityReport
from syncbot.app.stock_aging import AgedLine, AgingTotals
from syncbot.app.sync_health import SyncHealthReport
from syncbot.console import charts
from syncbot.ledger.abc import A_SHARE, B_SHARE
from syncbot.ledger.costing import format_cost, format_money

TOP_BARS = 30
MAX_ROWS = 500
"""Rows a page shows; the CSV has every line."""


@dataclass(frozen=True, slots=True)
class Cell:
    text: str
    numeric: bool = False
    href: str | None = None
    tone: str = ""
    """"negative", "muted" or a badge's state class ("state-failed")."""


@dataclass(frozen=True, slots=True)
class Chart:
    svg: Markup
    caption: str
    legend: list[tuple[str, str]] = field(default_factory=list)
    """(label, figure) of each bar or point, in the chart's order."""


@dataclass(frozen=True, slots=True)
class ReportView:
    columns: list[tuple[str, bool]]
    """(heading, numeric)."""
    rows: list[list[Cell]]
    facts: list[tuple[str, str]]
    charts: list[Chart]
    empty: str
    lines: int = 0
    """How many lines the report has; the table shows the first MAX_ROWS."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "lines", len(self.rows))
        del self.rows[MAX_ROWS:]


def _count(value: int | None, *, link: str | None = None) -> Cell:
    if value is None:
        return Cell("—", numeric=True, tone="muted")
    tone = "negative" if value < 0 else "muted" if value == 0 else ""
    return Cell(str(value), numeric=True, href=link, tone=tone)


def _sku(code: str) -> Cell:
    return Cell(code, href=f"/skus/{quote(code, safe='')}")


def _bars(ident: str, title: str, caption: str, figures: Sequence[tuple[str, int]]) -> Chart:
    svg = charts.bar_chart(ident, title, [value for _, value in figures])
    return Chart(svg, caption, [(label, str(value)) for label, value in figures])


def velocity_view(report: VelocityReport) -> ReportView:
    span = report.span
    rows = [
        [
            _sku(line.code),
            Cell(line.name),
            Cell(line.channel or "by hand", tone="" if line.channel else "muted"),
            _count(line.units),
            Cell(f"{line.per_day:.2f}", numeric=True),
        ]
        for line in report.lines
    ]
    top = sorted(report.lines, key=lambda line: (-line.units, line.code))[:TOP_BARS]
    per_channel = list(report.per_channel().items())
    return ReportView(
        [("Code", False), ("Name", False), ("Channel", False), ("Units", True), ("Per day", True)],
        rows,
        [
            ("Days", f"{span.days}: {span.first} to {span.last} (UTC)"),
            ("Units sold", str(report.units)),
            ("Per day", f"{report.units / span.days:.2f} = {report.units} ÷ {span.days} days"),
        ],
        [
            _bars(
                "velocity-top",
                "Units sold by SKU and channel",
                f"Units sold, the {len(top)} largest SKU and channel lines",
                [(f"{line.code} {line.channel or 'by hand'}", line.units) for line in top],
            ),
            _bars(
                "velocity-channels",
                "Units sold by channel",
                "Units sold per channel",
                [(name or "by hand", units) for name, units in per_channel],
            ),
        ],
        "Nothing sold in these days.",
    )


def abc_view(report: AbcReport, currency: str) -> ReportView:
    def badge(abc: str) -> Cell:
        return Cell(abc, tone={"A": "state-ok", "B": "state-held"}.get(abc, ""))

    rows = [
        [
            _sku(line.code),
            Cell(line.name),
            _count(line.units),
            Cell(f"{line.units_share:.1f}", numeric=True),
            badge(line.units_class),
            Cell(format_cost(line.average_cost), numeric=True),
            Cell(format_money(line.value, currency), numeric=True),
            Cell(f"{line.value_share:.1f}", numeric=True),
            badge(line.value_class),
        ]
        for line in report.lines
    ]
    by_units, by_value = report.counts("units"), report.counts("value")
    cumulative = [round(line.value_share) for line in report.lines]
    return ReportView(
        [
            ("Code", False),
            ("Name", False),
            ("Units", True),
            ("Cumulative % (units)", True),
            ("Class (units)", False),
            (f"Average cost ({currency})", True),
            (f"Value ({currency})", True),
            ("Cumulative % (value)", True),
            ("Class (value)", False),
        ],
        rows,
        [
            ("Days", f"{report.span.days}: {report.span.first} to {report.span.last} (UTC)"),
            ("Units sold", str(report.units)),
            (f"Value ({currency})", format_money(report.value, currency)),
            ("By units", ", ".join(f"{key} {count}" for key, count in by_units.items())),
            ("By value", ", ".join(f"{key} {count}" for key, count in by_value.items())),
            ("Classes", f"A: the first {A_SHARE}% of the total, B: up to {B_SHARE}%, C: the rest"),
        ],
        [
            Chart(
                charts.line_chart("abc-pareto", "Cumulative share of value, %", cumulative),
                "Cumulative share of value, SKUs from the largest",
                [(line.code, f"{line.value_share:.1f}%") for line in report.lines[:TOP_BARS]],
            )
        ],
        "Nothing sold in these days.",
    )


def aging_view(lines: list[AgedLine], totals: AgingTotals, currency: str) -> ReportView:
    def day(value: object) -> Cell:
        return Cell("never", tone="muted") if value is None else Cell(str(value))

    rows = [
        [
            _sku(line.code),
            Cell(line.name),
            _count(line.on_hand),
            Cell(format_money(line.value, currency), numeric=True),
            day(line.last_receipt),
            _count(line.days_since_receipt),
            day(line.last_sale),
            _count(line.days_since_sale),
            Cell("dead", tone="state-failed") if line.dead else Cell(""),
        ]
        for line in lines
    ]
    return ReportView(
        [
            ("Code", False),
            ("Name", False),
            ("On hand", True),
            (f"Value ({currency})", True),
            ("Last receipt", False),
            ("Days", True),
            ("Last sale", False),
            ("Days", True),
            ("", False),
        ],
        rows,
        [
            ("SKUs on hand", str(totals.skus)),
            ("On hand", f"{totals.on_hand} units, {format_money(totals.value, currency)}"),
            (
                "Dead stock",
                f"{totals.dead_skus} SKUs, {totals.dead_on_hand} units, "
                f"{format_money(totals.dead_value, currency)} {currency}",
            ),
        ],
        [
            _bars(
                "aging-buckets",
                "Units on hand by days since the last sale",
                "Units on hand by days since the SKU's last sale",
                list(totals.buckets.items()),
            )
        ],
        "No stock on hand.",
    )


def cover_view(lines: list[CoverLine]) -> ReportView:
    rows = [
        [
            _sku(line.code),
            Cell(line.name),
            _count(line.available),
            _count(line.incoming),
            Cell(f"{line.per_day:.2f}", numeric=True),
            Cell(line.method, tone="muted"),
            _count(line.days_of_cover),
            Cell("" if line.stockout is None else line.stockout.isoformat()),
        ]
        for line in lines
    ]
    return ReportView(
        [
            ("Code", False),
            ("Name", False),
            ("Available", True),
            ("Incoming", True),
            ("Sells per day", True),
            ("Forecast", False),
            ("Days of cover", True),
            ("Stock-out", False),
        ],
        rows,
        [("SKUs", str(len(lines)))],
        [
            _bars(
                "cover-bands",
                "SKUs by days of cover",
                "SKUs by days of cover left",
                list(bands(lines).items()),
            )
        ],
        "No SKUs.",
    )


SYNC_COLUMNS = (
    ("pushes", "Pushes"),
    ("failed_pushes", "Failed pushes"),
    ("quarantines", "Quarantines"),
    ("drift_checks", "Drift checks"),
    ("drifting", "Drifting"),
    ("sync_failures", "Failed syncs"),
)


def sync_health_view(report: SyncHealthReport) -> ReportView:
    rows = [
        [
            Cell(row.day.isoformat()),
            Cell(row.channel, href=f"/channels/{quote(row.channel, safe='')}"),
            *(_count(int(getattr(row, name))) for name, _ in SYNC_COLUMNS),
        ]
        for row in report.rows
    ]

    def per_day(name: str, title: str) -> Chart:
        values = [int(getattr(day, name)) for day in report.days]
        svg = charts.line_chart(f"sync-{name}", title, values)
        legend = [
            (day.day.isoformat(), str(value))
            for day, value in zip(report.days, values, strict=True)
            if value
        ]
        return Chart(svg, f"{title} per day, {report.span.first} to {report.span.last}", legend)

    return ReportView(
        [("Day", False), ("Channel", False), *((label, True) for _, label in SYNC_COLUMNS)],
        rows,
        [(label, str(report.total(name))) for name, label in SYNC_COLUMNS if name != "drifting"],
        [
            per_day("pushes", "Pushes"),
            per_day("failed_pushes", "Failed pushes"),
            per_day("quarantines", "Quarantines"),
            per_day("drifting", "Listings drifting"),
            per_day("sync_failures", "Failed syncs"),
        ],
        "Nothing recorded in these days.",
    )
