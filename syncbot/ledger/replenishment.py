"""What to reorder and when: the arithmetic of one SKU's suggestion, from its forecast.

- Lead-time demand: what the forecast expects over the lead time.
- Safety stock = z(service level) × σ × √(lead time), σ being the root mean square error of
  the forecast's one-step backtest: the spread of a day's demand around what was expected,
  which is what safety stock has to absorb (a steady seller has a small σ however much it
  sells).
- Reorder point = lead-time demand + safety stock, rounded up. A reorder point a person set
  on the SKU wins where there is one; the suggestion shows both.
- The stock position is available + incoming (what is already on order counts).
- When the position is at or below the reorder point, the order brings it to the demand over
  lead time + the target days of cover, plus safety stock; then up to the supplier's minimum
  order, then up to a whole number of cases.
- Days of cover: how many days the available units last against the daily forecast; the
  stock-out date is that many days from today (none when nothing is expected to sell).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache
from statistics import NormalDist

from syncbot.ledger.errors import ValidationError
from syncbot.ledger.forecast import SEASON, Forecast
from syncbot.ledger.purchasing import MAX_LEAD_TIME_DAYS

MAX_COVER_DAYS = 3650
"""Days of cover are counted up to ten years; beyond that a SKU is not running out."""


class ReplenishmentError(ValidationError):
    """A service level, lead time, cover or supplier term that cannot be used."""


def check_service_level(level: float) -> float:
    if not 0 < level < 1:
        raise ReplenishmentError(
            f"service level must be between 0 and 1, exclusive (e.g. 0.95), not {level}"
        )
    return level


def check_days(name: str, days: int, most: int = MAX_LEAD_TIME_DAYS) -> int:
    if days < 0 or days > most:
        raise ReplenishmentError(f"{name} must be 0 to {most} days, not {days}")
    return days


@dataclass(frozen=True, slots=True)
class Terms:
    """How the SKU is bought: lead time in days, and the supplier's minimum order and case."""

    lead_time_days: int
    minimum_order: int = 0
    case_pack: int = 1

    def __post_init__(self) -> None:
        check_days("lead time", self.lead_time_days)
        if self.minimum_order < 0:
            raise ReplenishmentError(f"minimum order cannot be negative ({self.minimum_order})")
        if self.case_pack < 1:
            raise ReplenishmentError(f"case pack must be at least 1 ({self.case_pack})")


@dataclass(frozen=True, slots=True)
class Stock:
    available: int
    incoming: int = 0
    reorder_point: int | None = None
    """The reorder point a person set on the SKU, which wins over the computed one."""

    @property
    def position(self) -> int:
        return self.available + self.incoming


@dataclass(frozen=True, slots=True)
class Suggestion:
    forecast: Forecast
    terms: Terms
    stock: Stock
    lead_demand: float
    safety_stock: int
    computed_reorder_point: int
    reorder_point: int
    short: int
    to_cover: int
    """The units the target cover asks for, before the minimum order and the case pack."""
    quantity: int
    days_of_cover: int | None
    stockout: date | None

    @property
    def manual(self) -> bool:
        return self.stock.reorder_point is not None

    def reasoning(self, cover_days: int) -> str:
        """One line a buyer can check: "order 40: sells 2.1/day (Croston (SBA), MAE 0.8),
        lead 14 days + safety 9 = 38; available 12, incoming 10 → 16 short; cover 30 days
        → 34; case of 20 → 40"."""
        forecast = self.forecast
        error = "new SKU" if forecast.mae is None else f"MAE {forecast.mae:.1f}"
        point = f"lead {self.terms.lead_time_days} days + safety {self.safety_stock} = "
        point += str(self.computed_reorder_point)
        if self.manual:
            point += f", set reorder point {self.reorder_point} wins"
        position = f"available {self.stock.available}, incoming {self.stock.incoming}"
        head = "order" if self.quantity else "no order"
        parts = [
            f"{head} {self.quantity}:" if self.quantity else f"{head}:",
            f"sells {forecast.rate:.1f}/day ({forecast.method}, {error}),",
            f"{point};",
        ]
        if not self.quantity:
            parts.append(f"{position} → {-self.short} above the reorder point")
            return " ".join(parts)
        parts.append(f"{position} → {self.short} short; cover {cover_days} days → {self.to_cover}")
        rounded = self.to_cover
        if self.terms.minimum_order > rounded:
            rounded = self.terms.minimum_order
            parts[-1] += f"; minimum order {rounded}"
        if self.terms.case_pack > 1:
            parts[-1] += f"; case of {self.terms.case_pack} → {self.quantity}"
        return " ".join(parts)


def safety_stock(forecast: Forecast, lead_time_days: int, service_level: float) -> int:
    """z × σ × √L, rounded up; none for a new SKU (no error measured) or a zero lead time."""
    check_service_level(service_level)
    if forecast.sigma is None or lead_time_days == 0:
        return 0
    z = _z(service_level)
    return max(0, math.ceil(z * forecast.sigma * math.sqrt(lead_time_days) - 1e-9))


@lru_cache(maxsize=64)
def _z(service_level: float) -> float:
    """The standard normal quantile of the service level: once per level, not per SKU."""
    return NormalDist().inv_cdf(service_level)


def days_of_cover(forecast: Forecast, available: int) -> int | None:
    """Whole days the available units last against the daily forecast; None when nothing is
    expected to sell within MAX_COVER_DAYS (a SKU at or below zero has 0 days)."""
    if available <= 0:
        return 0
    left, first = float(available), 1
    if not forecast.trend:  # the days repeat weekly: skip the whole weeks that are covered
        weekly = sum(forecast.week())
        if left > weekly * (MAX_COVER_DAYS // SEASON):  # (also when nothing sells)
            return None
        skipped = max(0, int(left // weekly) - 1)
        left -= skipped * weekly
        first = skipped * SEASON + 1
    for day in range(first, MAX_COVER_DAYS + 1):
        left -= forecast.daily(day)
        if left < 0:
            return day - 1
    return None


def suggest(
    forecast: Forecast,
    stock: Stock,
    terms: Terms,
    *,
    service_level: float,
    cover_days: int,
    today: date,
) -> Suggestion:
    """The reorder suggestion for one SKU (see the module's docstring for the arithmetic)."""
    check_service_level(service_level)
    check_days("target cover", cover_days, MAX_COVER_DAYS)
    lead = terms.lead_time_days
    lead_demand = forecast.demand(lead)
    safety = safety_stock(forecast, lead, service_level)
    computed = math.ceil(lead_demand + safety - 1e-9)
    point = computed if stock.reorder_point is None else stock.reorder_point
    short = point - stock.position
    to_cover = quantity = 0
    if stock.position <= point:
        target = forecast.demand(lead + cover_days) + safety
        to_cover = max(0, math.ceil(target - stock.position - 1e-9), short)
        quantity = max(to_cover, terms.minimum_order)
        quantity = -(-quantity // terms.case_pack) * terms.case_pack
    cover = days_of_cover(forecast, stock.available)
    stockout = None if cover is None else today + timedelta(days=cover)
    return Suggestion(
        forecast=forecast,
        terms=terms,
        stock=stock,
        lead_demand=lead_demand,
        safety_stock=safety,
        computed_reorder_point=computed,
        reorder_point=point,
        short=short,
        to_cover=to_cover,
        quantity=quantity,
        days_of_cover=cover,
        stockout=stockout,
    )
