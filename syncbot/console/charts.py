"""Server-rendered SVG charts for the console: pure functions from numbers to markup.

No chart library and no script: each chart is an inline `<svg role="img">` with a
`<title>` and a `<desc>`, and `summary` says the same in a sentence for screen readers
and for anyone who would rather read than look.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from markupsafe import Markup

from syncbot.ledger.series import DayPoint

WIDTH = 600
HEIGHT = 120
PAD = 4


def _scale(values: Sequence[int]) -> tuple[int, int]:
    low, high = min(0, *values), max(0, *values)
    return low, high if high > low else low + 1


def _y(value: int, low: int, high: int) -> float:
    return round(PAD + (HEIGHT - 2 * PAD) * (high - value) / (high - low), 1)


def _frame(ident: str, title: str, desc: str, body: str) -> Markup:
    return Markup(
        f'<svg class="chart" id="{escape(ident)}" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'preserveAspectRatio="none" role="img" aria-labelledby="{escape(ident)}-t '
        f'{escape(ident)}-d" width="100%" height="{HEIGHT}">'
        f'<title id="{escape(ident)}-t">{escape(title)}</title>'
        f'<desc id="{escape(ident)}-d">{escape(desc)}</desc>{body}</svg>'
    )


def line_chart(ident: str, title: str, values: Sequence[int]) -> Markup:
    """A line through `values`, evenly spaced, with the zero line drawn."""
    if not values:
        return _frame(ident, title, "no data", "")
    low, high = _scale(values)
    step = (WIDTH - 2 * PAD) / max(1, len(values) - 1)
    points = " ".join(
        f"{round(PAD + index * step, 1)},{_y(value, low, high)}"
        for index, value in enumerate(values)
    )
    zero = _y(0, low, high)
    body = (
        f'<line class="axis" x1="0" x2="{WIDTH}" y1="{zero}" y2="{zero}"/>'
        f'<polyline class="line" fill="none" points="{points}"/>'
    )
    desc = (
        f"{len(values)} points from {values[0]} to {values[-1]}, "
        f"lowest {min(values)}, highest {max(values)}"
    )
    return _frame(ident, title, desc, body)


def bar_chart(ident: str, title: str, values: Sequence[int]) -> Markup:
    """One bar per value, up from the zero line (down for a negative value)."""
    if not values:
        return _frame(ident, title, "no data", "")
    low, high = _scale(values)
    width = (WIDTH - 2 * PAD) / len(values)
    zero = _y(0, low, high)
    bars = []
    for index, value in enumerate(values):
        if value == 0:
            continue
        top = min(zero, _y(value, low, high))
        height = round(abs(_y(value, low, high) - zero), 1)
        bars.append(
            f'<rect class="bar" x="{round(PAD + index * width, 1)}" y="{top}" '
            f'width="{round(max(1.0, width - 1), 1)}" height="{height}"/>'
        )
    desc = f"{len(values)} bars, total {sum(values)}, highest {max(values)}"
    body = f'<line class="axis" x1="0" x2="{WIDTH}" y1="{zero}" y2="{zero}"/>' + "".join(bars)
    return _frame(ident, title, desc, body)


def summary(points: Sequence[DayPoint]) -> str:
    """The two series in a sentence: where available went, and what sold and when most."""
    if not points:
        return "No days to show."
    levels = [point.available for point in points]
    sold = sum(point.sold for point in points)
    busiest = max(points, key=lambda point: point.sold)
    text = (
        f"Over the {len(points)} days from {points[0].day} to {points[-1].day}, available "
        f"went from {levels[0]} to {levels[-1]} (lowest {min(levels)}, highest {max(levels)}). "
        f"{sold} units sold"
    )
    if busiest.sold > 0:
        text += f", most on {busiest.day} ({busiest.sold})"
    return text + "."
