"""The record forms read what was typed into one ledger entry, or say beside each field
what is wrong with it, keeping what was typed."""

from __future__ import annotations

import contextlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from syncbot.console.record_forms import FORM, FORMS, Filled, entry, place, read
from syncbot.ledger import (
    Bucket,
    Count,
    IdempotencyConflict,
    InsufficientStock,
    InvalidMovement,
    UnknownLocation,
    UnknownSku,
)

LOCATIONS = ("east", "main")


def posted(**values: str) -> dict[str, str]:
    return {"sku": "MUG-1", "quantity": "3", "location": "main", "key": "k1"} | values


def test_a_damage_form_becomes_a_damage_at_its_location() -> None:
    filled = read(FORMS["damage"], posted(reason="dropped"), LOCATIONS)
    assert filled.errors == {}
    movement = entry(FORMS["damage"], filled)
    assert (movement.kind, movement.quantity, movement.reason) == ("damage", 3, "dropped")
    assert movement.source.location == "main"


def test_a_count_may_be_zero_and_says_it_is_a_cycle_count() -> None:
    filled = read(FORMS["count"], posted(quantity="0"), LOCATIONS)
    assert entry(FORMS["count"], filled) == Count("MUG-1", 0, "main", "cycle count")


def test_an_adjustment_takes_a_direction_and_needs_a_reason() -> None:
    """The quantity stays a plain number for a phone's keypad; the direction gives the sign."""
    typed = posted(quantity="2", bucket="damaged", direction="remove")
    assert read(FORMS["adjust"], typed, LOCATIONS).errors == {"reason": "adjust needs a reason"}
    filled = read(FORMS["adjust"], typed | {"reason": "typo"}, LOCATIONS)
    movement = entry(FORMS["adjust"], filled)
    assert (movement.source.bucket, movement.quantity) == (Bucket.DAMAGED, 2)


@pytest.mark.parametrize("quantity", ["", "1.5", "three", "1_000", "１", " 2 3", "-1", "+1"])
def test_a_quantity_that_is_not_a_whole_number_is_refused_and_kept(quantity: str) -> None:
    filled = read(FORMS["receive"], posted(quantity=quantity), LOCATIONS)
    assert filled.errors == {"quantity": "quantity must be a whole number"}
    assert filled.values["quantity"] == quantity.strip()


def test_an_adjustment_in_an_unknown_direction_or_bucket_is_refused() -> None:
    typed = posted(bucket="scrap", direction="up", reason="typo")
    filled = read(FORMS["adjust"], typed, LOCATIONS)
    assert set(filled.errors) == {"bucket", "direction"}


def test_a_transfer_to_the_same_location_is_refused_beside_its_destination() -> None:
    filled = read(FORMS["transfer"], posted(to_location="main"), LOCATIONS)
    assert filled.errors == {"to_location": "a transfer needs two different locations"}


def test_an_undeclared_location_and_an_empty_sku_are_refused_together() -> None:
    filled = read(FORMS["receive"], posted(sku="", location="attic"), LOCATIONS)
    assert set(filled.errors) == {"sku", "location"}
    assert "unknown location 'attic'" in filled.errors["location"]


def test_a_form_without_its_key_is_reset_with_a_new_one() -> None:
    filled = read(FORMS["receive"], posted(key=""), LOCATIONS)
    assert FORM in filled.errors
    assert filled.values["key"]


def test_a_blank_form_starts_at_main_and_transfers_elsewhere() -> None:
    values = Filled.blank(LOCATIONS, "MUG-1").values
    assert (values["sku"], values["location"], values["to_location"]) == ("MUG-1", "main", "east")


def test_a_blank_form_carries_a_fresh_key_each_time() -> None:
    assert Filled.blank(LOCATIONS).values["key"] != Filled.blank(LOCATIONS).values["key"]


class TestLedgerRefusalsGoBesideTheirField:
    def filled(self) -> Filled:
        return read(FORMS["transfer"], posted(to_location="east"), LOCATIONS)

    def test_an_unknown_sku(self) -> None:
        filled = self.filled()
        place(UnknownSku("MUG-1"), filled)
        assert filled.errors["sku"].startswith("unknown SKU 'MUG-1'")

    def test_an_unknown_destination(self) -> None:
        filled = self.filled()
        place(UnknownLocation("east"), filled)
        assert list(filled.errors) == ["to_location"]

    def test_too_little_stock_offers_to_record_it_anyway(self) -> None:
        filled = self.filled()
        place(InsufficientStock("MUG-1", "main", "available", 3, 1), filled)
        assert filled.errors["quantity"].startswith("main holds 1 available, not 3")
        assert filled.force_offered

    def test_a_reused_key_resets_the_key(self) -> None:
        filled = self.filled()
        place(IdempotencyConflict("k1"), filled)
        assert FORM in filled.errors
        assert filled.values["key"] != "k1"

    def test_an_invalid_movement_is_about_the_quantity(self) -> None:
        filled = self.filled()
        place(InvalidMovement("quantity must be positive, got 0"), filled)
        assert filled.errors == {"quantity": "quantity must be positive, got 0"}


FIELDS = ["sku", "quantity", "location", "to_location", "reason", "bucket", "direction"]


@given(st.dictionaries(st.sampled_from(FIELDS), st.text()))
def test_any_posted_text_is_read_or_refused_never_raises(values: dict[str, str]) -> None:
    """Whatever a browser sends, reading answers values and errors, and an entry only
    from a form without errors, or an InvalidMovement."""
    for form in FORMS.values():
        filled = read(form, posted(**values), LOCATIONS)
        if not filled.errors:
            with contextlib.suppress(InvalidMovement):
                entry(form, filled)
