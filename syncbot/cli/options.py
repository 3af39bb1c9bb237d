"""The arguments and options several commands share, and how refused input exits."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from typing import Annotated

import typer

from syncbot.cli.common import fail
from syncbot.ledger import ValidationError
from syncbot.ledger.costing import parse_cost
from syncbot.ledger.limits import MAX_BIGINT, MAX_SKU_LENGTH, text_problem


@contextmanager
def refused_input() -> Iterator[None]:
    """Malformed input exits 2 with the ledger's one-line reason, before the database opens."""
    try:
        yield
    except ValidationError as error:
        raise fail(str(error)) from error


def _fits_the_store(sku: str) -> str:
    """A SKU longer than the store holds is a usage error that quotes 80 characters of it."""
    if (problem := text_problem(sku, "SKU", MAX_SKU_LENGTH)) is not None:
        raise typer.BadParameter(problem)
    return sku


SkuCode = Annotated[
    str,
    typer.Argument(
        metavar="SKU", help="The SKU code.", show_default=False, callback=_fits_the_store
    ),
]
SkuOrBarcode = Annotated[
    str,
    typer.Argument(
        metavar="SKU",
        help="The SKU code, or one of its barcodes.",
        show_default=False,
        callback=_fits_the_store,
    ),
]
Location = Annotated[str, typer.Option(help="Location the stock is at.")]
Reason = Annotated[str, typer.Option(help="Why: kept on the movement and shown in history.")]
Force = Annotated[
    bool, typer.Option("--force", help="Record it even if it takes a real bucket below zero.")
]
Key = Annotated[
    str | None,
    typer.Option(
        "--key",
        help="Idempotency key: posting the same key again records nothing.",
        show_default=False,
    ),
]


def _cost(text: str | None) -> Decimal | None:
    """A unit cost like 4.50, refused as a usage error before the database opens."""
    if text is None:
        return None
    try:
        return parse_cost(text)
    except ValidationError as error:
        raise typer.BadParameter(str(error)) from error


UnitCost = Annotated[
    Decimal | None,
    typer.Option(
        "--cost",
        parser=_cost,
        metavar="COST",
        help="Unit cost, e.g. 4.50 (in SYNCBOT_CURRENCY): sets the moving average cost. "
        "Without it the units come in at the current average.",
        show_default=False,
    ),
]
ReorderPoint = Annotated[
    int | None,
    typer.Option(
        max=MAX_BIGINT,
        help="Alert when available over all locations falls to this.",
        show_default=False,
    ),
]
