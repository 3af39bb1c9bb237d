"""The forecasts fitted on each SKU's demand, kept for the day they hold.

A forecast uses whole days only, so one fitted today is the same all day: a later read
takes the stored one instead of choosing a method again. Saving is an upsert on (SKU,
location), so two processes fitting the same SKU on the same day both succeed (their fits
are equal: the choice is deterministic)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date

from tortoise import connections

from syncbot.ledger.forecast import SEASON, Forecast, Method
from syncbot.store.demand_models import ForecastFit
from syncbot.store.sku_list import with_placeholders

BATCH = 1000
_FIELDS = (
    "fitted_on", "method", "alpha", "beta", "gamma", "level", "trend", "weekly", "mae",
    "bias", "sigma", "history_days",
)  # fmt: skip


async def fitted(
    day: date, location: str = "", skus: Iterable[str] | None = None
) -> dict[str, Forecast]:
    """The forecasts fitted on `day` at `location` ("" = every location), by SKU."""
    wanted = None if skus is None else list(skus)
    if wanted is not None and not wanted:
        return {}
    connection = connections.get("default")
    dialect = connection.capabilities.dialect
    # Plain SQL and tuples, not the ORM's conversions: 100k forecasts read in a third of
    # the time.
    sql = (
        f"SELECT sku_id, {', '.join(_STATE)} FROM forecast_fit WHERE fitted_on = ? AND location = ?"
    )
    params: list[object] = [day if dialect == "postgres" else day.isoformat(), location]
    found: dict[str, Forecast] = {}
    for start in range(0, len(wanted) if wanted is not None else 1, BATCH):
        query, values = sql, params
        if wanted is not None:
            chunk = wanted[start : start + BATCH]
            query += f" AND sku_id IN ({', '.join('?' * len(chunk))})"
            values = [*params, *chunk]
        _, rows = await connection.execute_query(with_placeholders(query, dialect), values)
        found.update((row[0], _forecast(*tuple(row)[1:])) for row in rows)
    return found


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


_STATE = (
    "method", "alpha", "beta", "gamma", "level", "trend", "weekly", "mae", "bias", "sigma",
    "history_days",
)  # fmt: skip


def _forecast(
    method: str,
    alpha: float,
    beta: float,
    gamma: float,
    level: float,
    trend: float,
    weekly: str,
    mae: float | None,
    bias: float | None,
    sigma: float | None,
    history_days: int,
) -> Forecast:
    indices = tuple(float(index) for index in weekly.split()) or (0.0,) * SEASON
    return Forecast(
        Method(method, alpha, beta, gamma), level, trend, indices, mae, bias, sigma, history_days
    )
