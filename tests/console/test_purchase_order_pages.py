"""Purchase orders in the console over HTTP, on a real database: the list and the detail
page, a receipt from its form (once per form), a refusal beside its field with nothing
written, CSRF refused, and a viewer sees no form."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
import pytest

from syncbot.app import purchasing, stock
from syncbot.app.actor import Actor
from syncbot.store.catalogue import add_sku

from .conftest import console_app, csrf_in, sign_in

SKU = "MUG-1"
PAGE = "/purchase-orders/PO-0001"


@pytest.fixture
async def ordered(database: str) -> None:
    """PO-0001 from Acme for main: 10 MUG-1 at 4.50, ordered."""
    await add_sku(SKU, name="Mug")
    actor = Actor.cli("setup")
    await purchasing.add_supplier("Acme")
    await purchasing.create_order("Acme", actor, expected_on="2026-12-24")
    await purchasing.add_line("PO-0001", SKU, 10, actor, "4.50")
    await purchasing.place_order("PO-0001", actor)


@asynccontextmanager
async def _signed_in(name: str, role: str) -> AsyncIterator[httpx.AsyncClient]:
    """A cookie-keeping client of a console of its own, `name` signed in as `role`."""
    transport = httpx.ASGITransport(app=console_app())
    async with httpx.AsyncClient(transport=transport, base_url="http://c.test") as client:
        await sign_in(client, name, role)
        yield client


@pytest.fixture
async def clerk(ordered: None) -> AsyncIterator[httpx.AsyncClient]:
    async with _signed_in("carol", "clerk") as client:
        yield client


def _form(html: str) -> dict[str, str]:
    """The receive form's hidden fields, as the browser would send them."""
    found = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', html))
    return {"csrf": csrf_in(html), "key": found["key"], "sku": found["sku"]}


async def test_the_list_shows_open_orders_with_their_progress(clerk: httpx.AsyncClient) -> None:
    """Open by default: status, supplier, expected date and received / ordered."""
    page = await clerk.get("/purchase-orders")
    assert page.status_code == 200
    assert "PO-0001" in page.text
    assert "Acme" in page.text
    assert "2026-12-24" in page.text
    assert "Purchase orders" in page.text
    assert re.search(r">0</span> / <span[^>]*>10<", page.text)


async def test_a_receipt_from_the_form_records_once_and_links_its_movements(
    clerk: httpx.AsyncClient,
) -> None:
    """The form posts once per key: a double submit records 4, not 8; the page then links
    the movement and the SKU card."""
    detail = await clerk.get(PAGE)
    assert "45.00" in detail.text  # the order total
    fields = {**_form(detail.text), "quantity": "4", "damaged": "0", "cost": "4.50"}

    first = await clerk.post(f"{PAGE}/receive", data=fields)
    again = await clerk.post(f"{PAGE}/receive", data=fields)

    assert first.status_code == again.status_code == 303, first.text
    shown = await clerk.get(first.headers["location"])
    assert '<a href="/skus/MUG-1">MUG-1</a>' in shown.text
    assert "/movements/" in shown.text
    card = await stock.stock_card(SKU)
    assert (card.total.available, card.total.incoming) == (4, 6)


async def test_a_refused_receipt_shows_beside_its_field_and_writes_nothing(
    clerk: httpx.AsyncClient,
) -> None:
    """A negative cost: 422, the message beside the cost field, what was typed kept."""
    detail = await clerk.get(PAGE)
    fields = {**_form(detail.text), "quantity": "4", "damaged": "0", "cost": "-2"}

    answer = await clerk.post(f"{PAGE}/receive", data=fields)

    assert answer.status_code == 422
    assert re.search(r'<p class="error" id="e-cost">[^<]*cost', answer.text)
    assert 'value="-2"' in answer.text
    assert (await stock.stock_card(SKU)).total.available == 0


async def test_a_form_without_its_csrf_token_is_refused(clerk: httpx.AsyncClient) -> None:
    """403, nothing received."""
    detail = await clerk.get(PAGE)
    fields = {**_form(detail.text), "csrf": "forged", "quantity": "4"}
    answer = await clerk.post(f"{PAGE}/receive", data=fields)
    assert answer.status_code == 403
    assert (await stock.stock_card(SKU)).total.available == 0


async def test_a_viewer_sees_the_order_but_no_form(ordered: None) -> None:
    """No receive, order or cancel form for a viewer; posting anyway is refused."""
    async with _signed_in("vic", "viewer") as viewer:
        page = await viewer.get(PAGE)
        assert page.status_code == 200
        assert "MUG-1" in page.text
        assert "/receive" not in page.text
        assert "/cancel" not in page.text
        refused = await viewer.post(f"{PAGE}/receive", data={"csrf": "x", "quantity": "1"})
        assert refused.status_code == 403


async def test_a_manager_cancels_the_rest_and_a_clerk_may_not(clerk: httpx.AsyncClient) -> None:
    """Cancel needs a manager: the clerk is refused 403; the manager's empties incoming."""
    detail = await clerk.get(PAGE)
    assert (
        await clerk.post(f"{PAGE}/cancel", data={"csrf": csrf_in(detail.text)})
    ).status_code == 403
    async with _signed_in("mo", "manager") as manager:
        page = await manager.get(PAGE)
        answer = await manager.post(f"{PAGE}/cancel", data={"csrf": csrf_in(page.text)})
        assert answer.status_code == 303
    assert (await stock.stock_card(SKU)).total.incoming == 0


async def test_a_manager_creates_a_draft_adds_a_line_and_orders_it(ordered: None) -> None:
    """New order → add a line → Order: incoming grows; a bad date is shown beside its
    field and creates nothing."""
    async with _signed_in("mo", "manager") as manager:
        form = await manager.get("/purchase-orders/new")
        csrf = csrf_in(form.text)
        bad = {"csrf": csrf, "supplier": "Acme", "location": "main", "expected_on": "soon"}
        refused = await manager.post("/purchase-orders/new", data=bad)
        assert refused.status_code == 422
        assert re.search(r'id="e-expected_on">[^<]*YYYY-MM-DD', refused.text)
        assert len(await purchasing.purchase_orders()) == 1

        made = await manager.post("/purchase-orders/new", data={**bad, "expected_on": ""})
        assert made.headers["location"] == "/purchase-orders/PO-0002"
        line = {"csrf": csrf, "sku": SKU, "quantity": "5", "cost": "4"}
        assert (await manager.post("/purchase-orders/PO-0002/lines", data=line)).status_code == 303
        placed = await manager.post("/purchase-orders/PO-0002/order", data={"csrf": csrf})
        assert placed.status_code == 303
    assert (await stock.stock_card(SKU)).total.incoming == 15
