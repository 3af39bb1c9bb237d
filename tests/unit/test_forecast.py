"""The forecasting methods against hand-worked examples, and the properties every forecast
keeps: a constant series forecasts the constant, nothing is ever negative, and the choice
is never worse than the naive baseline on the SKU's own history."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from syncbot.ledger import ValidationError, smoothing
from syncbot.ledger.forecast import (
    DAMPING,
    HOLDOUT,
    MIN_HISTORY,
    Method,
    candidates,
    choose,
    fit,
    is_intermittent,
    one_step,
    score,
)

days = st.lists(st.integers(min_value=0, max_value=50), min_size=MIN_HISTORY, max_size=90)


class TestHandWorked:
    def test_ses_moves_the_level_by_alpha_of_the_error(self) -> None:
        """Seven days of 2 open the level at 2; a day of 4 at α = 0.5 moves it to 3."""
        made, state = smoothing.ses([2] * 7 + [4], 0.5)
        assert made == [2.0] * 8
        assert state.level == 3.0
        assert fit([2] * 7 + [4], Method("ses", 0.5)).demand(10) == 30.0

    def test_croston_sba_smooths_sizes_and_intervals(self) -> None:
        """0, 0, 3 seeds size 3 every 3 days: (1 − 0.05) × 3 / 3 = 0.95 a day. Then 5 after
        2 days: size 3 + 0.1 × 2 = 3.2, interval 3 + 0.1 × (2 − 3) = 2.9."""
        made, state = smoothing.croston([0, 0, 3, 0, 5], 0.1)
        assert made == pytest.approx([0, 0, 0, 0.95, 0.95])
        assert state.level == pytest.approx(0.95 * 3.2 / 2.9)

    def test_holt_opens_on_the_first_two_weeks_and_damps_the_trend(self) -> None:
        """1 … 14 opens at level 4 (the first week's mean) and trend 1 a day (week two's
        mean is 7 higher); the first forecast is 4 + φ × 1 with φ = 0.98. After a 1 at α 0.5,
        β 0.1: level 0.5 × 1 + 0.5 × 4.98 = 2.99, trend 0.1 × (2.99 − 4) + 0.9 × 0.98 × 1 =
        0.781, so the second forecast is 2.99 + 0.98 × 0.781."""
        assert DAMPING == 0.98
        made, _ = smoothing.holt(list(range(1, 15)), 0.5, 0.1)
        assert made[0] == pytest.approx(4.98)
        assert made[1] == pytest.approx(2.99 + 0.98 * 0.781)

    def test_the_mean_baseline_is_the_last_28_days(self) -> None:
        series = [10] * 30 + [0] * 28
        made, state = smoothing.mean(series)
        assert state.level == 0.0
        assert made[30] == 10.0
        assert made[-1] == pytest.approx(10 / 28)

    def test_weekly_indices_follow_the_weekday_from_tomorrow(self) -> None:
        """Sold 10 on the 7th day of each week and nothing else: the forecast's peak falls
        on the days that continue that pattern."""
        week = [0, 0, 0, 0, 0, 0, 10]
        forecast = choose(week * 10)
        assert forecast.method.name == "seasonal"
        peaks = [day for day in range(1, 15) if forecast.daily(day) > 5]
        assert peaks == [7, 14]
        assert forecast.mae is not None
        assert forecast.mae < 2

    def test_a_new_sku_gets_the_mean_of_its_days_and_no_error(self) -> None:
        forecast = choose([3, 0, 3])
        assert (forecast.method.name, forecast.level, forecast.mae) == ("mean", 2.0, None)
        assert forecast.is_new

    def test_negative_units_are_refused(self) -> None:
        with pytest.raises(ValidationError, match="negative"):
            choose([1] * 20 + [-1])

    def test_an_intermittent_seller_gets_croston_and_a_trend_gets_holt(self) -> None:
        gaps = [5, 11, 3, 9, 14, 2, 8, 6, 12, 4, 10, 7] * 2
        intermittent: list[int] = []
        for gap, units in zip(gaps, [4, 2, 5, 3, 1, 6] * 4, strict=True):
            intermittent += [0] * gap + [units]
        assert is_intermittent(intermittent)
        assert choose(intermittent).method.name in {"croston", "ses", "mean"}
        trending = [day // 3 for day in range(120)]
        chosen = choose(trending)
        assert chosen.method.name == "holt"
        assert chosen.rate > trending[-1]


class TestProperties:
    @settings(max_examples=200)
    @given(st.integers(min_value=0, max_value=1000), st.integers(MIN_HISTORY, 120))
    def test_a_constant_series_forecasts_the_constant(self, units: int, length: int) -> None:
        forecast = choose([units] * length)
        assert forecast.demand(7) == pytest.approx(7 * units)
        assert forecast.mae == pytest.approx(0)

    @settings(max_examples=200)
    @given(days)
    def test_forecasts_are_never_negative(self, series: list[int]) -> None:
        for method in candidates():
            made = one_step(series, method)
            forecast = fit(series, method)
            assert min(made) >= 0
            assert min(forecast.daily(day) for day in range(1, 30)) >= 0

    @settings(max_examples=100)
    @given(days)
    def test_the_choice_is_never_worse_than_the_baseline_on_its_history(
        self, series: list[int]
    ) -> None:
        """The baseline is a candidate, so the chosen RMSE (σ) is at most the baseline's."""
        chosen = choose(series)
        holdout = min(HOLDOUT, len(series) - 14)
        baseline = score(one_step(series, Method("mean")), series, holdout).sigma
        assert chosen.sigma is not None
        assert chosen.sigma <= baseline + 1e-9

    @settings(max_examples=100)
    @given(days, st.sampled_from(list(candidates())))
    def test_one_step_forecasts_use_only_the_days_before(
        self, series: list[int], method: Method
    ) -> None:
        """Changing day t changes no forecast made for days up to t, once the two weeks that
        open the state are behind (only those are ever scored): nothing leaks."""
        t = max(14, len(series) // 2)
        changed = [*series[:t], series[t] + 7, *series[t + 1 :]]
        assert one_step(series, method)[: t + 1] == one_step(changed, method)[: t + 1]


def test_seasonal_needs_whole_weeks_before_the_holdout() -> None:
    """On 30 days a weekly pattern cannot be told from noise: no seasonal method is tried."""
    week = [0, 0, 0, 0, 0, 0, 10]
    assert choose((week * 5)[:30]).method.name != "seasonal"
    _, seeded = smoothing.seasonal(week * 2, 0.1, 0.1)
    assert len(seeded.weekly) == 7
