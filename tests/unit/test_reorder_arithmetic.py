"""The reorder arithmetic against a worked example, and the rules every suggestion keeps."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from syncbot.ledger.forecast import Forecast, Method
from syncbot.ledger.replenishment import (
    ReplenishmentError,
    Stock,
    Terms,
    days_of_cover,
    safety_stock,
    suggest,
)

TODAY = date(2026, 12, 1)
STEADY = Forecast(Method("ses", 0.2), level=2.0, mae=1.2, bias=0.1, sigma=1.5, history_days=90)


class TestWorkedExample:
    def test_order_40_on_a_case_of_20(self) -> None:
        """Sells 2/day, σ 1.5, lead 14 days at 95%: safety ⌈1.645 × 1.5 × √14⌉ = ⌈9.23⌉ =
        10, reorder point 28 + 10 = 38. Available 12 + incoming 10 = 22: 16 short. Cover 30
        days: 2 × 44 + 10 − 22 = 76, in cases of 20 → 80. Available lasts 6 days."""
        suggestion = suggest(
            STEADY,
            Stock(available=12, incoming=10),
            Terms(lead_time_days=14, case_pack=20),
            service_level=0.95,
            cover_days=30,
            today=TODAY,
        )
        assert suggestion.safety_stock == 10
        assert (suggestion.computed_reorder_point, suggestion.short) == (38, 16)
        assert (suggestion.to_cover, suggestion.quantity) == (76, 80)
        assert (suggestion.days_of_cover, suggestion.stockout) == (6, date(2026, 12, 7))
        assert suggestion.reasoning(30) == (
            "order 80: sells 2.0/day (exponential smoothing, MAE 1.2), lead 14 days + safety"
            " 10 = 38; available 12, incoming 10 → 16 short; cover 30 days → 76; case of 20"
            " → 80"
        )

    def test_a_reorder_point_set_by_a_person_wins_and_both_show(self) -> None:
        suggestion = suggest(
            STEADY, Stock(12, 10, reorder_point=20), Terms(14), service_level=0.95,
            cover_days=30, today=TODAY,
        )  # fmt: skip
        assert (suggestion.reorder_point, suggestion.computed_reorder_point) == (20, 38)
        assert suggestion.quantity == 0
        assert "set reorder point 20 wins" in suggestion.reasoning(30)
        assert suggestion.reasoning(30).startswith("no order:")

    def test_the_minimum_order_lifts_a_small_order(self) -> None:
        suggestion = suggest(
            STEADY, Stock(10, 0), Terms(7, minimum_order=100, case_pack=12),
            service_level=0.9, cover_days=7, today=TODAY,
        )  # fmt: skip
        assert suggestion.quantity == 108  # 100, in cases of 12
        assert "minimum order 100" in suggestion.reasoning(7)


class TestRefusals:
    @pytest.mark.parametrize("level", [0, 1, -0.5, 1.5])
    def test_a_service_level_outside_0_1(self, level: float) -> None:
        with pytest.raises(ReplenishmentError, match="between 0 and 1"):
            safety_stock(STEADY, 14, level)

    def test_a_negative_lead_time(self) -> None:
        with pytest.raises(ReplenishmentError, match="lead time"):
            Terms(lead_time_days=-1)

    def test_a_case_pack_of_zero(self) -> None:
        with pytest.raises(ReplenishmentError, match="case pack"):
            Terms(7, case_pack=0)


def test_nothing_expected_to_sell_never_runs_out() -> None:
    idle = Forecast(Method("mean"), level=0.0, history_days=90)
    assert days_of_cover(idle, 5) is None
    assert days_of_cover(idle, 0) == 0


@given(
    level=st.floats(0, 50),
    sigma=st.floats(0, 20),
    available=st.integers(-20, 500),
    incoming=st.integers(0, 500),
    lead=st.integers(0, 60),
    moq=st.integers(0, 200),
    case=st.integers(1, 48),
    cover=st.integers(0, 90),
)
def test_every_order_is_whole_cases_at_least_the_minimum_and_reaches_the_point(
    level: float, sigma: float, available: int, incoming: int, lead: int, moq: int, case: int,
    cover: int,
) -> None:  # fmt: skip
    forecast = Forecast(Method("ses", 0.2), level=level, mae=sigma, bias=0, sigma=sigma)
    stock = Stock(available, incoming)
    suggestion = suggest(
        forecast, stock, Terms(lead, moq, case), service_level=0.95, cover_days=cover,
        today=TODAY,
    )  # fmt: skip
    assert suggestion.quantity % case == 0
    if suggestion.quantity:
        assert suggestion.quantity >= moq
        assert stock.position + suggestion.quantity >= suggestion.reorder_point
    else:
        assert stock.position >= suggestion.reorder_point


@given(
    level=st.floats(0, 30),
    weekly=st.lists(st.floats(-5, 5), min_size=7, max_size=7),
    available=st.integers(-5, 3000),
    days=st.integers(0, 400),
)
def test_the_weekly_shortcuts_equal_walking_day_by_day(
    level: float, weekly: list[float], available: int, days: int
) -> None:
    """Without a trend, demand and days of cover skip whole weeks: the same as walking."""
    forecast = Forecast(Method("seasonal", 0.1, gamma=0.1), level=level, weekly=tuple(weekly))
    walked = sum(forecast.daily(day) for day in range(1, days + 1))
    assert forecast.demand(days) == pytest.approx(walked, abs=1e-6)
    left, cover = float(available), None
    if available <= 0:
        cover = 0
    else:
        for day in range(1, 3651):
            left -= forecast.daily(day)
            if left < 0:
                cover = day - 1
                break
    found = days_of_cover(forecast, available)
    if cover is None or cover >= 3640:  # near the ten-year cap the shortcut may say None
        assert found is None or found >= 3640
    else:
        assert found == cover
