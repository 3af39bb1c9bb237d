"""The console's SKU pages: the catalogue list (search, sort, low stock, pages), its CSV
export, and each SKU's card.

    GET /skus?q=&sort=&low=1&page=    the list, 50 to a page (viewer)
    GET /skus.csv?same query          every SKU of that list, streamed as CSV (viewer)
    GET /skus/{code}?before=          one SKU's card, with what is incoming on open
                                      purchase orders, and a manager's recipe form (see
                                      `console.bundles`); codes may hold `/` (viewer)

Everything a list shows is in its query string, so it can be bookmarked. A query the
list cannot mean (an unknown sort, a page beyond the last possible, a NUL byte, an
over-long search) is refused with 400 and a sentence; nothing here writes.
"""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, StreamingResponse

from syncbot.app import bundles, purchasing, sku_pages
from syncbot.app.roles import Role
from syncbot.console import charts
from syncbot.console.bundle_form import BundleForm
from syncbot.console.pages import SECURITY_HEADERS, Console, ConsoleUser, PageError
from syncbot.ledger import UnknownSku
from syncbot.ledger.limits import MAX_BIGINT
from syncbot.sync.channels import SyncChannel

PAGE_SIZE = 50
MAX_PAGE = 100_000
MAX_QUERY = 200  # longer than any code (128), barcode (64) or useful name fragment
COLUMNS = (
    ("code", "Code", False),
    ("name", "Name", False),
    ("available", "Available", True),
    ("on_hand", "On hand", True),
    ("incoming", "Incoming", True),
    ("reorder_point", "Reorder point", True),
)


def clock() -> datetime:
    return datetime.now(UTC)


def _whole(text: str | None, what: str, high: int) -> int | None:
    if not text:
        return None
    if not (text.isascii() and text.isdigit() and len(text) <= 19) or not 1 <= int(text) <= high:
        raise PageError(400, f"{what} must be a whole number from 1 to {high}")
    return int(text)


def _query(q: str | None, sort: str | None, low: str | None) -> sku_pages.SkuQuery:
    text = (q or "").strip()
    if len(text) > MAX_QUERY:
        raise PageError(400, f"the search is {len(text)} characters long: use at most {MAX_QUERY}")
    if "\x00" in text or not text.isprintable():
        raise PageError(400, "the search holds a control character: type letters and digits")
    key = sku_pages.sort_key(sort)
    if key is None:
        names = ", ".join(sku_pages.SORTS)
        raise PageError(400, f"the list sorts by {names} (a leading - for descending)")
    if low not in (None, "", "1"):
        raise PageError(400, "low is 1 (only SKUs at or below their reorder point) or absent")
    return sku_pages.SkuQuery(text, key[0], key[1], low == "1")


def _params(query: sku_pages.SkuQuery, **more: object) -> dict[str, object]:
    sort = ("-" if query.descending else "") + query.sort
    given = {
        "q": query.text,
        "sort": None if sort == "code" else sort,
        "low": 1 if query.low else None,
        **more,
    }
    return {key: value for key, value in given.items() if value not in (None, "")}


def _url(path: str, query: sku_pages.SkuQuery, **more: object) -> str:
    kept = _params(query, **more)
    return path + (f"?{urlencode(kept)}" if kept else "")


def _headers(query: sku_pages.SkuQuery) -> list[dict[str, object]]:
    """Each column's header: its label, the link that sorts by it, and its aria-sort."""
    headers = []
    for key, label, numeric in COLUMNS:
        current = query.sort == key
        flip = sku_pages.SkuQuery(query.text, key, current and not query.descending, query.low)
        aria = ("descending" if query.descending else "ascending") if current else None
        headers.append(
            {
                "key": key,
                "label": label,
                "numeric": numeric,
                "url": _url("/skus", flip),
                "aria": aria,
            }
        )
    return headers


async def _csv(query: sku_pages.SkuQuery) -> AsyncIterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(sku_pages.csv_header())
    count = 0
    async for row in sku_pages.export(query):
        writer.writerow(
            (
                sku_pages.csv_cell(row.code),
                sku_pages.csv_cell(row.name),
                row.available,
                row.on_hand,
                row.incoming,
                "" if row.reorder_point is None else row.reorder_point,
                "yes" if row.low else "",
            )
        )
        count += 1
        if count % 500 == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def routes(console: Console) -> APIRouter:
    router = APIRouter(include_in_schema=False)
    viewer = console.user(Role.VIEWER)

    @router.get("/skus")
    async def sku_list(
        request: Request,
        q: str | None = None,
        sort: str | None = None,
        low: str | None = None,
        page: str | None = None,
        user: ConsoleUser = Depends(viewer),  # noqa: B008 (see pages.Console.user)
    ) -> HTMLResponse:
        query = _query(q, sort, low)
        number = _whole(page, "the page", MAX_PAGE) or 1
        found = await sku_pages.find(query, PAGE_SIZE, number)
        return console.render(
            request,
            "skus.html",
            user,
            page="skus",
            query=query,
            rows=found.rows,
            has_next=found.has_next,
            page_number=number,
            columns=_headers(query),
            csv_url=_url("/skus.csv", query),
            url_for_page=lambda n: _url("/skus", query, page=n if n > 1 else None),
            low_url=_url(
                "/skus", sku_pages.SkuQuery(query.text, query.sort, query.descending, not query.low)
            ),
        )

    @router.get("/skus.csv")
    async def sku_csv(
        q: str | None = None,
        sort: str | None = None,
        low: str | None = None,
        user: ConsoleUser = Depends(viewer),  # noqa: B008 (see pages.Console.user)
    ) -> StreamingResponse:
        query = _query(q, sort, low)
        return StreamingResponse(
            _csv(query),
            media_type="text/csv; charset=utf-8",
            headers={
                **SECURITY_HEADERS,
                "Content-Disposition": 'attachment; filename="skus.csv"',
            },
        )

    @router.get("/skus/{code:path}")
    async def sku_card(
        request: Request,
        code: str,
        before: str | None = None,
        user: ConsoleUser = Depends(viewer),  # noqa: B008 (see pages.Console.user)
    ) -> HTMLResponse:
        return await card_page(console, request, user, code, before=before)

    return router


async def card_page(
    console: Console,
    request: Request,
    user: ConsoleUser,
    code: str,
    *,
    before: str | None = None,
    status: int = 200,
    bundle_form: BundleForm | None = None,
) -> HTMLResponse:
    """One SKU's card; `bundle_form` is a refused recipe form, shown with what was typed
    and its errors (`console.bundles` answers its refusals with this page)."""
    older_than = _whole(before, "before", MAX_BIGINT)
    if len(code) > 128 or not code.isprintable():
        raise PageError(
            404, "There is no such SKU: a SKU code is at most 128 printable characters."
        )
    syncs = console.channel_syncs
    channels: dict[str, SyncChannel] = syncs.channels if syncs is not None else {}
    try:
        card = await sku_pages.card(code, channels, clock(), page_size=PAGE_SIZE, before=older_than)
    except UnknownSku as unknown:
        raise PageError(404, f"There is no SKU {code} in the catalogue.") from unknown
    days = card.days
    recipe = await bundles.recipe_of(card.stock.sku)
    return console.render(
        request,
        "sku.html",
        user,
        page="skus",
        status=status,
        card=card,
        incoming=await purchasing.incoming_by_order(card.stock.sku),
        bundle=await bundles.stock_of(card.stock.sku) if recipe is not None else None,
        recipe=recipe,
        bundle_form=bundle_form or BundleForm.of(recipe),
        available_chart=charts.line_chart(
            "chart-available",
            f"{code}: available at the end of each day",
            [d.available for d in days],
        ),
        sold_chart=charts.bar_chart(
            "chart-sold", f"{code}: units sold per day", [d.sold for d in days]
        ),
        chart_summary=charts.summary(days),
        older_url=None if card.older is None else f"?{urlencode({'before': card.older})}",
    )
