"""Demand forecasting per SKU: pure functions over a daily series of units sold.

Written here rather than taken from statsforecast, which pulls numba and numpy into every
install for five small recursions (see docs/replenishment.md). The methods, as in Hyndman &
Athanasopoulos, *Forecasting: Principles and Practice* (3rd ed.), chapter 8, and Syntetos &
Boylan (2005) for the correction of Croston's method:

- `mean`: the mean of the last 28 days, the naive baseline (and a candidate, so the choice is
  never worse than it on the SKU's own history);
- `ses`: simple exponential smoothing, a flat forecast of the level, for regular sellers;
- `holt`: Holt's linear method with a damped trend (φ = 0.98), for sellers that grow or fade;
- `croston`: Croston's method with the SBA correction, for intermittent demand (many days of
  nothing, then a few units);
- `seasonal`: exponential smoothing of the level with additive weekly indices (Holt-Winters
  without a trend), where a weekday pattern shows in the history.

`choose` backtests every method and parameter on the SKU's own history: each one-step
forecast over the last HOLDOUT days is made from the days before it only, and the method with
the lowest root mean square error wins (the simpler on a tie). RMSE, not MAE, chooses: on
intermittent demand the MAE is smallest for a forecast of nothing (the median day sells
none), which would order nothing; the RMSE is smallest for the mean, and it is the σ that
sizes safety stock. The MAE and the bias are kept beside the forecast too.

The recursions themselves are `smoothing`'s. A series is a sequence of non-negative whole
units per day, oldest first, ending with the last complete day. Forecasts are never
negative.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from itertools import product

from syncbot.ledger import smoothing
from syncbot.ledger.errors import ValidationError
from syncbot.ledger.smoothing import BASELINE_DAYS, DAMPING, SEASON

__all__ = [
    "BASELINE_DAYS",
    "DAMPING",
    "HOLDOUT",
    "MIN_HISTORY",
    "RATE_DAYS",
    "SEASON",
    "Forecast",
    "Method",
    "Score",
    "candidates",
    "choose",
    "fit",
    "is_intermittent",
    "one_step",
    "score",
]

HOLDOUT = 91
"""Days at the end of the history on which methods are compared (thirteen whole weeks):
on four, noise picked the seasonal method for a fifth of sellers with no weekday pattern."""
RATE_DAYS = 28
"""The days a forecast's rate ("sells 2.1/day") is the mean of."""
MIN_HISTORY = 21
"""Below this many days a SKU is new: its forecast is the mean of what there is. Two weeks
open the smoothed state (Holt's trend compares them); a third is the least worth scoring."""
INTERMITTENT_INTERVAL = 1.32
"""Mean days between days with a sale above which demand is intermittent: Syntetos, Boylan &
Croston (2005), whose cut-off this is. Croston is tried there; Holt's trend is not."""
# The parameter grids: coarse on purpose. Finer grids won nothing out of sample on
# bench/forecast.py and cost time on every SKU (the choice is 20-odd passes over its days).
ALPHAS = (0.05, 0.1, 0.2, 0.3, 0.5)
TREND_ALPHAS = (0.05, 0.1, 0.3)
BETAS = (0.01, 0.03, 0.1)
SEASONAL_ALPHAS = (0.05, 0.1, 0.3)
GAMMAS = (0.05, 0.1)
CROSTON_ALPHAS = (0.05, 0.1, 0.2, 0.3)
FIT_DAYS = 182
"""The days a method is fitted and chosen on: half a year is 26 weeks for a weekday
pattern and enough for a trend; older days only slow every SKU's choice down."""


@dataclass(frozen=True, slots=True)
class Method:
    """A forecasting method with its smoothing parameters, as `choose` picked it."""

    name: str
    alpha: float = 0.0
    beta: float = 0.0
    gamma: float = 0.0

    def __str__(self) -> str:
        return _LABELS[self.name]


_LABELS = {
    "mean": "28-day mean",
    "ses": "exponential smoothing",
    "holt": "Holt, damped trend",
    "croston": "Croston (SBA)",
    "seasonal": "weekly seasonal",
}
_SIMPLICITY = {"mean": 0, "ses": 1, "croston": 2, "holt": 3, "seasonal": 4}


@dataclass(frozen=True, slots=True)
class Forecast:
    """What a SKU is expected to sell, per day from tomorrow, and how wrong that has been.

    `level` and `trend` are the smoothed state after the last day; `weekly` holds the seven
    additive weekday indices, the first one for tomorrow (all zero unless seasonal).
    `mae`, `bias` (mean forecast − actual: positive over-forecasts) and `sigma` (root mean
    square error) are over the backtest's one-step forecasts; None for a new SKU."""

    method: Method
    level: float
    trend: float = 0.0
    weekly: tuple[float, ...] = (0.0,) * SEASON
    mae: float | None = None
    bias: float | None = None
    sigma: float | None = None
    history_days: int = 0
    _week: tuple[float, ...] = field(init=False, repr=False, compare=False, default=())

    def __post_init__(self) -> None:
        # The next seven days, worked out once: without a trend they repeat for ever, and
        # replenishment asks a catalogue's forecasts for weeks of days each.
        week = tuple(self._day(day) for day in range(1, SEASON + 1))
        object.__setattr__(self, "_week", week)

    def _day(self, day: int) -> float:
        trend = self.trend * _damped_sum(day) if self.trend else 0.0
        return max(0.0, self.level + trend + self.weekly[(day - 1) % SEASON])

    def daily(self, day: int) -> float:
        """The units expected on `day` (1 = tomorrow), never negative."""
        if day < 1:
            raise ValueError("day counts from 1 (tomorrow)")
        if day <= SEASON or not self.trend:
            return self._week[(day - 1) % SEASON]
        return self._day(day)

    def demand(self, days: int) -> float:
        """The units expected over the next `days` days."""
        if self.trend:
            return sum(self.daily(day) for day in range(1, days + 1))
        whole, rest = divmod(days, SEASON)  # without a trend the days repeat weekly
        return whole * sum(self._week) + sum(self._week[:rest])

    def week(self) -> tuple[float, ...]:
        """The units expected on each of the next seven days."""
        return self._week

    @property
    def rate(self) -> float:
        """The mean units per day over the next four weeks: what "sells 2.1/day" says."""
        return self.demand(RATE_DAYS) / RATE_DAYS

    @property
    def is_new(self) -> bool:
        return self.history_days < MIN_HISTORY


def _damped_sum(days: int) -> float:
    """φ + φ² + … + φ^days: how much of the trend `days` ahead still adds."""
    return DAMPING * (1 - DAMPING**days) / (1 - DAMPING)


Fit = tuple[list[float], Forecast]


def _fit_with(method: Method, smoothed: smoothing.Smoothed) -> Fit:
    made, state = smoothed
    return made, Forecast(method, state.level, state.trend, state.weekly)


FITS: dict[str, Callable[[Sequence[int], Method], Fit]] = {
    "mean": lambda series, m: _fit_with(m, smoothing.mean(series)),
    "ses": lambda series, m: _fit_with(m, smoothing.ses(series, m.alpha)),
    "holt": lambda series, m: _fit_with(m, smoothing.holt(series, m.alpha, m.beta)),
    "croston": lambda series, m: _fit_with(m, smoothing.croston(series, m.alpha)),
    "seasonal": lambda series, m: _fit_with(m, smoothing.seasonal(series, m.alpha, m.gamma)),
}


def candidates(*, intermittent: bool | None = None) -> Iterable[Method]:
    """The methods and parameters `choose` tries, simplest first: all of them, or those that
    fit intermittent demand (Croston, no trend) or regular demand (Holt, no Croston)."""
    yield Method("mean")
    yield from (Method("ses", alpha) for alpha in ALPHAS)
    if intermittent is not False:
        yield from (Method("croston", alpha) for alpha in CROSTON_ALPHAS)
    if not intermittent:
        yield from (Method("holt", a, b) for a, b in product(TREND_ALPHAS, BETAS))
    yield from (Method("seasonal", a, gamma=g) for a, g in product(SEASONAL_ALPHAS, GAMMAS))


def is_intermittent(series: Sequence[int]) -> bool:
    """More than INTERMITTENT_INTERVAL days, on average, between days with a sale."""
    selling = sum(1 for units in series if units > 0)
    return selling == 0 or len(series) / selling > INTERMITTENT_INTERVAL


@dataclass(frozen=True, slots=True)
class Score:
    mae: float
    bias: float
    sigma: float


def score(made: Sequence[float], series: Sequence[int], days: int = HOLDOUT) -> Score:
    """The errors of the one-step forecasts `made` over the last `days` of `series`."""
    pairs = list(zip(made[-days:], series[-days:], strict=True))
    if not pairs:
        return Score(0.0, 0.0, 0.0)
    errors = [forecast - actual for forecast, actual in pairs]
    mae = sum(abs(error) for error in errors) / len(errors)
    bias = sum(errors) / len(errors)
    sigma = math.sqrt(sum(error * error for error in errors) / len(errors))
    return Score(mae, bias, sigma)


def check_series(series: Sequence[int]) -> None:
    for units in series:
        if units < 0:
            raise ValidationError(f"units sold per day cannot be negative (got {units})")


def fit(series: Sequence[int], method: Method) -> Forecast:
    """`method` fitted on the whole of `series`, with its errors over the last HOLDOUT days."""
    check_series(series)
    made, forecast = FITS[method.name](series, method)
    return _scored(forecast, made, series)


def _scored(forecast: Forecast, made: Sequence[float], series: Sequence[int]) -> Forecast:
    errors = score(made, series, _holdout(series))
    known = len(series) >= MIN_HISTORY
    return Forecast(
        forecast.method,
        forecast.level,
        forecast.trend,
        forecast.weekly,
        errors.mae if known else None,
        errors.bias if known else None,
        errors.sigma if known else None,
        len(series),
    )


def choose(series: Sequence[int]) -> Forecast:
    """The method that forecast the SKU's last HOLDOUT days best, one day ahead at a time.

    Demand is intermittent or regular by its mean interval between sales (see
    INTERMITTENT_INTERVAL), and only the methods that fit it are tried. A new SKU (under
    MIN_HISTORY days) gets the mean of its days: too little history to
    tell one pattern from another. Seasonal methods need three whole weeks scored: on fewer a
    weekday pattern cannot be told from noise. Only the last FIT_DAYS count."""
    check_series(series)
    series = series[-FIT_DAYS:]
    if len(series) < MIN_HISTORY or not any(series):
        # Nothing sold: every method forecasts 0 exactly, and the mean is the simplest.
        return fit(series, Method("mean"))
    best: tuple[float, int, Forecast] | None = None
    holdout = _holdout(series)
    for method in candidates(intermittent=is_intermittent(series)):
        if method.name == "seasonal" and holdout < 3 * SEASON:
            continue
        made, forecast = FITS[method.name](series, method)
        rmse = score(made, series, holdout).sigma
        rank = (rmse, _SIMPLICITY[method.name])
        if best is None or rank < best[:2]:
            best = (rmse, _SIMPLICITY[method.name], _scored(forecast, made, series))
    assert best is not None
    return best[2]


def _holdout(series: Sequence[int]) -> int:
    """The days scored: the last HOLDOUT, after the two weeks that open the state."""
    return max(0, min(HOLDOUT, len(series) - 2 * SEASON))


def one_step(series: Sequence[int], method: Method) -> list[float]:
    """The one-step forecasts `method` makes for each day of `series` from the days before:
    how a benchmark scores a chosen method on days it never saw."""
    check_series(series)
    return FITS[method.name](series, method)[0]
