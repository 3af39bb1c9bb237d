"""The inbox and parked-lines pages over HTTP, on a real database: what each role sees,
retry and skip (manager, CSRF, actor web:<user>), and adding the SKU parked lines wait for."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime

import httpx
import pytest
from pydantic import SecretStr

from syncbot.app import catalogue
from syncbot.config import Settings
from syncbot.ledger.orders import OrderLine, OrderSnapshot
from syncbot.store import models
from syncbot.store.catalogue import add_sku
from syncbot.store.orders import record_order_event
from syncbot.web.app import web_app

from .conftest import API_TOKEN, csrf_of, sign_in

T0 = datetime(2026, 11, 1, 12, tzinfo=UTC)


async def _delivery(event_id: str, status: str = "failed", error: str = "'lines'") -> int:
    row = await models.InboxDelivery.create(
        channel="shop",
        event_id=event_id,
        topic="order",
        headers={},
        body=b"{}",
        status=status,
        attempts=5 if status == "failed" else 1,
        last_error=error,
    )
    return row.id


async def _status(delivery_id: int) -> tuple[str, int, str | None]:
    row = await models.InboxDelivery.get(id=delivery_id)
    return row.status, row.attempts, row.closed_by


@pytest.fixture
async def woken(database: str) -> AsyncIterator[tuple[httpx.AsyncClient, list[int]]]:
    """A client of an app whose intake wake-ups are counted."""
    wakes: list[int] = []

    @asynccontextmanager
    async def nothing(app: object) -> AsyncIterator[None]:
        yield

    app = web_app(
        Settings(api_token=SecretStr(API_TOKEN)), {}, {}, lambda: wakes.append(1), nothing
    )
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://console.test") as client:
        yield client, wakes


class TestTheInboxList:
    async def test_a_viewer_sees_state_readable_error_and_tries_but_no_actions(
        self, console: httpx.AsyncClient
    ) -> None:
        """The list shows each delivery not applied with its reworded error; a viewer is
        offered no Retry or Skip."""
        failed = await _delivery("e1")
        applied = await _delivery("e2", "applied")
        await sign_in(console, "vera", "viewer")

        page = await console.get("/inbox")

        assert page.status_code == 200
        assert "the payload has no &#39;lines&#39;" in page.text
        assert "5/5" in page.text
        # By row id: the page's random CSRF token may hold any two letters, such as "e2".
        assert f'id="delivery-{failed}"' in page.text
        assert f'id="delivery-{applied}"' not in page.text
        assert page.text.count('id="delivery-') == 1
        assert "/inbox/retry" not in page.text
        assert "/skip" not in page.text

    async def test_the_state_filter_is_in_the_query_string(
        self, console: httpx.AsyncClient
    ) -> None:
        """?state=failed lists only failed deliveries; a state no delivery not applied can
        be in is a 400 page naming the states."""
        failed = await _delivery("e1")
        waiting = await _delivery("e2", "pending")
        await sign_in(console, "vera", "viewer")

        only_failed = await console.get("/inbox", params={"state": "failed"})
        assert f'id="delivery-{failed}"' in only_failed.text
        assert f'id="delivery-{waiting}"' not in only_failed.text
        bogus = await console.get("/inbox", params={"state": "applied"})
        assert bogus.status_code == 400
        assert "pending, failed, not_found, skipped" in bogus.text
        for page in ("x", "0", "²", "9" * 5000):
            assert (await console.get("/inbox", params={"page": page})).status_code == 400


class TestRetry:
    async def test_a_manager_retries_one_delivery_and_the_loop_is_woken(
        self, woken: tuple[httpx.AsyncClient, list[int]]
    ) -> None:
        """Retry reopens the delivery with its tries back, wakes the intake loop, and the
        list says so."""
        client, wakes = woken
        one, other = await _delivery("e1"), await _delivery("e2")
        await sign_in(client, "mona", "manager")

        answer = await client.post(
            "/inbox/retry", data={"csrf": await csrf_of(client, "/inbox"), "delivery": one}
        )

        assert answer.status_code == 303
        assert answer.headers["location"] == "/inbox?retried=1"
        assert await _status(one) == ("pending", 0, None)
        assert await _status(other) == ("failed", 5, None)
        assert wakes == [1]
        shown = await client.get(answer.headers["location"])
        assert "1 delivery will be retried" in shown.text

    async def test_retry_all_failed_leaves_skipped_ones_closed(
        self, console: httpx.AsyncClient
    ) -> None:
        """ "Retry every failed delivery" reopens the failed and nothing else."""
        failed = [await _delivery("e1"), await _delivery("e2")]
        skipped = await _delivery("e3", "skipped")
        await sign_in(console, "mona", "manager")

        answer = await console.post(
            "/inbox/retry", data={"csrf": await csrf_of(console, "/inbox"), "state": "failed"}
        )

        assert answer.headers["location"] == "/inbox?retried=2"
        assert [(await _status(i))[0] for i in failed] == ["pending", "pending"]
        assert (await _status(skipped))[0] == "skipped"

    async def test_retrying_an_applied_or_unknown_delivery_retries_nothing(
        self, console: httpx.AsyncClient
    ) -> None:
        """A delivery already applied, or an id no delivery has, reopens nothing and the
        list says none was waiting; an id that is not a number is a 400 page."""
        applied = await _delivery("e1", "applied")
        await sign_in(console, "mona", "manager")
        csrf = await csrf_of(console, "/inbox")

        for delivery in (str(applied), "9000000000"):
            answer = await console.post("/inbox/retry", data={"csrf": csrf, "delivery": delivery})
            assert answer.headers["location"] == "/inbox?retried=0"
        shown = await console.get("/inbox?retried=0")
        assert "none was waiting" in shown.text
        assert await _status(applied) == ("applied", 1, None)
        bad = await console.post("/inbox/retry", data={"csrf": csrf, "delivery": "1; drop"})
        assert bad.status_code == 400

    async def test_a_clerk_or_a_forged_form_is_refused_and_nothing_changes(
        self, console: httpx.AsyncClient
    ) -> None:
        """Retrying needs a manager and this session's CSRF token."""
        failed = await _delivery("e1")
        await sign_in(console, "carl", "clerk")
        csrf = await csrf_of(console, "/inbox")
        assert (
            await console.post("/inbox/retry", data={"csrf": csrf, "delivery": failed})
        ).status_code == 403
        await sign_in(console, "mona", "manager")
        forged = await console.post("/inbox/retry", data={"csrf": "x", "delivery": failed})
        assert forged.status_code == 403
        assert await _status(failed) == ("failed", 5, None)


class TestSkip:
    async def test_a_skip_needs_a_reason_and_keeps_what_was_typed(
        self, console: httpx.AsyncClient
    ) -> None:
        """A blank or over-long reason is refused beside the field with the text kept;
        nothing is written."""
        failed = await _delivery("e1")
        await sign_in(console, "mona", "manager")
        csrf = await csrf_of(console, f"/inbox/{failed}/skip")

        blank = await console.post(f"/inbox/{failed}/skip", data={"csrf": csrf, "reason": "  "})
        long = await console.post(
            f"/inbox/{failed}/skip", data={"csrf": csrf, "reason": "why " * 400}
        )

        assert blank.status_code == 422
        assert 'class="error" id="e-reason"' in blank.text
        assert "give a reason" in blank.text
        assert long.status_code == 422
        assert 'value="why why' in long.text
        assert await _status(failed) == ("failed", 5, None)

    async def test_a_manager_skips_with_a_reason_recorded_as_web_user(
        self, console: httpx.AsyncClient
    ) -> None:
        """The delivery closes as skipped by web:<user>, and the list shows who and why."""
        failed = await _delivery("e1")
        await sign_in(console, "mona", "manager")
        csrf = await csrf_of(console, f"/inbox/{failed}/skip")

        answer = await console.post(
            f"/inbox/{failed}/skip", data={"csrf": csrf, "reason": "a test order"}
        )

        assert answer.status_code == 303
        assert await _status(failed) == ("skipped", 5, "web:mona")
        shown = await console.get(answer.headers["location"])
        assert f"Delivery {failed} skipped by web:mona: a test order" in shown.text
        again = await console.post(f"/inbox/{failed}/skip", data={"csrf": csrf, "reason": "twice"})
        assert again.status_code == 409
        assert "already skipped" in again.text
        unknown = await console.post("/inbox/999/skip", data={"csrf": csrf, "reason": "x"})
        assert unknown.status_code == 404
        beyond = await console.post(f"/inbox/{2**63}/skip", data={"csrf": csrf, "reason": "x"})
        assert beyond.status_code == 422


async def _park(order_id: str, sku: str, quantity: int) -> None:
    line = OrderLine("L1", sku, quantity=quantity, current=quantity, fulfilled=0)
    await record_order_event("shop", OrderSnapshot(order_id, T0, (line,)))


class TestParkedLines:
    async def test_parked_lines_are_grouped_and_a_manager_adds_the_sku(
        self, console: httpx.AsyncClient
    ) -> None:
        """Adding the SKU applies its parked lines and the answer lists them; the lines
        are no longer parked and stock moved."""
        await _park("1001", "CUP", 2)
        await _park("1002", "CUP", 1)
        await _park("1003", "", 1)
        await sign_in(console, "mona", "manager")

        page = await console.get("/parked")
        assert page.status_code == 200
        assert "Add SKU CUP" in page.text
        assert "Lines that name no SKU" in page.text

        answer = await console.post(
            "/parked/add", data={"csrf": await csrf_of(console), "sku": "CUP", "name": "Cup"}
        )

        assert answer.status_code == 200
        assert "2 parked lines applied: stock moved for 2 orders" in answer.text
        assert answer.text.count("<tr><td>shop</td>") == 2
        assert [group.sku for group in await catalogue.parked_by_sku()] == [""]
        assert await models.Movement.filter(sku_id="CUP").count() == 2

    async def test_a_refused_add_keeps_the_name_beside_its_error(
        self, console: httpx.AsyncClient
    ) -> None:
        """A name the store cannot hold is refused beside the field, the name kept; an
        existing SKU is a 409; nothing is added."""
        await _park("1001", "CUP", 2)
        await add_sku("PLATE")
        await sign_in(console, "mona", "manager")
        csrf = await csrf_of(console)

        long_name = "Cup " * 100
        refused = await console.post(
            "/parked/add", data={"csrf": csrf, "sku": "CUP", "name": long_name}
        )
        taken = await console.post("/parked/add", data={"csrf": csrf, "sku": "PLATE"})

        assert refused.status_code == 422
        assert 'aria-invalid="true"' in refused.text
        assert f'value="{long_name.strip()}"' in refused.text
        assert taken.status_code == 409
        assert "already exists" in taken.text
        assert not await models.Sku.exists(code="CUP")

    async def test_a_clerk_may_see_parked_lines_but_not_add_a_sku(
        self, console: httpx.AsyncClient
    ) -> None:
        """Adding a SKU is catalogue management: a manager's."""
        await _park("1001", "CUP", 2)
        await sign_in(console, "carl", "clerk")

        page = await console.get("/parked")
        refused = await console.post(
            "/parked/add", data={"csrf": await csrf_of(console), "sku": "CUP"}
        )

        assert "CUP" in page.text
        assert "Add SKU" not in page.text
        assert refused.status_code == 403
        assert not await models.Sku.exists(code="CUP")

    async def test_parked_groups_are_paged_and_a_big_group_shows_its_oldest_lines(
        self, console: httpx.AsyncClient
    ) -> None:
        """51 SKUs make two pages; a SKU with 25 lines shows its oldest 20 and says so,
        while its heading counts all 25."""
        rows = [
            models.ParkedLine(channel="shop", order_id=f"o-{n}", line_id="L1", sku=f"S{n:03}")
            for n in range(51)
        ]
        rows += [
            models.ParkedLine(channel="shop", order_id=f"big-{n}", line_id="L1", sku="S000")
            for n in range(24)
        ]
        for row in rows:
            row.quantity = 1
        await models.ParkedLine.bulk_create(rows)
        await sign_in(console, "vera", "viewer")

        first = await console.get("/parked")
        second = await console.get("/parked?page=2")
        hostile = await console.get("/parked?page=0")

        assert first.status_code == 200
        assert first.text.count('class="card parked"') == 50
        assert "25 lines, 25 orders, 25 units" in first.text
        assert first.text.count("<td>shop</td>") == 20 + 49
        assert "The oldest 20 lines are shown; adding the SKU applies all 25." in first.text
        assert 'rel="next" href="/parked?page=2"' in first.text
        assert second.text.count('class="card parked"') == 1
        assert "S050" in second.text
        assert 'rel="next"' not in second.text
        assert hostile.status_code == 400
