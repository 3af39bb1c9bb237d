"""The forecasts fitted on each SKU's demand, kept for the day they hold.

A forecast uses whole days only, so one fitted today is the same all day: a later read
takes the stored one instead of choosing a method again. Saving is an upsert on (SKU,
location), so two processes fitting the same SKU on the same day both succeed (their fits
are equal: the choice is deterministic)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date

from syncbot.ledger.forecast import SEASON, Forecast, Method
from syncbot.store.demand_models import ForecastFit

BATCH = 1000
_FIELDS = (
    "fitted_on", "method", "alpha", "beta", "gamma", "level", "trend", "weekly", "mae",
    "bias", "sigma", "history_days",
)  # fmt: skip


async def fitted(
    day: date, location: str = "", skus: Iterable[str] | None = None
) -> dict[str, Forecast]:
    """The forecasts fitted on `day` at `location` ("" = every location), by SKU."""
    query = ForecastFit.filter(fitted_on=day, location=location)
    if skus is not None:
        query = query.filter(sku_id__in=list(skus))
    return {row.sku_id: _forecast(row) for row in await query}


async def save(day: date, location: str, forecasts: Mapping[str, Forecast]) -> None:
    rows = [_row(sku, day, location, forecast) for sku, forecast in sorted(forecasts.items())]
    for start in range(0, len(rows), BATCH):
        await ForecastFit.bulk_create(
            rows[start : start + BATCH],
            update_fields=_FIELDS,
            on_conflict=("sku_id", "location"),
        )


def _row(sku: str, day: date, location: str, forecast: Forecast) -> ForecastFit:
    method = forecast.method
    return ForecastFit(
        sku_id=sku,
        location=location,
        fitted_on=day,
        method=method.name,
        alpha=method.alpha,
        beta=method.beta,
        gamma=method.gamma,
        level=forecast.level,
        trend=forecast.trend,
        weekly=" ".join(repr(index) for index in forecast.weekly),
        mae=forecast.mae,
        bias=forecast.bias,
        sigma=forecast.sigma,
        history_days=forecast.history_days,
    )


def _forecast(row: ForecastFit) -> Forecast:
    weekly = tuple(float(index) for index in row.weekly.split()) or (0.0,) * SEASON
    return Forecast(
        Method(row.method, row.alpha, row.beta, row.gamma),
        row.level,
        row.trend,
        weekly,
        row.mae,
        row.bias,
        row.sigma,
        row.history_days,
    )
