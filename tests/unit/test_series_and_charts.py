"""The SKU card's daily series (walked back from today's total) and its SVG charts:
pure functions, checked against a walk forward and by hypothesis over random days."""

from __future__ import annotations

import itertools
import xml.etree.ElementTree as ET
from datetime import date, timedelta

from hypothesis import given
from hypothesis import strategies as st

from syncbot.app.sku_pages import csv_cell
from syncbot.console import charts
from syncbot.ledger.series import DayChange, DayPoint, daily_series

TODAY = date(2026, 12, 1)

changes_by_day = st.dictionaries(
    st.integers(min_value=0, max_value=120).map(lambda back: TODAY - timedelta(days=back)),
    st.builds(
        DayChange,
        st.integers(min_value=-1000, max_value=1000),
        st.integers(min_value=-50, max_value=50),
    ),
    max_size=40,
)


class TestDailySeries:
    def test_walks_back_from_the_current_total(self) -> None:
        """Received 20 three days ago, sold 5 yesterday: 0, 20, 20, 15, 15 at each day's end."""
        changes = {
            TODAY - timedelta(days=3): DayChange(20, 0),
            TODAY - timedelta(days=1): DayChange(-5, 5),
        }

        points = daily_series(TODAY, 5, 15, changes)

        assert [p.available for p in points] == [0, 20, 20, 15, 15]
        assert [p.sold for p in points] == [0, 0, 0, 5, 0]
        assert points[-1].day == TODAY
        assert points[0].day == TODAY - timedelta(days=4)

    @given(changes_by_day, st.integers(min_value=-(10**6), max_value=10**6))
    def test_walking_forward_from_the_first_day_gives_back_every_level(
        self, changes: dict[date, DayChange], now: int
    ) -> None:
        """Each day's end is the day before's end plus its change, and the last is now;
        days outside the window change nothing in it."""
        points = daily_series(TODAY, 90, now, changes)

        assert len(points) == 90
        assert points[-1].available == now
        for before, after in itertools.pairwise(points):
            assert after.day - before.day == timedelta(days=1)
            change = changes.get(after.day, DayChange())
            assert after.available == before.available + change.available
            assert after.sold == change.sold


class TestCharts:
    @given(st.lists(st.integers(min_value=-(10**9), max_value=10**9), max_size=120))
    def test_every_chart_is_well_formed_svg_inside_its_box(self, values: list[int]) -> None:
        """Any values draw as parseable SVG with a title and desc, every point inside the
        view box."""
        for draw in (charts.line_chart, charts.bar_chart):
            root = ET.fromstring(str(draw("c", "a <title> & more", values)))
            assert root.get("role") == "img"
            assert root.findtext("title") == "a <title> & more"
            assert root.findtext("desc")
            for element in root.iter():
                for name in ("y", "x"):
                    if element.get(name) is not None:
                        assert 0 <= float(element.get(name, "0")) <= charts.WIDTH
                if element.get("points"):
                    for pair in element.get("points", "").split():
                        x, y = (float(part) for part in pair.split(","))
                        assert 0 <= x <= charts.WIDTH
                        assert 0 <= y <= charts.HEIGHT

    def test_the_summary_says_the_levels_and_the_busiest_day(self) -> None:
        points = [
            DayPoint(TODAY - timedelta(days=2), 10, 0),
            DayPoint(TODAY - timedelta(days=1), 4, 6),
            DayPoint(TODAY, 7, 1),
        ]
        assert charts.summary(points) == (
            "Over the 3 days from 2026-11-29 to 2026-12-01, available went from 10 to 7 "
            "(lowest 4, highest 10). 7 units sold, most on 2026-11-30 (6)."
        )


class TestCsvCells:
    @given(st.text(max_size=20))
    def test_no_cell_starts_like_a_formula(self, text: str) -> None:
        """A cell never starts with = + - @ (or tab or CR) unquoted, and a safe one is kept."""
        cell = csv_cell(text)
        assert cell[:1] not in ("=", "+", "-", "@", "\t", "\r")
        assert cell in (text, "'" + text)
