"""The SKU list, its CSV export and the SKU card over HTTP, on a real database (SQLite and
PostgreSQL): search, sort, pages, low stock, formula-safe CSV, the card's quantities,
listing explanations, movement pages and charts, and hostile query strings."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from fastapi import FastAPI

from connectors.fake import FakeConnector
from syncbot import ledger
from syncbot.app import barcodes
from syncbot.app.syncing import ChannelSyncs
from syncbot.ledger.allocation import Policy
from syncbot.store import sync_models
from syncbot.store.catalogue import add_sku
from syncbot.store.posting import Provenance, post
from syncbot.sync.channels import SyncChannel

from .conftest import console_app, sign_in

ROW_CODE = re.compile(r'<td><a href="/skus/[^"]+">([^<]+)</a>')


def codes(html: str) -> list[str]:
    return ROW_CODE.findall(html)


async def catalogue(count: int) -> None:
    """SKUs A000… with names "Widget n", available n, reorder point 5 on every tenth."""
    for n in range(count):
        code = f"A{n:03d}"
        await add_sku(code, name=f"Widget {n}", reorder_point=5 if n % 10 == 0 else None)
        if n:
            await post([ledger.receive(code, n)])


async def test_an_unsigned_visitor_is_sent_to_sign_in(console: httpx.AsyncClient) -> None:
    """Every SKU page needs a session, the export included."""
    for path in ("/skus", "/skus.csv", "/skus/A000"):
        answer = await console.get(path)
        assert answer.status_code == 303
        assert answer.headers["location"].startswith("/sign-in")


class TestTheList:
    async def test_searches_by_code_prefix_substring_name_and_exact_barcode(
        self, console: httpx.AsyncClient
    ) -> None:
        """A code prefix or substring, a name in any case, or a whole barcode finds the SKU;
        part of a barcode finds nothing."""
        await add_sku("TEE/RED-M", name="Red tee, medium")
        await add_sku("MUG-1", name="Blue mug")
        await add_sku("CAP", name="Cap")
        await barcodes.add("CAP", "4006381333931")
        await sign_in(console, "vera", "viewer")

        assert codes((await console.get("/skus?q=TEE")).text) == ["TEE/RED-M"]
        assert codes((await console.get("/skus?q=red-m")).text) == ["TEE/RED-M"]
        assert codes((await console.get("/skus?q=BLUE")).text) == ["MUG-1"]
        assert codes((await console.get("/skus?q=4006381333931")).text) == ["CAP"]
        assert codes((await console.get("/skus?q=400638133393")).text) == []
        assert codes((await console.get("/skus?q=%25")).text) == []  # a LIKE wildcard is literal

    async def test_pages_of_fifty_in_code_order_with_links(
        self, console: httpx.AsyncClient
    ) -> None:
        """120 SKUs make pages of 50, 50 and 20; each links to the next and previous."""
        await catalogue(120)
        await sign_in(console, "vera", "viewer")

        first = await console.get("/skus")
        third = await console.get("/skus?page=3")

        assert codes(first.text) == [f"A{n:03d}" for n in range(50)]
        assert 'rel="next" href="/skus?page=2"' in first.text
        assert codes(third.text) == [f"A{n:03d}" for n in range(100, 120)]
        assert 'rel="prev" href="/skus?page=2"' in third.text
        assert 'rel="next"' not in third.text

    async def test_sorts_by_each_column_both_ways_with_aria_sort(
        self, console: httpx.AsyncClient
    ) -> None:
        """`sort=-available` puts the most available first and marks that column
        descending; its header link flips it to ascending."""
        await catalogue(60)
        await sign_in(console, "vera", "viewer")

        page = await console.get("/skus?sort=-available")

        assert codes(page.text)[:3] == ["A059", "A058", "A057"]
        assert 'aria-sort="descending"' in page.text
        assert 'href="/skus?sort=available"' in page.text
        by_name = codes((await console.get("/skus?sort=name")).text)
        assert by_name[:3] == ["A000", "A001", "A010"]  # "Widget 0" < "Widget 1" < "Widget 10"
        for key in ("code", "on_hand", "incoming", "reorder_point", "-reorder_point"):
            assert (await console.get(f"/skus?sort={key}")).status_code == 200
        with_point = codes((await console.get("/skus?sort=-reorder_point")).text)
        assert set(with_point[:6]) == {f"A{n:03d}" for n in range(0, 60, 10)}

    async def test_low_stock_keeps_skus_at_or_below_their_reorder_point(
        self, console: httpx.AsyncClient
    ) -> None:
        """A000 (0 ≤ 5) is low; A010… (10 > 5) are not; SKUs without a point never are."""
        await catalogue(30)
        await sign_in(console, "vera", "viewer")

        page = await console.get("/skus?low=1")

        assert codes(page.text) == ["A000"]
        assert 'aria-current="page">✓ Low stock only' in page.text


class TestTheExport:
    async def test_exports_every_matching_row_in_the_list_order(
        self, console: httpx.AsyncClient
    ) -> None:
        """The CSV holds all 120 rows (not one page) under a header, sorted as asked."""
        await catalogue(120)
        await sign_in(console, "vera", "viewer")

        answer = await console.get("/skus.csv?sort=-available")

        assert answer.headers["content-type"].startswith("text/csv")
        rows = list(csv.reader(io.StringIO(answer.text)))
        assert rows[0] == [
            "code", "name", "available", "on_hand", "incoming", "reorder_point", "low"
        ]  # fmt: skip
        assert len(rows) == 121
        assert [row[0] for row in rows[1:4]] == ["A119", "A118", "A117"]
        assert rows[-1][:3] == ["A000", "Widget 0", "0"]

    async def test_a_search_exports_only_its_matches(self, console: httpx.AsyncClient) -> None:
        await catalogue(30)
        await sign_in(console, "vera", "viewer")
        rows = list(csv.reader(io.StringIO((await console.get("/skus.csv?q=A01")).text)))
        assert [row[0] for row in rows[1:]] == [f"A{n:03d}" for n in range(10, 20)]

    async def test_a_name_that_would_be_a_formula_is_quoted(
        self, console: httpx.AsyncClient
    ) -> None:
        """Names starting with = + - @ are written with a leading quote, so a spreadsheet
        shows them as text instead of running them."""
        hostile = ['=HYPERLINK("http://x")', "+1+1", "-2", "@SUM(A1)"]
        for n, name in enumerate(hostile):
            await add_sku(f"F{n}", name=name)
        await sign_in(console, "vera", "viewer")

        rows = list(csv.reader(io.StringIO((await console.get("/skus.csv")).text)))

        assert [row[1] for row in rows[1:]] == ["'" + name for name in hostile]


class TestHostileQueries:
    @pytest.mark.parametrize(
        "query",
        [
            "page=99999999999999999999",
            "page=0",
            "page=-1",
            "page=%C2%B2",
            "sort=password",
            "sort=code;DROP TABLE sku",
            "q=%00",
            "q=" + "x" * 10_000,
            "low=yes",
        ],
    )
    async def test_answers_400_with_a_sentence(
        self, console: httpx.AsyncClient, query: str
    ) -> None:
        await sign_in(console, "vera", "viewer")
        for path in ("/skus", "/skus.csv"):
            if path == "/skus.csv" and query.startswith("page"):
                continue
            answer = await console.get(f"{path}?{query}")
            assert answer.status_code == 400, (path, query)

    async def test_a_page_beyond_the_last_is_empty_not_an_error(
        self, console: httpx.AsyncClient
    ) -> None:
        await catalogue(3)
        await sign_in(console, "vera", "viewer")
        answer = await console.get("/skus?page=100000")
        assert answer.status_code == 200
        assert codes(answer.text) == []
        assert "No SKUs on page 100000" in answer.text

    async def test_an_unknown_or_impossible_sku_is_a_404_page(
        self, console: httpx.AsyncClient
    ) -> None:
        await sign_in(console, "vera", "viewer")
        assert (await console.get("/skus/NOPE")).status_code == 404
        assert (await console.get("/skus/" + "x" * 5000)).status_code == 404
        assert (await console.get("/skus/A%00B")).status_code == 404
        assert (await console.get("/skus/NOPE?before=abc")).status_code == 400


NOW = datetime.now(UTC)


def channel_app() -> FastAPI:
    """The console with a channel "shop" that keeps back a buffer of 5."""
    connector = FakeConnector("shop", "test-secret", locations=["main", "east"])
    shop = SyncChannel(connector, ("main", "east"), Policy(buffer=5))
    return console_app(channel_syncs=ChannelSyncs({"shop": shop}, grace=timedelta(0)))


class TestTheCard:
    async def test_shows_quantities_per_location_and_totals_and_barcodes(
        self, console: httpx.AsyncClient
    ) -> None:
        """A code holding `/` has its card; each location's buckets and their total."""
        await add_sku("TEE/RED-M", name="Red tee", reorder_point=3)
        await barcodes.add("TEE/RED-M", "RED-M-01")
        await barcodes.add("TEE/RED-M", "4006381333931")
        await post(
            [ledger.receive("TEE/RED-M", 10, "main"), ledger.receive("TEE/RED-M", 2, "east")]
        )
        await post([ledger.damage("TEE/RED-M", 1, "main")])
        await sign_in(console, "vera", "viewer")

        page = await console.get("/skus/TEE%2FRED-M")
        also = await console.get("/skus/TEE/RED-M")

        assert page.status_code == 200
        assert also.status_code == 200
        text = re.sub(r"\s+", " ", page.text)
        assert "Red tee" in text
        assert '<code>4006381333931</code> <span class="badge state-gtin">gtin</span>' in text
        assert '<code>RED-M-01</code> <span class="badge state-internal">internal</span>' in text
        assert re.search(r'<th scope="row">main</th><td class="num"><span class="num">9<', text)
        assert re.search(r'<th scope="row">Total</th><td class="num"><span class="num">11<', text)

    async def test_explains_what_each_listing_publishes(self, database: str) -> None:
        """The shop keeps back 5: "7 = available 12 (main 10 + east 2) − buffer 5"."""
        await add_sku("MUG")
        await post([ledger.receive("MUG", 10, "main"), ledger.receive("MUG", 2, "east")])
        await sync_models.ChannelListing.create(
            channel="shop",
            sku="MUG",
            listing_id="L1",
            inventory_id="I1",
            channel_quantity=9,
            drift=2,
            held_since=NOW,
        )
        transport = httpx.ASGITransport(app=channel_app())
        async with httpx.AsyncClient(transport=transport, base_url="http://c.test") as client:
            await sign_in(client, "vera", "viewer")
            page = await client.get("/skus/MUG")

        assert "7 = available 12 (main 10 + east 2) \u2212 buffer 5" in page.text
        assert "state-held" in page.text
        assert "state-drifting" in page.text

    async def test_pages_movements_newest_first_with_an_older_link(
        self, console: httpx.AsyncClient
    ) -> None:
        """60 movements: 50 on the card, the 10 oldest behind "Older", each linked."""
        await add_sku("MUG")
        for _ in range(60):
            await post([ledger.receive("MUG", 1)])
        await sign_in(console, "vera", "viewer")

        first = await console.get("/skus/MUG")
        ids = [int(n) for n in re.findall(r'<a href="/movements/(\d+)">', first.text)]
        older = re.search(r'rel="next" href="([^"]+)#movements"', first.text)

        assert len(ids) == 50
        assert ids == sorted(ids, reverse=True)
        assert older is not None
        second = await console.get("/skus/MUG" + older.group(1).replace("&amp;", "&"))
        rest = [int(n) for n in re.findall(r'<a href="/movements/(\d+)">', second.text)]
        assert len(rest) == 10
        assert max(rest) < min(ids)
        assert 'rel="next"' not in second.text

    async def test_draws_the_last_90_days_as_svg_with_a_summary(
        self, console: httpx.AsyncClient
    ) -> None:
        """Received 20 ten days ago, sold 5 then 2 cancelled yesterday: the charts are
        inline SVG with a title, and the summary says 3 sold."""
        await add_sku("MUG")
        past = NOW - timedelta(days=10)
        await post([ledger.receive("MUG", 20)], provenance=Provenance(occurred_at=past))
        yesterday = NOW - timedelta(days=1)
        await post([ledger.order_commit("MUG", 5)], provenance=Provenance(occurred_at=yesterday))
        await post([ledger.order_cancel("MUG", 2)], provenance=Provenance(occurred_at=yesterday))
        await sign_in(console, "vera", "viewer")

        page = await console.get("/skus/MUG")

        assert page.text.count('<svg class="chart"') == 2
        assert '<title id="chart-available-t">MUG: available at the end of each day' in page.text
        assert "available went from 0 to 17" in page.text
        assert "3 units sold" in page.text
