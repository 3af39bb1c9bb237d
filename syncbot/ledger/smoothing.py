"""The smoothing recursions the forecasts are made of: pure functions over a daily series.

Each returns the one-step forecast it made for every day of the series, from the days
before that day only (so a backtest can score them), and its state after the last day.
Which one a SKU gets, and with which parameters, is `forecast.choose`'s business.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

SEASON = 7
"""One week: the only seasonality daily retail demand shows often enough to model."""
DAMPING = 0.98
"""φ of the damped trend: a trend fades over weeks instead of running on forever."""
BASELINE_DAYS = 28
"""The naive baseline's window: the mean of the last 28 days."""


@dataclass(frozen=True, slots=True)
class State:
    """The smoothed state after the last day: a level, a trend per day, and seven additive
    weekday indices, the first one for the day after the series."""

    level: float
    trend: float = 0.0
    weekly: tuple[float, ...] = (0.0,) * SEASON


Smoothed = tuple[list[float], State]


def mean(series: Sequence[int]) -> Smoothed:
    """The mean of the last BASELINE_DAYS days: the naive baseline."""
    made: list[float] = []
    window: list[int] = []
    total = 0
    for units in series:
        made.append(total / len(window) if window else 0.0)
        window.append(units)
        total += units
        if len(window) > BASELINE_DAYS:
            total -= window.pop(0)
    return made, State(total / len(window) if window else 0.0)


def ses(series: Sequence[int], alpha: float) -> Smoothed:
    """Simple exponential smoothing: a level, moved by α of each day's error."""
    level = _opening_level(series)
    made: list[float] = []
    for units in series:
        made.append(level)
        level += alpha * (units - level)
    return made, State(level)


def holt(series: Sequence[int], alpha: float, beta: float) -> Smoothed:
    """Holt's linear method with a damped trend (φ = DAMPING)."""
    level = _opening_level(series)
    trend = _opening_trend(series)
    made: list[float] = []
    for units in series:
        made.append(max(0.0, level + DAMPING * trend))
        previous = level
        level = alpha * units + (1 - alpha) * (level + DAMPING * trend)
        trend = beta * (level - previous) + (1 - beta) * DAMPING * trend
    return made, State(level, trend)


def croston(series: Sequence[int], alpha: float) -> Smoothed:
    """Croston with the Syntetos–Boylan approximation: (1 − α/2) · size / interval, which
    removes the upward bias of Croston's own size / interval."""
    size = interval = 0.0
    since = 1
    made: list[float] = []
    for units in series:
        made.append((1 - alpha / 2) * size / interval if interval else 0.0)
        if units > 0:
            if interval:
                size += alpha * (units - size)
                interval += alpha * (since - interval)
            else:  # the first demand seeds both
                size, interval = float(units), float(since)
            since = 1
        else:
            since += 1
    return made, State((1 - alpha / 2) * size / interval if interval else 0.0)


def seasonal(series: Sequence[int], alpha: float, gamma: float) -> Smoothed:
    """A smoothed level plus seven additive weekday indices (Holt-Winters, no trend)."""
    first = series[:SEASON]
    level = sum(first) / len(first) if first else 0.0
    index = [units - level for units in first] + [0.0] * (SEASON - len(first))
    made: list[float] = []
    for day, units in enumerate(series):
        weekday = day % SEASON
        made.append(max(0.0, level + index[weekday]))
        previous = level
        level = alpha * (units - index[weekday]) + (1 - alpha) * level
        index[weekday] = gamma * (units - previous) + (1 - gamma) * index[weekday]
    tomorrow = len(series) % SEASON
    weekly = tuple(index[(tomorrow + ahead) % SEASON] for ahead in range(SEASON))
    return made, State(level, weekly=weekly)


def _opening_level(series: Sequence[int]) -> float:
    first = series[:SEASON]
    return sum(first) / len(first) if first else 0.0


def _opening_trend(series: Sequence[int]) -> float:
    """The change per day between the first two weeks, or none on a shorter history."""
    if len(series) < 2 * SEASON:
        return 0.0
    return (sum(series[SEASON : 2 * SEASON]) - sum(series[:SEASON])) / SEASON / SEASON
