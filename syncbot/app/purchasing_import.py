"""Purchase order lines from a CSV file: every row checked first, then all written or none.

The columns (a header row names them, in any order; docs/purchasing.md):
    po          the order's number: a new order, or an existing draft      required
    supplier    the supplier's name: required for a new order
    location    where it is delivered (default `main`)
    expected    the expected date, YYYY-MM-DD
    sku         the SKU ordered                                              required
    quantity    units ordered, a positive whole number                       required
    unit_cost   cost per unit, e.g. 4.50 (default: the supplier's last cost)
Orders are imported as drafts; `po order` places them.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal

from syncbot.app.actor import Actor
from syncbot.app.barcodes import sku_named
from syncbot.app.purchasing import purchase_order
from syncbot.app.purchasing_views import OrderView
from syncbot.ledger import DEFAULT_LOCATION, LedgerError
from syncbot.ledger.costing import parse_cost
from syncbot.ledger.movements import check_quantity
from syncbot.ledger.purchasing import (
    PurchaseStatus,
    PurchasingInputError,
    UnknownPurchaseOrder,
    check_number,
    parse_date,
)
from syncbot.store import lookups, purchasing_reads, suppliers
from syncbot.store.purchase_imports import DraftLine, DraftOrder, write_drafts

COLUMNS = ("po", "supplier", "location", "expected", "sku", "quantity", "unit_cost")
REQUIRED = ("po", "sku", "quantity")
MAX_ROWS = 10_000
SHOWN_PROBLEMS = 10


class ImportRefused(PurchasingInputError):
    """Some rows are wrong: each problem names its CSV line; nothing was written."""

    def __init__(self, problems: list[str]) -> None:
        shown = "; ".join(problems[:SHOWN_PROBLEMS])
        more = len(problems) - SHOWN_PROBLEMS
        super().__init__(
            "nothing was imported: "
            + shown
            + (f"; and {more} more" if more > 0 else "")
            + ". Fix the file and import it again"
        )
        self.problems = problems


@dataclass
class _Order:
    """An order as the rows build it, and the line of the row that named it first."""

    first_line: int
    supplier: str
    location: str
    expected: str
    existing: bool = False
    supplier_id: int | None = None
    lines: dict[str, DraftLine] = field(default_factory=dict)
    on_order: frozenset[str] = frozenset()


async def import_orders(text: str, actor: Actor) -> list[OrderView]:
    """Checks every row, then writes every order's lines in one transaction; raises
    ImportRefused naming each bad row's line, and writes nothing then."""
    try:
        rows = list(_rows(text))
    except csv.Error as error:
        raise ImportRefused([f"the file is not CSV: {error}"]) from error
    problems: list[str] = []
    orders: dict[str, _Order] = {}
    for line_number, row in rows:
        try:
            await _take(row, line_number, orders)
        except LedgerError as error:
            problems.append(f"line {line_number}: {error}")
    if not rows and not problems:
        problems.append("the file has no rows under its header")
    if problems:
        raise ImportRefused(problems)
    drafts = [
        DraftOrder(
            number,
            None if order.existing else order.supplier,
            order.location or DEFAULT_LOCATION,
            parse_date(order.expected) if order.expected else None,
            tuple(order.lines.values()),
        )
        for number, order in orders.items()
    ]
    await write_drafts(drafts, actor.encode())
    return [await purchase_order(number) for number in orders]


def _rows(text: str) -> Iterator[tuple[int, dict[str, str]]]:
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    header = [name.strip() for name in reader.fieldnames or []]
    unknown = sorted(set(header) - set(COLUMNS))
    missing = [name for name in REQUIRED if name not in header]
    if unknown or missing:
        raise ImportRefused(
            [
                f"line 1: the header needs {', '.join(REQUIRED)} and may have "
                f"{', '.join(COLUMNS)}; "
                + (
                    f"unknown: {', '.join(unknown)}"
                    if unknown
                    else f"missing: {', '.join(missing)}"
                )
            ]
        )
    reader.fieldnames = header
    for count, row in enumerate(reader):
        if count >= MAX_ROWS:
            raise ImportRefused([f"line {reader.line_num}: over {MAX_ROWS} rows: split the file"])
        yield reader.line_num, {k: (v or "").strip() for k, v in row.items() if k is not None}


async def _take(row: dict[str, str], line_number: int, orders: dict[str, _Order]) -> None:
    """Checks one row against the store and the rows before it, and adds its line."""
    number = check_number(row.get("po", ""))
    order = orders.get(number) or await _order(number, row, line_number)
    orders[number] = order
    for name in ("supplier", "location", "expected"):
        given = row.get(name, "")
        if given and given != getattr(order, name):
            raise PurchasingInputError(
                f"{name} {given!r} differs from {getattr(order, name)!r} of order {number} "
                f"(line {order.first_line})"
            )
    sku = row.get("sku", "")
    sku = await sku_named(sku) if sku else sku  # a barcode names its SKU
    if not sku or not await lookups.sku_exists(sku):
        raise PurchasingInputError(f"unknown SKU {sku!r}: add it with `syncbot sku add`")
    if sku in order.on_order:
        raise PurchasingInputError(f"{sku} is already on order {number}: use `po edit`")
    if sku in order.lines:
        raise PurchasingInputError(f"{sku} is on order {number} twice")
    quantity = _quantity(row.get("quantity", ""))
    order.lines[sku] = DraftLine(sku, quantity, await _cost(row, order, sku))


async def _order(number: str, row: dict[str, str], line_number: int) -> _Order:
    order = _Order(line_number, row.get("supplier", ""), row.get("location", ""), "")
    order.expected = row.get("expected", "")
    if order.expected:
        parse_date(order.expected)
    try:
        existing, lines = await purchasing_reads.order(number)
    except UnknownPurchaseOrder:
        if not order.supplier:
            raise PurchasingInputError(f"new order {number} needs a supplier") from None
        order.supplier_id = (await suppliers.supplier_named(order.supplier)).id
        order.location = order.location or DEFAULT_LOCATION
        if not await purchasing_reads.location_exists(order.location):
            raise PurchasingInputError(f"unknown location {order.location!r}") from None
        return order
    if existing.status != PurchaseStatus.DRAFT:
        raise PurchasingInputError(f"order {number} is {existing.status}: only a draft takes lines")
    order.existing = True
    order.supplier_id = existing.supplier_id
    order.supplier = order.supplier or existing.supplier.name
    order.location = order.location or existing.location_id
    order.expected = order.expected or (
        existing.expected_on.isoformat() if existing.expected_on else ""
    )
    order.on_order = frozenset(line.sku_id for line in lines)
    return order


def _quantity(text: str) -> int:
    try:
        quantity = int(text)
    except ValueError:
        raise PurchasingInputError(f"quantity {text!r} is not a whole number of units") from None
    return check_quantity(quantity)


async def _cost(row: dict[str, str], order: _Order, sku: str) -> Decimal:
    if text := row.get("unit_cost", ""):
        return parse_cost(text)
    known = None if order.supplier_id is None else await suppliers.item_cost(order.supplier_id, sku)
    if known is None:
        raise PurchasingInputError(f"no unit_cost for {sku}, and none known from the supplier")
    return known
