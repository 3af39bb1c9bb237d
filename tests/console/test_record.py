"""Recording from the console over HTTP, on a real database: each form records once and
confirms on the movement's page, a refusal keeps what was typed and writes nothing, and
Undo follows the undo rule."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from fastapi import FastAPI

from syncbot import ledger
from syncbot.app import barcodes, stock
from syncbot.app.actor import Actor
from syncbot.app.roles import UNDO_WINDOW
from syncbot.console import record
from syncbot.ledger.limits import MAX_QUANTITY
from syncbot.store.catalogue import add_sku

from .conftest import console_app, csrf_in, sign_in

SKU = "MUG-1"


@pytest.fixture
def clerk_app(database: str) -> FastAPI:
    return console_app()


@pytest.fixture
async def clerk(clerk_app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """carol, a clerk, signed in; MUG-1 has 10 available at main, received by `cli:setup`."""
    await add_sku(SKU, name="Mug")
    await stock.record(ledger.receive(SKU, 10), Actor.cli("setup"))
    async with _client(clerk_app) as client:
        await sign_in(client, "carol", "clerk")
        yield client


@pytest.fixture
def manager_app(database: str) -> FastAPI:
    return console_app()


@pytest.fixture
async def manager(
    clerk: httpx.AsyncClient, manager_app: FastAPI
) -> AsyncIterator[httpx.AsyncClient]:
    """mo, a manager, signed in on a console of their own (beside carol's)."""
    async with _client(manager_app) as client:
        await sign_in(client, "mo", "manager")
        yield client


def _client(app: FastAPI) -> httpx.AsyncClient:
    """A cookie-keeping client of `app`, as a browser is."""
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://c.test")


def _later(app: FastAPI, by: timedelta) -> None:
    """`app` reads the time as `by` from now (the undo rule's clock)."""
    app.dependency_overrides[record.clock] = lambda: datetime.now(UTC) + by


async def form_of(client: httpx.AsyncClient, kind: str) -> dict[str, str]:
    """The hidden fields the form of `kind` carries: its CSRF token and idempotency key."""
    page = await client.get(f"/record/{kind}")
    assert page.status_code == 200, page.text
    key = re.search(r'name="key" value="([^"]+)"', page.text)
    assert key, "the form carries no idempotency key"
    return {"csrf": csrf_in(page.text), "key": key.group(1)}


async def post(client: httpx.AsyncClient, kind: str, **typed: str) -> httpx.Response:
    fields = {"sku": SKU, "location": "main", "reason": ""} | typed
    return await client.post(f"/record/{kind}", data=await form_of(client, kind) | fields)


async def movements() -> list[stock.MovementView]:
    return await stock.history(SKU)


def error_beside(page: httpx.Response, field: str) -> str:
    """The error shown beside `field` (its `e-<field>` paragraph)."""
    found = re.search(rf'<p class="error" id="e-{field}">([^<]*)</p>', page.text)
    assert found, f"no error beside {field}: {page.text}"
    return found.group(1)


def typed_value(page: httpx.Response, field: str) -> str:
    found = re.search(rf'id="f-{field}" name="{field}" type="text" value="([^"]*)"', page.text)
    assert found, f"no field {field}"
    return found.group(1)


def followed(answer: httpx.Response) -> str:
    """Where a 303 (Post/Redirect/Get) sends the browser."""
    assert answer.status_code == 303, answer.text
    location: str = answer.headers["location"]
    return location


class TestEachFormRecords:
    async def test_a_damage_is_recorded_and_confirmed_on_its_movement_page(
        self, clerk: httpx.AsyncClient
    ) -> None:
        """The confirmation shows kind, SKU (linked), quantity, from → to, actor, reason and
        the stock after, with Undo for its recorder."""
        answer = await post(clerk, "damage", quantity="3", reason="dropped")
        newest = (await movements())[0]
        assert followed(answer) == f"/movements/{newest.id}?recorded=new"

        page = await clerk.get(followed(answer))
        assert page.status_code == 200
        text = page.text
        assert "Recorded." in text
        assert f'href="/skus/{SKU}"' in text
        assert "main available → main damaged" in text
        assert "web:carol" in text
        assert "dropped" in text
        assert "Undo this damage" in text
        assert (newest.kind, newest.quantity, newest.actor) == ("damage", 3, "web:carol")

    @pytest.mark.parametrize(
        ("kind", "typed", "expected"),
        [
            ("receive", {"quantity": "5"}, {"available": 15}),
            ("count", {"quantity": "7"}, {"available": 7}),
            ("transfer", {"quantity": "4", "to_location": "east"}, {"available": 6}),
        ],
    )
    async def test_a_clerk_records_receive_count_and_transfer(
        self, clerk: httpx.AsyncClient, kind: str, typed: dict[str, str], expected: dict[str, int]
    ) -> None:
        answer = await post(clerk, kind, **typed)

        assert "/movements/" in followed(answer)
        assert (await movements())[0].kind == kind
        main = (await stock.stock_card(SKU)).locations["main"]
        assert {name: getattr(main, name) for name in expected} == expected

    async def test_a_count_that_matches_records_nothing_and_says_so(
        self, clerk: httpx.AsyncClient
    ) -> None:
        answer = await post(clerk, "count", quantity="10")

        page = await clerk.get(followed(answer))
        assert "it matches the ledger" in page.text
        assert len(await movements()) == 1

    async def test_a_manager_adjusts_with_a_direction_and_a_reason(
        self, manager: httpx.AsyncClient
    ) -> None:
        fields = {"quantity": "2", "direction": "remove", "bucket": "available"}
        answer = await post(manager, "adjust", reason="miscount", **fields)

        assert "/movements/" in followed(answer)
        assert (await stock.stock_card(SKU)).locations["main"].available == 8


class TestABarcodeInPlaceOfTheSku:
    async def test_a_scanned_barcode_records_for_its_sku(self, clerk: httpx.AsyncClient) -> None:
        """The SKU field takes a barcode: the count is its SKU's, and the page that follows
        names the SKU."""
        await barcodes.add(SKU, "4006381333931")

        answer = await post(clerk, "count", sku="4006381333931", quantity="7")

        newest = (await movements())[0]
        assert followed(answer) == f"/movements/{newest.id}?recorded=new"
        assert (newest.kind, newest.sku) == ("count", SKU)
        assert (await stock.stock_card(SKU)).locations["main"].available == 7

    async def test_the_form_opened_for_a_barcode_shows_its_skus_stock(
        self, clerk: httpx.AsyncClient
    ) -> None:
        """/record/count?sku=BARCODE&matched=main: the "it matches" notice names the SKU."""
        await barcodes.add(SKU, "INT-MUG")

        page = await clerk.get("/record/count", params={"sku": "INT-MUG", "matched": "main"})

        assert page.status_code == 200
        assert f"Counted {SKU} at main" in page.text


class TestRefusedFormsKeepWhatWasTyped:
    @pytest.mark.parametrize(
        ("typed", "field", "message"),
        [
            ({"sku": "NOPE-9", "quantity": "2"}, "sku", "unknown SKU &#39;NOPE-9&#39;"),
            ({"quantity": "two"}, "quantity", "quantity must be a whole number"),
            ({"quantity": "2.5"}, "quantity", "quantity must be a whole number"),
            ({"quantity": "0"}, "quantity", "quantity must be positive"),
            ({"quantity": str(MAX_QUANTITY + 1)}, "quantity", "larger than the limit"),
            ({"quantity": "1", "location": "attic"}, "location", "unknown location"),
            ({"quantity": "1", "to_location": "main"}, "to_location", "two different locations"),
        ],
    )
    async def test_bad_input_is_refused_beside_its_field_and_nothing_is_written(
        self, clerk: httpx.AsyncClient, typed: dict[str, str], field: str, message: str
    ) -> None:
        answer = await post(clerk, "transfer", **({"to_location": "east"} | typed))

        assert answer.status_code == 422
        assert message in error_beside(answer, field)
        assert typed_value(answer, "sku") == typed.get("sku", SKU)
        assert len(await movements()) == 1

    async def test_too_little_stock_offers_to_record_it_anyway(
        self, clerk: httpx.AsyncClient
    ) -> None:
        """A damage of more than is available is refused, then recorded when forced."""
        refused = await post(clerk, "damage", quantity="12")
        assert refused.status_code == 422
        assert "main holds 10 available, not 12" in error_beside(refused, "quantity")
        assert 'name="force"' in refused.text
        assert len(await movements()) == 1

        forced = await post(clerk, "damage", quantity="12", force="on")
        assert "/movements/" in followed(forced)
        assert (await stock.stock_card(SKU)).locations["main"].available == -2

    async def test_a_form_without_the_csrf_token_is_refused(self, clerk: httpx.AsyncClient) -> None:
        hidden = await form_of(clerk, "damage")
        typed = {"sku": SKU, "quantity": "1", "location": "main", "key": hidden["key"]}

        answer = await clerk.post("/record/damage", data=typed)
        assert answer.status_code == 403
        assert "did not come from this console" in answer.text
        assert len(await movements()) == 1


class TestTheIdempotencyKey:
    async def test_a_double_submit_records_once(self, clerk: httpx.AsyncClient) -> None:
        """The same form sent twice answers the first movement, marked as sent before."""
        fields = await form_of(clerk, "damage") | {"sku": SKU, "quantity": "1", "location": "main"}
        first = await clerk.post("/record/damage", data=fields)
        second = await clerk.post("/record/damage", data=fields)

        assert followed(second) == followed(first).replace("recorded=new", "recorded=again")
        assert len(await movements()) == 2
        page = await clerk.get(followed(second))
        assert "nothing new was recorded" in page.text

    async def test_the_same_form_sent_with_other_values_is_reset(
        self, clerk: httpx.AsyncClient
    ) -> None:
        fields = await form_of(clerk, "damage") | {"sku": SKU, "quantity": "1", "location": "main"}
        await clerk.post("/record/damage", data=fields)
        changed = await clerk.post("/record/damage", data=fields | {"quantity": "2"})

        assert changed.status_code == 422
        assert "already submitted with other values" in changed.text
        assert fields["key"] not in changed.text
        assert len(await movements()) == 2


class TestRoles:
    async def test_a_viewer_is_not_offered_a_form_and_a_post_is_refused(
        self, clerk: httpx.AsyncClient
    ) -> None:
        async with _client(console_app()) as viewer:
            await sign_in(viewer, "vic", "viewer")
            page = await viewer.get("/record/damage")
            csrf = csrf_in((await viewer.get("/")).text)
            typed = {"csrf": csrf, "key": "k", "sku": SKU, "quantity": "1", "location": "main"}
            answer = await viewer.post("/record/damage", data=typed)

        assert page.status_code == 403
        assert 'name="quantity"' not in page.text
        assert answer.status_code == 403
        assert "needs the clerk role" in answer.text
        assert len(await movements()) == 1

    async def test_a_clerk_is_not_offered_adjust_and_a_post_is_refused(
        self, clerk: httpx.AsyncClient
    ) -> None:
        page = await clerk.get("/record")
        refused_page = await clerk.get("/record/adjust")
        fields = {"quantity": "1", "direction": "add", "bucket": "available", "reason": "x"}
        data = await form_of(clerk, "damage") | {"sku": SKU, "location": "main"} | fields
        refused = await clerk.post("/record/adjust", data=data)

        assert 'href="/record/adjust"' not in page.text
        assert refused_page.status_code == 403
        assert refused.status_code == 403
        assert "Recording adjust needs the manager role" in refused.text
        assert len(await movements()) == 1


class TestUndo:
    async def reverse(self, client: httpx.AsyncClient, movement_id: int) -> httpx.Response:
        page = await client.get(f"/movements/{movement_id}")
        return await client.post(
            f"/movements/{movement_id}/reverse", data={"csrf": csrf_in(page.text)}
        )

    async def test_a_clerk_undoes_their_own_damage_and_a_second_undo_shows_the_first(
        self, clerk: httpx.AsyncClient
    ) -> None:
        await post(clerk, "damage", quantity="3")
        damage = (await movements())[0]

        undone = await self.reverse(clerk, damage.id)
        reversal = (await movements())[0]
        again = await self.reverse(clerk, damage.id)

        assert followed(undone) == f"/movements/{reversal.id}?recorded=reversed"
        assert (reversal.reverses, reversal.actor) == (damage.id, "web:carol")
        assert followed(again) == f"/movements/{reversal.id}?recorded=reversed-before"
        assert len(await movements()) == 3
        page = await clerk.get(f"/movements/{damage.id}")
        assert f'href="/movements/{reversal.id}"' in page.text
        assert "Undo this" not in page.text

    async def test_a_clerk_may_not_reverse_someone_elses_movement(
        self, clerk: httpx.AsyncClient
    ) -> None:
        """No button is offered, and a post is refused naming the rule."""
        receipt = (await movements())[0]

        page = await clerk.get(f"/movements/{receipt.id}")
        refused = await self.reverse(clerk, receipt.id)

        assert "Reverse this" not in page.text
        assert "needs a manager" in page.text
        assert refused.status_code == 403
        assert "undoing someone else&#39;s movement needs the manager role" in refused.text
        assert len(await movements()) == 1

    async def test_after_ten_minutes_the_clerks_undo_is_gone(
        self, clerk: httpx.AsyncClient, clerk_app: FastAPI
    ) -> None:
        await post(clerk, "damage", quantity="3")
        damage = (await movements())[0]
        _later(clerk_app, UNDO_WINDOW + timedelta(seconds=1))

        page = await clerk.get(f"/movements/{damage.id}")
        refused = await self.reverse(clerk, damage.id)

        assert "Undo this" not in page.text
        assert refused.status_code == 403
        assert "after 10 minutes" in refused.text
        assert len(await movements()) == 2

    async def test_a_manager_reverses_anyones_movement_at_any_time(
        self, clerk: httpx.AsyncClient, manager: httpx.AsyncClient, manager_app: FastAPI
    ) -> None:
        await post(clerk, "damage", quantity="3")
        damage = (await movements())[0]
        _later(manager_app, timedelta(days=2))

        page = await manager.get(f"/movements/{damage.id}")
        reversed_ = await self.reverse(manager, damage.id)

        assert "Reverse this damage" in page.text
        assert "recorded=reversed" in followed(reversed_)
        assert (await movements())[0].actor == "web:mo"
        assert (await stock.stock_card(SKU)).locations["main"].available == 10

    async def test_a_reversal_of_units_that_moved_on_offers_to_force_it(
        self, clerk: httpx.AsyncClient
    ) -> None:
        """Damaged units written off since cannot come back unless forced: 409, then forced."""
        await post(clerk, "damage", quantity="3")
        damage = (await movements())[0]
        await stock.record(ledger.write_off(SKU, 3), Actor.cli("setup"))

        refused = await self.reverse(clerk, damage.id)
        assert refused.status_code == 409
        assert "cannot take 3 from damaged" in refused.text
        assert "Reverse it anyway" in refused.text
        assert len(await movements()) == 3

        forced = await clerk.post(
            f"/movements/{damage.id}/reverse", data={"csrf": csrf_in(refused.text), "force": "on"}
        )
        assert "recorded=reversed" in followed(forced)
        assert (await stock.stock_card(SKU)).locations["main"].damaged == -3

    async def test_an_unknown_movement_is_a_404_page(self, clerk: httpx.AsyncClient) -> None:
        page = await clerk.get("/movements/999")
        assert page.status_code == 404
        assert "no movement has id 999" in page.text
