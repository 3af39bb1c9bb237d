"""`/api/replenishment` over real HTTP, on SQLite and PostgreSQL: a viewer reads what to
reorder as JSON and CSV, a manager drafts the purchase orders (a clerk is refused), and bad
input is refused with nothing written."""

from __future__ import annotations

import asyncio
import csv
import io
from datetime import UTC, datetime, timedelta

import pytest

from syncbot import ledger
from syncbot.app import purchasing
from syncbot.app.actor import Actor
from syncbot.store import posting
from syncbot.store.catalogue import add_sku
from syncbot.store.database import close_database, declare_locations, open_database
from syncbot.store.posting import Provenance

from .conftest import Api

TODAY = datetime.now(UTC).date()


async def _seed(database_url: str) -> None:
    """BOWL sold 2 a day for 8 weeks from Shopify and has none left; 10 are on order
    from Acme (7 days, cases of 12, 3.50 each). CAP-1 (and the fixture's MUG-1) never
    sold."""
    await open_database(database_url)
    try:
        await declare_locations(["main", "east"])
        await add_sku("BOWL", "Bowl")
        await add_sku("CAP-1", "Cap")
        await posting.post([ledger.receive("BOWL", 112)])
        for n in range(56):
            at = datetime.combine(TODAY - timedelta(days=56 - n), datetime.min.time(), UTC)
            await posting.post(
                [ledger.order_commit("BOWL", 2)],
                provenance=Provenance("shopify", f"shopify/orders/{n}", at),
            )
        manager = Actor.cli()
        await purchasing.add_supplier("Acme", lead_time_days=7)
        await purchasing.set_supplier_terms("Acme", "BOWL", case_pack=12)
        order = await purchasing.create_order("Acme", manager)
        await purchasing.add_line(order.number, "BOWL", 10, manager, "3.50")
        await purchasing.place_order(order.number, manager)
    finally:
        await close_database()


@pytest.fixture
def seeded(database_url: str) -> None:
    """The history above, written before the service starts."""
    asyncio.run(_seed(database_url))


@pytest.fixture
def shop(seeded: None, api: Api) -> Api:
    return api


def orders(api: Api) -> list[dict[str, object]]:
    answer = api.call("GET", "/api/purchase-orders", api.tokens["viewer"])
    assert answer.status_code == 200, answer.text
    found: list[dict[str, object]] = answer.json()
    return found


class TestSuggestions:
    def test_a_viewer_reads_what_to_order_and_why(self, shop: Api) -> None:
        """2/day, lead 7: reorder point 14; 0 + 10 incoming → 4 short; cover 7 + 30 days
        = 74 − 10 = 64 → 6 cases of 12 = 72."""
        answer = shop.call("GET", "/api/replenishment", shop.tokens["viewer"])
        assert answer.status_code == 200, answer.text
        [mug] = answer.json()
        assert {k: mug[k] for k in ("code", "supplier", "order", "reorder_point", "available")} == {
            "code": "BOWL",
            "supplier": "Acme",
            "order": 72,
            "reorder_point": 14,
            "available": 0,
        }
        assert mug["incoming"] == 10
        assert mug["forecast"]["sells_per_day"] == 2.0
        assert mug["reasoning"].startswith("order 72: sells 2.0/day")
        every = shop.call("GET", "/api/replenishment?all=true", shop.tokens["viewer"]).json()
        assert [line["code"] for line in every] == ["BOWL", "CAP-1", "MUG-1"]

    def test_the_csv_has_a_row_per_sku(self, shop: Api) -> None:
        answer = shop.call("GET", "/api/replenishment.csv?all=true", shop.tokens["viewer"])
        assert answer.status_code == 200
        assert answer.headers["content-type"].startswith("text/csv")
        rows = list(csv.DictReader(io.StringIO(answer.text)))
        assert [(row["code"], row["order"], row["supplier"]) for row in rows] == [
            ("BOWL", "72", "Acme"),
            ("CAP-1", "0", ""),
            ("MUG-1", "0", ""),
        ]


class TestDraftOrders:
    def test_a_manager_drafts_one_order_per_supplier_and_a_clerk_is_refused(
        self, shop: Api
    ) -> None:
        before = orders(shop)
        refused = shop.call(
            "POST", "/api/replenishment/draft-orders", shop.tokens["clerk"], json={}
        )
        assert refused.status_code == 403
        assert orders(shop) == before

        answer = shop.call(
            "POST", "/api/replenishment/draft-orders", shop.tokens["manager"], json={}
        )
        assert answer.status_code == 201, answer.text
        [drafted] = answer.json()
        assert (drafted["supplier"], drafted["lines"], drafted["units"]) == ("Acme", 1, 72)
        assert drafted["without_cost"] == []
        order = shop.call(
            "GET", f"/api/purchase-orders/{drafted['number']}", shop.tokens["viewer"]
        ).json()
        assert order["status"] == "draft"
        assert [(line["sku"], line["quantity"]) for line in order["lines"]] == [("BOWL", 72)]


class TestRefusals:
    @pytest.mark.parametrize(
        ("query", "status", "says"),
        [
            ("service_level=1.5", 422, "service_level"),
            ("service_level=0", 422, "service_level"),
            ("cover_days=-1", 422, "cover_days"),
            ("lead_time=-3", 422, "lead_time"),
            ("supplier=Nobody", 404, "Nobody"),
            ("location=nowhere", 404, "nowhere"),
        ],
    )
    def test_bad_input_is_refused_clearly(
        self, shop: Api, query: str, status: int, says: str
    ) -> None:
        answer = shop.call("GET", f"/api/replenishment?{query}", shop.tokens["viewer"])
        assert answer.status_code == status, answer.text
        assert says in answer.text

    def test_a_refused_draft_writes_nothing(self, shop: Api) -> None:
        before = orders(shop)
        for body in ({"supplier": "Nobody"}, {"location": "nowhere"}, {"service_level": 2}):
            answer = shop.call(
                "POST", "/api/replenishment/draft-orders", shop.tokens["manager"], json=body
            )
            assert answer.status_code in (404, 422), answer.text
        assert orders(shop) == before
