"""Reading what people type after a slash command (pure)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from syncbot.slackbot.alerts import describe
from syncbot.slackbot.replies import is_slack_hook
from syncbot.slackbot.text import (
    MAX_UNITS,
    Adjustment,
    UsageError,
    read_adjustment,
    read_stock,
)

LOCATIONS = ("main", "east")


def test_an_adjustment_reads_sku_quantity_location_and_reason() -> None:
    assert read_adjustment("/damage", "MUG-01 2 east broken handle", LOCATIONS) == Adjustment(
        "MUG-01", 2, "east", "broken handle"
    )
    assert read_adjustment("/damage", "MUG-01 2 broken", LOCATIONS) == Adjustment(
        "MUG-01", 2, "main", "broken"
    )
    assert read_adjustment("/receive", "MUG-01 24", LOCATIONS) == Adjustment("MUG-01", 24)


def test_a_count_may_be_zero_but_names_only_a_location() -> None:
    assert read_adjustment("/count", "MUG-01 0 east", LOCATIONS).quantity == 0
    with pytest.raises(UsageError, match="'shelf3' is not a location"):
        read_adjustment("/count", "MUG-01 4 shelf3", LOCATIONS)


@given(st.text(max_size=12))
def test_anything_but_a_positive_whole_number_is_refused_with_usage(units: str) -> None:
    text = f"MUG-01 {units}"
    words = text.split()
    ascii_digits = len(words) >= 2 and words[1].isascii() and words[1].isdigit()
    if ascii_digits and 1 <= int(words[1]) <= MAX_UNITS:
        assert 1 <= read_adjustment("/damage", text, LOCATIONS).quantity <= MAX_UNITS
    else:
        with pytest.raises(UsageError, match="Usage: `/damage SKU QTY"):
            read_adjustment("/damage", text, LOCATIONS)


def test_stock_reads_words_and_public() -> None:
    query = read_stock("blue mug public")
    assert query.words == ("blue", "mug")
    assert query.public
    with pytest.raises(UsageError):
        read_stock("   ")


@pytest.mark.parametrize(
    ("url", "allowed"),
    [
        ("https://hooks.slack.com/commands/T1/2/x", True),
        ("http://hooks.slack.com/commands/T1/2/x", False),
        ("https://hooks.slack.com.evil.example/x", False),
        ("https://evil.example/hooks.slack.com/x", False),
        ("https://hooks.slack.com:8443/x", False),
        ("https://user@hooks.slack.com.evil/x", False),
    ],
)
def test_only_slack_hooks_are_called(url: str, allowed: bool) -> None:
    assert is_slack_hook(url) is allowed


def test_drift_below_the_threshold_raises_no_alert() -> None:
    payload = {"channel": "shop", "sku": "MUG-01", "units": 2}
    assert describe("drift_recorded", payload, drift_units=3) is None
    alert = describe("drift_recorded", payload, drift_units=2)
    assert alert is not None
    assert alert.subject == "shop/MUG-01"
    assert describe("stock_changed", {"sku": "MUG-01"}, drift_units=1) is None


class TestLongAndUnstorableInput:
    """What the store cannot hold is refused plainly, quoting at most 80 characters."""

    def test_a_sku_over_128_characters_names_the_limit(self) -> None:
        with pytest.raises(UsageError, match="limit of 128") as refused:
            read_adjustment("/damage", f"{'S' * 100_000} 2", LOCATIONS)
        assert "S" * 81 not in str(refused.value)

    def test_a_nul_in_the_sku_or_the_reason_is_refused(self) -> None:
        with pytest.raises(UsageError, match="NUL"):
            read_adjustment("/damage", "MUG\x0001 2", LOCATIONS)
        with pytest.raises(UsageError, match="NUL"):
            read_adjustment("/damage", "MUG-01 2 broken\x00glass", LOCATIONS)

    def test_a_long_quantity_or_location_is_quoted_not_echoed(self) -> None:
        with pytest.raises(UsageError) as refused:
            read_adjustment("/count", f"MUG-01 {'9x' * 50_000}", LOCATIONS)
        assert len(str(refused.value)) < 300
        with pytest.raises(UsageError) as refused:
            read_adjustment("/count", f"MUG-01 4 {'shelf' * 20_000}", LOCATIONS)
        assert len(str(refused.value)) < 300

    def test_a_search_longer_than_a_name_is_refused(self) -> None:
        with pytest.raises(UsageError, match="limit of 255"):
            read_stock("mug " * 10_000)

    def test_a_reply_quotes_at_most_80_characters_of_a_search_or_sku(self) -> None:
        from syncbot.slackbot import blocks

        for message in (
            blocks.matches_message("word " * 50, []),
            blocks.unknown_sku_message("S" * 128, []),
        ):
            assert len(message["text"]) < 150, message["text"]
