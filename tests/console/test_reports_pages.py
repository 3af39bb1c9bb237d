"""The Reports pages over HTTP through the whole app, on SQLite and PostgreSQL: the index in
the navigation, each report's table, chart and CSV, and refused queries."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import httpx
import pytest

from syncbot import ledger
from syncbot.store import health, posting
from syncbot.store.catalogue import add_sku
from syncbot.store.posting import Provenance

from .conftest import sign_in

MIDNIGHT = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
PAGES = ("velocity", "abc", "aging", "cover", "sync-health")


def ago(days: int) -> datetime:
    return MIDNIGHT - timedelta(days=days) + timedelta(hours=3)


async def history() -> None:
    """BOWL at 2.50: 10 received 20 days ago, 4 sold through shop 3 days ago.
    HAT, named "<b>hat</b>", at 1.00: 3 received 100 days ago, never sold.
    shop's sync failed whole yesterday."""
    await add_sku("BOWL", "Bowl")
    await add_sku("HAT", "<b>hat</b>")

    async def post(entry: ledger.Entry, when: datetime, document: str = "") -> None:
        await posting.post([entry], provenance=Provenance("test", document, when))

    await post(ledger.receive("BOWL", 10, unit_cost=Decimal("2.50")), ago(20))
    await post(ledger.receive("HAT", 3, unit_cost=Decimal(1)), ago(100))
    await post(ledger.order_commit("BOWL", 4), ago(3), "shop/orders/1")
    await health.record_sync("shop", "timed out", ago(1))


def table_of(html: str) -> list[list[str]]:
    """The body rows of the report's table, as text."""
    body = html[html.index('<table class="table" id="report">') :]
    body = body[body.index("<tbody>") : body.index("</tbody>")]
    rows = re.findall(r"<tr>(.*?)</tr>", body, re.S)
    return [
        [
            re.sub(r"<[^>]+>", "", cell).strip()
            for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
        ]
        for row in rows
    ]


async def test_an_unsigned_visitor_is_sent_to_sign_in(console: httpx.AsyncClient) -> None:
    for path in ("/reports", *(f"/reports/{page}" for page in PAGES)):
        for suffix in ("", ".csv") if path != "/reports" else ("",):
            answer = await console.get(path + suffix)
            assert answer.status_code == 303, path
            assert answer.headers["location"].startswith("/sign-in")


async def test_the_index_is_in_the_navigation_and_links_every_report(
    console: httpx.AsyncClient,
) -> None:
    await sign_in(console, "vera", "viewer")
    page = await console.get("/reports")
    assert page.status_code == 200
    assert 'href="/reports" aria-current="page"' in page.text
    for report in (*PAGES, "valuation"):
        href = f'href="/reports/{report}"' if report != "valuation" else 'href="/valuation"'
        assert href in page.text
    assert "/api/shrinkage" in page.text


async def test_velocity_table_chart_and_csv(console: httpx.AsyncClient) -> None:
    await history()
    await sign_in(console, "vera", "viewer")
    page = await console.get("/reports/velocity?days=10")
    assert page.status_code == 200, page.text
    assert table_of(page.text) == [["BOWL", "Bowl", "shop", "4", "0.40"]]
    assert '<svg class="chart" id="velocity-top"' in page.text
    assert "0.40 = 4 ÷ 10 days" in page.text
    assert 'href="/reports/velocity.csv?days=10"' in page.text
    answer = await console.get("/reports/velocity.csv?days=10")
    assert answer.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(answer.text)))
    assert [(row["code"], row["units"]) for row in rows] == [("BOWL", "4")]


async def test_abc_states_the_thresholds(console: httpx.AsyncClient) -> None:
    await history()
    await sign_in(console, "vera", "viewer")
    page = await console.get("/reports/abc")
    assert "A: the first 80% of the total, B: up to 95%, C: the rest" in page.text
    assert table_of(page.text)[0][:3] == ["BOWL", "Bowl", "4"]
    assert '<span class="badge state-ok">A</span>' in page.text


async def test_aging_marks_dead_stock_and_escapes_names(console: httpx.AsyncClient) -> None:
    await history()
    await sign_in(console, "vera", "viewer")
    page = await console.get("/reports/aging")
    rows = table_of(page.text)
    assert [(row[0], row[5], row[7], row[8]) for row in rows] == [
        ("BOWL", "20", "3", ""),
        ("HAT", "100", "—", "dead"),
    ]
    assert "&lt;b&gt;hat&lt;/b&gt;" in page.text
    assert "<b>hat</b>" not in page.text
    dead = await console.get("/reports/aging?dead_days=2&dead=1")
    assert [row[0] for row in table_of(dead.text)] == ["BOWL", "HAT"]
    answer = await console.get("/reports/aging.csv?dead=1")
    assert [row["code"] for row in csv.DictReader(io.StringIO(answer.text))] == ["HAT"]


async def test_cover_and_sync_health(console: httpx.AsyncClient) -> None:
    await history()
    await sign_in(console, "vera", "viewer")
    cover = await console.get("/reports/cover")
    assert cover.status_code == 200, cover.text
    assert sorted(row[0] for row in table_of(cover.text)) == ["BOWL", "HAT"]
    assert '<svg class="chart" id="cover-bands"' in cover.text
    sync = await console.get("/reports/sync-health?days=7")
    yesterday = (MIDNIGHT - timedelta(days=1)).date().isoformat()
    assert table_of(sync.text) == [[yesterday, "shop", "0", "0", "0", "0", "0", "1"]]
    assert f"{yesterday} 1" in sync.text  # the failed syncs chart's figures, spelled out


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/reports/velocity?days=0", 400),
        ("/reports/abc?days=abc", 400),
        ("/reports/sync-health.csv?days=99999", 400),
        ("/reports/aging?dead_days=-1", 400),
        ("/reports/cover?location=nowhere", 404),
        ("/reports/cover.csv?location=nowhere", 404),
    ],
)
async def test_a_bad_query_is_refused_with_a_sentence(
    console: httpx.AsyncClient, path: str, status: int
) -> None:
    await sign_in(console, "vera", "viewer")
    answer = await console.get(path)
    assert answer.status_code == status, answer.text
    assert "must be a whole number" in answer.text or "no location nowhere" in answer.text
