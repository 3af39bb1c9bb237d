"""One harness per connector kind; each lives in <kind>_harness.py and defines `Harness`."""

from __future__ import annotations

import importlib
from collections.abc import AsyncIterator

import httpx
import pytest
import pytest_asyncio
import respx

from .harness import Harness

KINDS = ("fake", "shopify", "woocommerce", "bigcommerce")


class Sleeps:
    """Records every wait a connector makes, without waiting."""

    def __init__(self) -> None:
        self.waits: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


@pytest.fixture(params=KINDS)
def harness(request: pytest.FixtureRequest) -> Harness:
    module = importlib.import_module(f"{__package__}.{request.param}_harness")
    made: Harness = module.Harness()
    return made


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


@pytest_asyncio.fixture
async def router() -> AsyncIterator[respx.MockRouter]:
    # Anything a harness did not mock is refused: the suite never reaches the internet.
    with respx.mock(assert_all_called=False, assert_all_mocked=True) as mocked:
        yield mocked


@pytest_asyncio.fixture
async def http(router: respx.MockRouter) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient() as client:
        yield client
