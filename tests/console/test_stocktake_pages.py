"""Stock-takes in the console over HTTP, on a real database: the list, the start form,
a manager's review (expected, counted, variance, approval, post, cancel), a counter's view
that hides expected in a blind session, the count form, and the scan page's JSON endpoint
(a scan by barcode adds 1, a retried key counts once, an unknown barcode is refused)."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from decimal import Decimal

import httpx
import pytest

from syncbot.app import barcodes, stocktakes
from syncbot.app.actor import Actor
from syncbot.ledger.routes import receive
from syncbot.store import models
from syncbot.store.catalogue import add_sku
from syncbot.store.posting import post
from syncbot.store.stocktake_models import Stocktake, StocktakeCount

from .conftest import console_app, csrf_in, sign_in

MUG_EAN = "4006381333931"
BOSS = Actor.cli("boss")


@pytest.fixture
async def shelf(database: str) -> None:
    """MUG-1: 10 on hand at 4.00 (barcode MUG_EAN); CUP-1: 3 on hand; both at main."""
    for sku in ("MUG-1", "CUP-1"):
        await add_sku(sku)
    await post([receive("MUG-1", 10, unit_cost=Decimal("4.00")), receive("CUP-1", 3)])
    await barcodes.add("MUG-1", MUG_EAN)


@asynccontextmanager
async def _signed_in(name: str, role: str) -> AsyncIterator[httpx.AsyncClient]:
    """A cookie-keeping client of a console of its own, `name` signed in as `role`."""
    transport = httpx.ASGITransport(app=console_app())
    async with httpx.AsyncClient(transport=transport, base_url="http://c.test") as client:
        await sign_in(client, name, role)
        yield client


@pytest.fixture
async def manager(shelf: None) -> AsyncIterator[httpx.AsyncClient]:
    async with _signed_in("mo", "manager") as client:
        yield client


@pytest.fixture
async def clerk(shelf: None) -> AsyncIterator[httpx.AsyncClient]:
    async with _signed_in("carol", "clerk") as client:
        yield client


async def _on_hand(sku: str) -> int:
    rows = await models.Balance.filter(
        sku_id=sku, location_id="main", bucket__in=["available", "committed", "damaged"]
    ).values_list("quantity", flat=True)
    return sum(int(str(q)) for q in rows)


def _row(html: str, sku: str) -> str:
    """The review table's row of `sku`."""
    return next(row for row in html.split("<tr")[1:] if f'href="/skus/{sku}"' in row)


async def _scan(
    client: httpx.AsyncClient, session: int, body: dict[str, object], csrf: str | None
) -> httpx.Response:
    headers = {} if csrf is None else {"X-CSRF-Token": csrf}
    return await client.post(f"/stocktakes/{session}/scans", json=body, headers=headers)


class TestPages:
    async def test_the_list_shows_open_sessions_and_the_navigation_marks_it(
        self, clerk: httpx.AsyncClient
    ) -> None:
        """Open by default with counted / lines and a Scan link; ?all=1 adds closed ones."""
        await stocktakes.start(BOSS, skus=["MUG-1"], name="aisle-1")
        cancelled = await stocktakes.start(BOSS, skus=["CUP-1"], name="old")
        await stocktakes.cancel(cancelled.id, BOSS)
        page = await clerk.get("/stocktakes")
        assert page.status_code == 200
        assert '<a href="/stocktakes" aria-current="page">Stock-takes</a>' in page.text
        assert "aisle-1" in page.text
        assert "old" not in page.text
        assert re.search(r">0</span> / <span[^>]*>1<", page.text)
        assert "/scan" in page.text
        assert "old" in (await clerk.get("/stocktakes?all=1")).text

    async def test_a_manager_starts_one_from_the_form_and_a_bad_value_is_shown_beside_it(
        self, manager: httpx.AsyncClient
    ) -> None:
        """Units "many": 422, the error beside its field, what was typed kept, nothing
        started; then a blind session over a barcode and a pattern-free list opens."""
        form = await manager.get("/stocktakes/new")
        csrf = csrf_in(form.text)
        fields = {"csrf": csrf, "name": "aisle-2", "location": "main", "skus": MUG_EAN}
        refused = await manager.post("/stocktakes/new", data={**fields, "units": "many"})
        assert refused.status_code == 422
        assert re.search(r'id="e-units">[^<]*whole number', refused.text)
        assert 'value="aisle-2"' in refused.text
        assert await Stocktake.all().count() == 0

        started = await manager.post(
            "/stocktakes/new", data={**fields, "blind": "on", "units": "1"}
        )
        assert started.status_code == 303
        session = await Stocktake.get(name="aisle-2")
        assert started.headers["location"].startswith(f"/stocktakes/{session.id}?")
        assert (session.blind, session.approve_over_units) == (True, 1)

    async def test_a_clerk_may_not_start_approve_post_or_cancel(
        self, clerk: httpx.AsyncClient
    ) -> None:
        """Each is a manager's: 403, the session still open."""
        session = await stocktakes.start(BOSS, skus=["MUG-1"])
        csrf = csrf_in((await clerk.get(f"/stocktakes/{session.id}")).text)
        assert (await clerk.get("/stocktakes/new")).status_code == 403
        for action in ("approve", "post", "cancel"):
            answer = await clerk.post(f"/stocktakes/{session.id}/{action}", data={"csrf": csrf})
            assert answer.status_code == 403, action
        assert (await Stocktake.get(id=session.id)).status == "open"


class TestReview:
    async def test_the_review_shows_variance_in_units_percent_and_value(
        self, manager: httpx.AsyncClient
    ) -> None:
        """MUG-1 counted 8 of 10: −2, −20.0%, −8.00, = 8 − 10; CUP-1 not counted."""
        limits = stocktakes.thresholds(units=1)
        session = await stocktakes.start(BOSS, skus=["MUG-1", "CUP-1"], limits=limits)
        await stocktakes.count(session.id, "MUG-1", 8, Actor.cli("ann"), area="shelf")
        page = await manager.get(f"/stocktakes/{session.id}")
        assert page.status_code == 200
        mug, cup = _row(page.text, "MUG-1"), _row(page.text, "CUP-1")
        assert "-2" in mug
        assert "-20.0%" in mug
        assert "-8.00" in mug
        assert "= 8 − 10" in mug
        assert "over units" in mug
        assert "cli:ann · shelf" in mug
        assert "not counted" in cup

    async def test_a_manager_approves_a_line_then_posts_and_the_movement_is_linked(
        self, manager: httpx.AsyncClient
    ) -> None:
        """Posting before approval is refused (409, nothing posted); after the line's
        Approve the post records one count movement and the page links it."""
        limits = stocktakes.thresholds(units=1)
        session = await stocktakes.start(BOSS, skus=["MUG-1"], limits=limits)
        await stocktakes.count(session.id, "MUG-1", 7, Actor.cli("ann"))
        base = f"/stocktakes/{session.id}"
        csrf = csrf_in((await manager.get(base)).text)
        early = await manager.post(f"{base}/post", data={"csrf": csrf})
        assert early.status_code == 409
        assert "approval" in early.text
        assert await _on_hand("MUG-1") == 10

        approved = await manager.post(f"{base}/approve", data={"csrf": csrf, "sku": MUG_EAN})
        assert approved.status_code == 303
        assert "Approved MUG-1." in (await manager.get(approved.headers["location"])).text
        posted = await manager.post(f"{base}/post", data={"csrf": csrf, "uncounted": "leave"})
        assert posted.status_code == 303
        shown = await manager.get(posted.headers["location"])
        assert "Posted: 1 count movement(s)" in shown.text
        assert "/movements/" in shown.text
        assert await _on_hand("MUG-1") == 7

    async def test_cancel_closes_the_session_and_touches_no_balance(
        self, manager: httpx.AsyncClient
    ) -> None:
        session = await stocktakes.start(BOSS, skus=["MUG-1"])
        await stocktakes.count(session.id, "MUG-1", 2, BOSS)
        base = f"/stocktakes/{session.id}"
        csrf = csrf_in((await manager.get(base)).text)
        answer = await manager.post(f"{base}/cancel", data={"csrf": csrf})
        assert answer.status_code == 303
        assert (
            "Cancelled: no balance was touched"
            in (await manager.get(answer.headers["location"])).text
        )
        assert await _on_hand("MUG-1") == 10


class TestCounting:
    async def test_a_blind_session_hides_expected_from_a_clerk(
        self, clerk: httpx.AsyncClient
    ) -> None:
        """No Expected or Variance column, and 10 (MUG-1's on-hand) appears nowhere."""
        session = await stocktakes.start(BOSS, skus=["MUG-1"], blind=True)
        await stocktakes.count(session.id, "MUG-1", 9, Actor.cli("ann"))
        for path in (f"/stocktakes/{session.id}", f"/stocktakes/{session.id}/scan"):
            page = await clerk.get(path)
            assert page.status_code == 200
            assert "Expected" not in page.text
            assert "Variance" not in page.text
            assert ">10<" not in page.text

    async def test_the_count_form_takes_a_barcode_and_refuses_an_unknown_one_beside_it(
        self, clerk: httpx.AsyncClient
    ) -> None:
        """A count of 6 by barcode is recorded once per form; an unknown code: 422, the
        message beside the code field, what was typed kept, nothing written."""
        session = await stocktakes.start(BOSS, skus=["MUG-1"])
        base = f"/stocktakes/{session.id}"
        page = (await clerk.get(base)).text
        key = re.search(r'name="key" value="([^"]+)"', page)
        assert key
        fields = {"csrf": csrf_in(page), "key": key.group(1), "mode": "set", "code": MUG_EAN}
        for _ in range(2):
            done = await clerk.post(f"{base}/count", data={**fields, "quantity": "6"})
            assert done.status_code == 303
        assert "MUG-1 counted 6" in (await clerk.get(done.headers["location"])).text
        assert await StocktakeCount.all().count() == 1

        unknown = {**fields, "key": "another", "code": "5901234123457", "quantity": "2"}
        refused = await clerk.post(f"{base}/count", data=unknown)
        assert refused.status_code == 422
        assert re.search(r'id="e-code">[^<]*5901234123457', refused.text)
        assert 'value="5901234123457"' in refused.text
        assert await StocktakeCount.all().count() == 1

    async def test_the_scan_page_offers_one_big_input_and_its_script(
        self, clerk: httpx.AsyncClient
    ) -> None:
        """The input a scanner types into, the session's CSRF token for the script, and a
        form that counts +1 without the script."""
        session = await stocktakes.start(BOSS, skus=["MUG-1"])
        page = await clerk.get(f"/stocktakes/{session.id}/scan")
        assert page.status_code == 200
        assert 'id="scan-code" name="code" autofocus' in page.text
        assert f'data-csrf="{csrf_in(page.text)}"' in page.text
        assert '<script src="/static/scan.js" defer></script>' in page.text
        assert 'name="mode" value="add"' in page.text
        assert (await clerk.get("/static/scan.js")).status_code == 200

    async def test_without_script_the_scan_form_counts_one_and_shows_a_refusal(
        self, clerk: httpx.AsyncClient
    ) -> None:
        """The scan page's own form (+1, back to the scan page); an unknown code comes back
        named on the scan page, nothing written."""
        session = await stocktakes.start(BOSS, skus=["MUG-1"])
        scan_page = f"/stocktakes/{session.id}/scan"
        page = (await clerk.get(scan_page)).text
        fields = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', page))
        counted = await clerk.post(
            f"/stocktakes/{session.id}/count", data={**fields, "code": MUG_EAN, "area": ""}
        )
        assert counted.headers["location"].startswith(f"{scan_page}?counted=MUG-1")
        assert "Recorded: MUG-1 counted 1" in (await clerk.get(counted.headers["location"])).text

        unknown = {**fields, "key": "other", "code": "5901234123457"}
        refused = await clerk.post(f"/stocktakes/{session.id}/count", data=unknown)
        shown = await clerk.get(refused.headers["location"])
        assert "Not counted: 5901234123457: unknown SKU" in shown.text
        assert await StocktakeCount.all().count() == 1


class TestScanEndpoint:
    async def test_a_scan_adds_one_and_a_retried_key_counts_once(
        self, clerk: httpx.AsyncClient
    ) -> None:
        """Two scans by barcode (the second sent twice) make 2; a number sets 5."""
        session = await stocktakes.start(BOSS, skus=["MUG-1"])
        csrf = csrf_in((await clerk.get(f"/stocktakes/{session.id}/scan")).text)
        first = await _scan(clerk, session.id, {"code": MUG_EAN, "key": "k1"}, csrf)
        assert first.status_code == 200, first.text
        assert first.json()["sku"] == "MUG-1"
        assert (first.json()["mine"], first.json()["counted"]) == (1, 1)
        assert first.json()["expected"] == 10
        for _ in range(2):
            second = await _scan(clerk, session.id, {"code": MUG_EAN, "key": "k2"}, csrf)
        assert (second.json()["applied"], second.json()["counted"]) == (False, 2)
        typed = {"code": MUG_EAN, "key": "k3", "mode": "set", "quantity": 5}
        assert (await _scan(clerk, session.id, typed, csrf)).json()["counted"] == 5
        assert await StocktakeCount.all().count() == 3

    async def test_an_unknown_barcode_is_refused_plainly_and_nothing_is_written(
        self, clerk: httpx.AsyncClient
    ) -> None:
        session = await stocktakes.start(BOSS, skus=["MUG-1"])
        csrf = csrf_in((await clerk.get(f"/stocktakes/{session.id}/scan")).text)
        answer = await _scan(clerk, session.id, {"code": "5901234123457", "key": "u"}, csrf)
        assert answer.status_code == 404
        assert answer.json()["unknown"] is True
        assert "5901234123457" in answer.json()["error"]
        assert await StocktakeCount.all().count() == 0

    async def test_refusals_write_nothing(self, clerk: httpx.AsyncClient) -> None:
        """No CSRF header: 403; a negative quantity: 422; a closed session: 409; a
        malformed body: 422; signed out: 401 (JSON, not a redirect)."""
        session = await stocktakes.start(BOSS, skus=["MUG-1"])
        csrf = csrf_in((await clerk.get(f"/stocktakes/{session.id}/scan")).text)
        scan = {"code": "MUG-1", "key": "r"}
        assert (await _scan(clerk, session.id, scan, None)).status_code == 403
        negative = {**scan, "mode": "set", "quantity": -1}
        assert (await _scan(clerk, session.id, negative, csrf)).status_code == 422
        assert (await _scan(clerk, session.id, {"code": "MUG-1"}, csrf)).status_code == 422
        await stocktakes.cancel(session.id, BOSS)
        closed = await _scan(clerk, session.id, scan, csrf)
        assert closed.status_code == 409
        assert "cancelled" in closed.json()["error"]
        assert await StocktakeCount.all().count() == 0
        transport = httpx.ASGITransport(app=console_app())
        async with httpx.AsyncClient(transport=transport, base_url="http://c.test") as stranger:
            assert (await _scan(stranger, session.id, scan, csrf)).status_code == 401
