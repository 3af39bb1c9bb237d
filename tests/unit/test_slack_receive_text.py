"""Reading /receive's words (pure): a unit cost, an order's form or line, and which words
are meant for an order."""

from __future__ import annotations

from decimal import Decimal

import pytest

from syncbot.slackbot.text import (
    Adjustment,
    OrderReceipt,
    UsageError,
    looks_like_order,
    read_adjustment,
    read_order_receipt,
)

LOCATIONS = ("main", "east")


def test_a_plain_receipt_takes_a_cost_marked_with_an_at_sign_anywhere_after_its_quantity() -> None:
    """`@4.50` is the unit cost wherever it stands; the location and note are read around it."""
    assert read_adjustment("/receive", "MUG-01 24 east @4.50 pallet 3", LOCATIONS) == Adjustment(
        "MUG-01", 24, "east", "pallet 3", Decimal("4.50")
    )
    assert read_adjustment("/receive", "MUG-01 24 @0.0042", LOCATIONS).unit_cost == Decimal(
        "0.0042"
    )


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("MUG-01 2 @abc", "A cost is a decimal number like 4.50"),
        ("MUG-01 2 @-1", "cannot be negative"),
        ("MUG-01 2 @1 @2", "Give one unit cost"),
        ("MUG-01 2 @1.0000001", "at most 6 decimal places"),
    ],
)
def test_a_bad_cost_is_refused_with_usage(text: str, problem: str) -> None:
    with pytest.raises(UsageError) as refused:
        read_adjustment("/receive", text, LOCATIONS)
    assert problem in str(refused.value)
    assert "Usage: `/receive SKU QTY" in str(refused.value)


def test_only_a_receipt_reads_a_cost() -> None:
    """For /damage an `@…` word is part of the reason."""
    assert read_adjustment("/damage", "MUG-01 2 @home", LOCATIONS).reason == "@home"


def test_an_order_alone_is_its_form_and_with_a_line_is_that_line() -> None:
    assert read_order_receipt("PO-12", []) == OrderReceipt("PO-12")
    assert read_order_receipt("PO-12", ["MUG-01", "5", "@4.5"]) == OrderReceipt(
        "PO-12", "MUG-01", 5, Decimal("4.5")
    )
    with pytest.raises(UsageError, match="After the order number give a SKU and a quantity"):
        read_order_receipt("PO-12", ["MUG-01"])
    with pytest.raises(UsageError, match="not a quantity"):
        read_order_receipt("PO-12", ["MUG-01", "0x5"])


@pytest.mark.parametrize(
    ("text", "meant"),
    [
        ("PO-99", True),
        ("PO-99 MUG-01 3", True),
        ("MUG-01 3", False),
        ("MUG-01 3 east", False),
        ("MUG-01 3 east 4", False),
        ("MUG-01 three", False),
    ],
)
def test_words_shaped_like_an_order_receipt_are_told_apart_from_a_plain_one(
    text: str, meant: bool
) -> None:
    """A plain receipt's second word is its quantity; an order's line has it third."""
    assert looks_like_order(text.split()) is meant
