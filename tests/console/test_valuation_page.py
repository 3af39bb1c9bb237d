"""The Valuation page over HTTP through the whole app, on SQLite and PostgreSQL: totals, a
location, a past date, the cost of goods sold of a period, the CSV links, refusals."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from decimal import Decimal

import httpx

from syncbot import ledger
from syncbot.store import posting
from syncbot.store.catalogue import add_sku
from syncbot.store.posting import Provenance

from .conftest import sign_in

NOV_2 = datetime(2026, 11, 2, 9, tzinfo=UTC)
NOV_5 = datetime(2026, 11, 5, 9, tzinfo=UTC)
NOVEMBER = "from=2026-11-01&to=2026-12-01"


async def priced() -> None:
    """BOWL: 10 at 2.50 on 2 Nov, 4 sold on 5 Nov. HAT, named "<b>hat</b>": 3 at 1 east."""
    await add_sku("BOWL", "Bowl")
    await add_sku("HAT", "<b>hat</b>")

    async def post(entry: ledger.Entry, when: datetime) -> None:
        await posting.post([entry], provenance=Provenance("test", "o/1", when))

    await post(ledger.receive("BOWL", 10, unit_cost=Decimal("2.50")), NOV_2)
    await post(ledger.receive("HAT", 3, "east", unit_cost=Decimal(1)), NOV_2)
    await post(ledger.order_commit("BOWL", 4), NOV_5)
    await post(ledger.order_fulfil("BOWL", 4), NOV_5)


def totals(html: str, table: str) -> str:
    start = html.index(f'id="{table}"')
    return " ".join(html[start : html.index("</dl>", start)].split())


async def test_an_unsigned_visitor_is_sent_to_sign_in(console: httpx.AsyncClient) -> None:
    for path in ("/valuation", "/valuation.csv", f"/cost-of-goods.csv?{NOVEMBER}"):
        answer = await console.get(path)
        assert answer.status_code == 303
        assert answer.headers["location"].startswith("/sign-in")


async def test_a_viewer_sees_the_value_and_the_cost_of_goods(console: httpx.AsyncClient) -> None:
    """Now: 6 bowls at 2.50 and 3 hats at 1 = 18.00; November: 4 sold for 10.00."""
    await priced()
    await sign_in(console, "vera", "viewer")
    page = await console.get(f"/valuation?{NOVEMBER}")
    assert page.status_code == 200, page.text
    html = page.text
    assert 'href="/reports" aria-current="page"' in html  # one of the Reports
    assert '<dt>Value (USD)</dt><dd class="num">18.00</dd>' in totals(html, "valuation-totals")
    assert "&lt;b&gt;hat&lt;/b&gt;" in html
    assert "<b>hat</b>" not in html
    cost = totals(html, "cost-totals")
    assert '<dt>Units sold</dt><dd class="num">4</dd>' in cost
    assert '<dt>Cost of goods sold (USD)</dt><dd class="num">10.00</dd>' in cost
    assert "0.00 at the start → 18.00 at the end" in cost
    assert 'href="/valuation.csv"' in html
    assert f'href="/cost-of-goods.csv?{NOVEMBER.replace("&", "&amp;")}"' in html


async def test_a_location_and_a_date(console: httpx.AsyncClient) -> None:
    """East holds 3.00 of hats; at the end of 3 Nov all 10 bowls were there: 28.00."""
    await priced()
    await sign_in(console, "vera", "viewer")
    east = (await console.get("/valuation?location=east")).text
    assert '<dt>Value (USD)</dt><dd class="num">3.00</dd>' in totals(east, "valuation-totals")
    past = (await console.get("/valuation?at=2026-11-03")).text
    assert '<dt>Value (USD)</dt><dd class="num">28.00</dd>' in totals(past, "valuation-totals")


async def test_the_csv_exports_are_formula_safe(console: httpx.AsyncClient) -> None:
    await add_sku("CUP", "=HYPERLINK(1)")
    await posting.post([ledger.receive("CUP", 1, unit_cost=Decimal(2))])
    await sign_in(console, "vera", "viewer")
    value = await console.get("/valuation.csv")
    assert value.status_code == 200
    assert list(csv.reader(io.StringIO(value.text)))[1] == [
        "CUP",
        "'=HYPERLINK(1)",
        "1",
        "2.00",
        "2.00",
        "USD",
    ]
    cost = await console.get("/cost-of-goods.csv?from=2000-01-01&to=2100-01-01")
    assert list(csv.reader(io.StringIO(cost.text)))[1][:3] == ["CUP", "'=HYPERLINK(1)", "0"]


async def test_bad_dates_and_unknown_locations_are_refused(console: httpx.AsyncClient) -> None:
    """A sentence and 400 for a date that is not one or a period backwards; 404 a location."""
    await sign_in(console, "vera", "viewer")
    for path in (
        "/valuation?at=2026-02-30",
        "/valuation?from=2026-12-01&to=2026-11-01",
        "/valuation.csv?at=never",
        "/cost-of-goods.csv?from=x&to=2026-11-01",
    ):
        answer = await console.get(path)
        assert answer.status_code == 400, (path, answer.text)
    missing = await console.get("/valuation?location=west")
    assert missing.status_code == 404
    assert "There is no location west" in missing.text
