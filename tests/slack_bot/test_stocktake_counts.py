"""`/count` during a stock-take, through the running service: into the open session that
covers the SKU at that location, saying which, and in a blind session without expected;
anywhere else the count is posted at once, as it always was."""

from __future__ import annotations

import json
from typing import Any

import pytest

from syncbot.slackbot.testing import TEAM
from syncbot.store import barcodes

from .conftest import WRITER, Seed, SlackService

MUG_BARCODE = "4006381333931"  # a valid EAN-13


@pytest.fixture
def slack_seed() -> Seed:
    """MUG-01 carries the barcode MUG_BARCODE."""

    async def seed() -> None:
        await barcodes.add("MUG-01", MUG_BARCODE)

    return seed


def _text_of(message: dict[str, Any]) -> str:
    return json.dumps(message.get("blocks", []), ensure_ascii=False) + message.get("text", "")


def _say(service: SlackService, command: str, text: str) -> str:
    """Runs a command and waits for its answer on the response_url."""
    answered = len(service.hooks)
    assert service.command(command, text).status_code == 200
    return _text_of(service.wait_hook(answered + 1))


def _start(service: SlackService, **body: Any) -> dict[str, Any]:
    answer = service.client.post("/api/stocktakes", json={"skus": ["MUG-01"], **body})
    assert answer.status_code == 201, answer.text
    started: dict[str, Any] = answer.json()
    return started


def _review(service: SlackService, session: int) -> dict[str, Any]:
    answer = service.client.get(f"/api/stocktakes/{session}")
    assert answer.status_code == 200, answer.text
    line: dict[str, Any] = answer.json()["lines"][0]
    return line


def _counts(service: SlackService, sku: str) -> list[dict[str, Any]]:
    return [m for m in service.movements(sku) if m["kind"] == "count"]


def test_a_count_goes_into_the_open_session_and_posts_nothing(
    slack_service: SlackService,
) -> None:
    """MUG-01 is in open session aisle-1 at main: /count sets the Slack user's count
    there, the reply names the session and the expected quantity, and no movement is
    posted until the session is."""
    _say(slack_service, "/receive", "MUG-01 10")
    session = _start(slack_service, name="aisle-1")["id"]

    text = _say(slack_service, "/count", "MUG-01 7 main")

    assert f"counted 7 × MUG-01 in stock-take {session} (aisle-1)" in text
    assert "expected 10" in text
    assert _counts(slack_service, "MUG-01") == []
    assert slack_service.stock("MUG-01")["total"]["on_hand"] == 10
    line = _review(slack_service, session)
    assert (line["counted"], line["variance"]) == (7, -3)
    assert [c["counter"] for c in line["counts"]] == [f"slack:{TEAM}:{WRITER}"]
    recount = _say(slack_service, "/count", "MUG-01 8")
    assert "Line total 8" in recount
    assert _review(slack_service, session)["counted"] == 8


def test_a_blind_session_reply_shows_no_expected_quantity(slack_service: SlackService) -> None:
    """The reply says the count went into the blind session and never the expected."""
    _say(slack_service, "/receive", "MUG-01 10")
    session = _start(slack_service, blind=True)["id"]

    text = _say(slack_service, "/count", "MUG-01 7")

    assert f"counted 7 × MUG-01 in stock-take {session}" in text
    assert "expected quantity is not shown" in text
    assert "10" not in text.replace("MUG-01", "")
    assert _review(slack_service, session)["counted"] == 7


def test_outside_an_open_session_the_count_is_posted_at_once(
    slack_service: SlackService,
) -> None:
    """Another location, a SKU the session does not cover, or a session since posted:
    today's immediate count, which posts the difference."""
    _say(slack_service, "/receive", "MUG-01 10")
    _say(slack_service, "/receive", "MUG-02 4")
    session = _start(slack_service)["id"]

    other_sku = _say(slack_service, "/count", "MUG-02 3")
    assert "posted a difference of -1" in other_sku
    other_place = _say(slack_service, "/count", "MUG-01 2 east")
    assert "posted a difference of +2" in other_place
    assert _review(slack_service, session)["counts"] == []

    posted = slack_service.client.post(f"/api/stocktakes/{session}/post")
    assert posted.status_code == 201, posted.text
    after = _say(slack_service, "/count", "MUG-01 9")
    assert "posted a difference of -1" in after
    assert slack_service.stock("MUG-01")["locations"]["main"]["on_hand"] == 9


def test_a_scanned_barcode_counts_its_sku_in_the_session(slack_service: SlackService) -> None:
    """/count with MUG-01's barcode goes into the session covering MUG-01."""
    _say(slack_service, "/receive", "MUG-01 10")
    session = _start(slack_service)["id"]

    text = _say(slack_service, "/count", f"{MUG_BARCODE} 6")

    assert f"counted 6 × MUG-01 in stock-take {session}" in text
    assert _review(slack_service, session)["counted"] == 6
