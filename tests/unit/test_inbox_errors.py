"""What a person reads about a failed delivery: sentences, never an exception's repr."""

from __future__ import annotations

import pytest

from syncbot.intake.errors import describe
from syncbot.store.inbox_entries import readable


def test_an_unexpected_error_names_its_type_and_says_the_delivery_is_kept() -> None:
    error = TypeError("unhashable type: 'list'")
    assert describe(error) == (
        "TypeError: unhashable type: 'list' (processing bug; the delivery is kept)"
    )


def test_a_key_error_is_described_as_a_missing_field() -> None:
    assert describe(KeyError("restock_type")) == (
        "KeyError: no 'restock_type' where the processor expected one "
        "(processing bug; the delivery is kept)"
    )


def test_a_long_message_is_cut() -> None:
    assert len(describe(ValueError("x" * 5000))) < 400


@pytest.mark.parametrize(
    ("stored", "shown"),
    [
        ("'restock_type'", "the payload has no 'restock_type'"),
        ("KeyError('line_items')", "the payload has no 'line_items'"),
        (
            "AttributeError(\"'int' object has no attribute 'get'\")",
            "AttributeError: \"'int' object has no attribute 'get'\"",
        ),
        ("not a fake order: 'updated_at'", "not a fake order: the payload has no 'updated_at'"),
        ("unknown SKU 'MUG': add it first", "unknown SKU 'MUG': add it first"),
        ("the storefront's API did not answer", "the storefront's API did not answer"),
        (None, None),
    ],
)
def test_stored_errors_are_shown_as_sentences(stored: str | None, shown: str | None) -> None:
    assert readable(stored) == shown
