"""The console's Reorder page over HTTP, on a real database: the suggestions with their
reasoning, the CSV, a manager's draft orders (CSRF checked), a viewer without the form,
and unreadable or unknown filters refused with nothing drafted."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from syncbot import ledger
from syncbot.app import purchasing
from syncbot.store import posting
from syncbot.store.catalogue import add_sku
from syncbot.store.posting import Provenance

from .conftest import console_app, csrf_in, sign_in

TODAY = datetime.now(UTC).date()


@pytest.fixture
async def selling(database: str) -> None:
    """MUG-1 sold 2 a day for 8 weeks and has none left; Acme supplies it in cases of 12,
    7 days away, at 3.50."""
    await add_sku("MUG-1", "Mug")
    await add_sku("CAP-1", "Cap")
    await posting.post([ledger.receive("MUG-1", 112)])
    for n in range(56):
        at = datetime.combine(TODAY - timedelta(days=56 - n), datetime.min.time(), UTC)
        await posting.post(
            [ledger.order_commit("MUG-1", 2)],
            provenance=Provenance("shopify", f"shopify/orders/{n}", at),
        )
    await purchasing.add_supplier("Acme", lead_time_days=7)
    await purchasing.set_supplier_terms("Acme", "MUG-1", case_pack=12, unit_cost="3.50")


@asynccontextmanager
async def _signed_in(name: str, role: str) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=console_app())
    async with httpx.AsyncClient(transport=transport, base_url="http://c.test") as client:
        await sign_in(client, name, role)
        yield client


@pytest.fixture
async def manager(selling: None) -> AsyncIterator[httpx.AsyncClient]:
    async with _signed_in("mia", "manager") as client:
        yield client


@pytest.fixture
async def viewer(selling: None) -> AsyncIterator[httpx.AsyncClient]:
    async with _signed_in("val", "viewer") as client:
        yield client


async def test_the_page_lists_what_to_order_and_why(viewer: httpx.AsyncClient) -> None:
    page = await viewer.get("/replenish")
    assert page.status_code == 200
    assert 'aria-current="page">Reorder' in page.text
    assert "order 84: sells 2.0/day" in page.text
    assert "CAP-1" not in page.text
    assert "Draft purchase orders" not in page.text  # a viewer drafts nothing
    every = await viewer.get("/replenish?all=1")
    assert "CAP-1" in every.text


async def test_the_csv_has_the_same_suggestions(viewer: httpx.AsyncClient) -> None:
    answer = await viewer.get("/replenish.csv?all=1")
    assert answer.status_code == 200
    rows = list(csv.DictReader(io.StringIO(answer.text)))
    assert [(row["code"], row["order"]) for row in rows] == [("CAP-1", "0"), ("MUG-1", "84")]


async def test_a_manager_drafts_the_orders(manager: httpx.AsyncClient) -> None:
    page = await manager.get("/replenish")
    assert "Draft purchase orders" in page.text
    form = {"csrf": csrf_in(page.text), "service_level": "0.95", "cover_days": "30"}
    answer = await manager.post("/replenish/draft", data=form)
    assert answer.status_code == 303
    assert answer.headers["location"] == "/purchase-orders"
    order = await purchasing.purchase_order("PO-0001")
    assert order.status == "draft"
    assert [(line.sku, line.quantity, str(line.unit_cost)) for line in order.lines] == [
        ("MUG-1", 84, "3.500000")
    ]


async def test_a_draft_without_the_csrf_token_is_refused(manager: httpx.AsyncClient) -> None:
    answer = await manager.post("/replenish/draft", data={"csrf": "forged"})
    assert answer.status_code == 403
    assert await purchasing.purchase_orders() == []


@pytest.mark.parametrize(
    ("query", "status", "says"),
    [
        ("service_level=2", 400, "between 0 and 1"),
        ("service_level=lots", 400, "a number like 0.95"),
        ("cover_days=-4", 400, "0 to 3650 days"),
        ("location=nowhere", 404, "no location nowhere"),
        ("supplier=Nobody", 404, "no supplier Nobody"),
    ],
)
async def test_unreadable_or_unknown_filters_are_refused(
    manager: httpx.AsyncClient, query: str, status: int, says: str
) -> None:
    page = await manager.get(f"/replenish?{query}")
    assert page.status_code == status
    assert says in page.text
    csrf = csrf_in((await manager.get("/replenish")).text)
    field, _, value = query.partition("=")
    answer = await manager.post("/replenish/draft", data={"csrf": csrf, field: value})
    assert answer.status_code == status
    assert await purchasing.purchase_orders() == []
