"""The safety net: a value the database refuses answers 4xx, never 500."""

from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI
from tortoise.exceptions import IntegrityError, OperationalError, ValidationError

from syncbot.web.errors import install


class _DataError(Exception):
    """Stands in for asyncpg's DataError, which carries PostgreSQL's SQLSTATE."""

    sqlstate = "22021"  # character_not_in_repertoire: a NUL in text


def _raising(error: Exception) -> FastAPI:
    app = FastAPI()
    install(app)

    @app.get("/boom")
    async def boom() -> None:
        raise error

    return app


def _from_driver(driver_error: Exception) -> OperationalError:
    wrapped = OperationalError(driver_error)
    wrapped.__cause__ = driver_error
    return wrapped


@pytest.mark.parametrize(
    ("error", "status"),
    [
        (_from_driver(_DataError("invalid byte sequence")), 422),
        (ValidationError("event_id: Length of 'x…' 256 > 255"), 422),
        (OverflowError("Python int too large to convert to SQLite INTEGER"), 422),
        (IntegrityError("duplicate key"), 409),
        (_from_driver(RuntimeError("the connection broke")), 500),
    ],
)
async def test_a_refusal_by_the_store_is_a_4xx_and_anything_else_a_500(
    error: Exception, status: int
) -> None:
    transport = httpx.ASGITransport(_raising(error), raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        answer = await client.get("/boom")
    assert answer.status_code == status, answer.text
    assert set(answer.json()) == {"error"}
