"""Slash commands, the damage modal and Undo, through the running service."""

from __future__ import annotations

import json
import logging
import time
from typing import Any

import pytest

from syncbot.slackbot.testing import TEAM
from syncbot.testing import wait_until

from .conftest import ADMIN, FLOOR, MANAGER, PICKER, READER, WRITER, SlackService


def _text_of(message: dict[str, Any]) -> str:
    return json.dumps(message.get("blocks", []), ensure_ascii=False) + message.get("text", "")


def _receive(service: SlackService, units: int, sku: str = "MUG-01") -> None:
    # Counted before the command: its answer can reach the response_url before the reply
    # to the command itself, and counting after would then wait for one answer too many.
    answered = len(service.hooks)
    assert service.command("/receive", f"{sku} {units}").status_code == 200
    service.wait_hook(answered + 1)


def test_stock_for_an_exact_sku_answers_at_once(slack_service: SlackService) -> None:
    _receive(slack_service, 12)
    answer = slack_service.command("/stock", "MUG-01", user=READER)
    assert answer.status_code == 200
    message = answer.json()
    assert message["response_type"] == "ephemeral"
    text = _text_of(message)
    assert "MUG-01" in text
    assert "Blue mug" in text
    assert "on hand *12*" in text
    assert "available *12*" in text
    assert "Sold: 0 in 7 days" in text
    public = slack_service.command("/stock", "MUG-01 public", user=READER).json()
    assert public["response_type"] == "in_channel"


def test_stock_by_words_offers_matches_to_pick(slack_service: SlackService) -> None:
    message = slack_service.command("/stock", "mug", user=READER).json()
    text = _text_of(message)
    assert "2 matches" in text
    assert "MUG-01" in text
    assert "MUG-02" in text
    assert "TEE-BLK-M" not in text
    picked = slack_service.interact(
        {
            "type": "block_actions",
            "team": {"id": TEAM},
            "user": {"id": READER},
            "response_url": "https://hooks.slack.com/actions/T0SYNCBOT/2/def",
            "trigger_id": "t.1",
            "actions": [{"action_id": "stock_pick", "value": "MUG-02", "type": "button"}],
        }
    )
    assert picked.status_code == 200
    card = slack_service.wait_hook()
    assert card["replace_original"] is True
    assert "Red mug" in _text_of(card)


def test_an_unknown_sku_gets_close_matches(slack_service: SlackService) -> None:
    message = slack_service.command("/stock", "MUG-1", user=READER).json()
    text = _text_of(message)
    assert "There is no SKU `MUG-1`" in text
    assert "MUG-01" in text


def test_damage_with_arguments_is_recorded_as_the_slack_user(
    slack_service: SlackService,
) -> None:
    _receive(slack_service, 10)
    answer = slack_service.command("/damage", "MUG-01 2 main broken in aisle 3")
    assert answer.status_code == 200
    confirmation = slack_service.wait_hook(2)
    text = _text_of(confirmation)
    assert f"<@{WRITER}> recorded damage of 2 × MUG-01 (broken in aisle 3)" in text
    assert "available *8*" in text
    assert "damaged 2" in text
    assert '"action_id": "undo"' in text
    damage = slack_service.movements("MUG-01")[0]
    assert damage["kind"] == "damage"
    assert damage["actor"] == f"slack:{TEAM}:{WRITER}"
    assert damage["reason"] == "broken in aisle 3"


def test_a_member_of_a_writer_group_may_write(slack_service: SlackService) -> None:
    slack_service.command("/receive", "MUG-02 3 east", user=PICKER)
    text = _text_of(slack_service.wait_hook())
    assert "received 3 × MUG-02" in text
    assert slack_service.stock("MUG-02")["locations"]["east"]["available"] == 3


def test_someone_not_listed_is_refused_and_nothing_is_written(
    slack_service: SlackService, caplog: pytest.LogCaptureFixture
) -> None:
    _receive(slack_service, 10)
    before = slack_service.movements("MUG-01")
    with caplog.at_level(logging.WARNING):
        answer = slack_service.command("/damage", "MUG-01 2", user=READER)
    refusal = answer.json()["text"]
    assert "Recording damage needs the clerk role in syncbot; here you are a viewer" in refusal
    assert f"add your Slack user id {READER}" in refusal
    assert "`[slack] writers` (clerk) or `[slack] managers` (manager)" in refusal
    # The refused command's lazy part still runs (and must write nothing): an absence has no
    # condition to wait on, so the test gives it a moment. This wait is what is under test.
    time.sleep(0.3)
    assert slack_service.movements("MUG-01") == before
    assert any(getattr(r, "user", None) == READER for r in caplog.records)
    metrics = slack_service.client.get("/metrics").text
    assert 'syncbot_slack_writes_total{command="/damage",outcome="refused"}' in metrics


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("MUG-01", "Give a SKU and a quantity"),
        ("MUG-01 two", "'two' is not a quantity"),
        ("MUG-01 0", "at least 1"),
        ("MUG-01 -3", "'-3' is not a quantity"),
        ("MUG-01 5000000", "more than one adjustment takes"),
    ],
)
def test_bad_input_says_how_to_write_it(
    slack_service: SlackService, text: str, problem: str
) -> None:
    message = slack_service.command("/damage", text).json()
    assert problem in message["text"]
    assert "Usage: `/damage SKU QTY" in message["text"]
    assert slack_service.movements("MUG-01") == []


def test_damage_of_an_unknown_sku_names_close_ones(slack_service: SlackService) -> None:
    slack_service.command("/damage", "MUG-1 2")
    text = _text_of(slack_service.wait_hook())
    assert "There is no SKU `MUG-1`" in text
    assert "MUG-01" in text


def test_damage_beyond_what_is_available_is_refused_plainly(slack_service: SlackService) -> None:
    _receive(slack_service, 1)
    slack_service.command("/damage", "MUG-01 3")
    text = _text_of(slack_service.wait_hook(2))
    assert "available" in text
    assert "Traceback" not in text
    assert [m["kind"] for m in slack_service.movements("MUG-01")] == ["receive"]


def _modal_submission(sku: str, quantity: str, reason: str | None, user: str = WRITER) -> Any:
    values: dict[str, Any] = {
        "sku": {"value": {"type": "plain_text_input", "value": sku}},
        "quantity": {"value": {"type": "number_input", "value": quantity}},
        "location": {"value": {"type": "static_select", "selected_option": {"value": "main"}}},
        "reason": {
            "value": {
                "type": "static_select",
                "selected_option": {"value": reason} if reason else None,
            }
        },
        "note": {"value": {"type": "plain_text_input", "value": "dropped by forklift"}},
    }
    return {
        "type": "view_submission",
        "team": {"id": TEAM},
        "user": {"id": user},
        "trigger_id": "t.2",
        "view": {
            "id": "V0MODAL",
            "type": "modal",
            "callback_id": "damage_modal",
            "private_metadata": FLOOR,
            "state": {"values": values},
        },
    }


def test_damage_through_the_modal(slack_service: SlackService) -> None:
    _receive(slack_service, 10)
    opened = slack_service.command("/damage", "")
    assert opened.status_code == 200
    (view,) = slack_service.slack.wait_for("views.open")
    assert view["view"]["callback_id"] == "damage_modal"
    assert view["trigger_id"].startswith("trigger.")
    refused = slack_service.interact(_modal_submission("MUG-1", "0", None))
    errors = refused.json()["errors"]
    assert set(errors) == {"sku", "quantity", "reason"}
    assert "MUG-01" in errors["sku"]
    accepted = slack_service.interact(_modal_submission("MUG-01", "3", "broken"))
    assert accepted.status_code == 200
    (posted,) = slack_service.slack.wait_for("chat.postMessage")
    assert posted["channel"] == FLOOR
    assert "recorded damage of 3 × MUG-01 (broken: dropped by forklift)" in _text_of(posted)
    damage = slack_service.movements("MUG-01")[0]
    assert damage["kind"] == "damage"
    assert damage["actor"] == f"slack:{TEAM}:{WRITER}"


def _undo(service: SlackService, movement_id: int, user: str) -> None:
    answer = service.interact(
        {
            "type": "block_actions",
            "team": {"id": TEAM},
            "user": {"id": user},
            "response_url": "https://hooks.slack.com/actions/T0SYNCBOT/3/ghi",
            "trigger_id": "t.3",
            "actions": [{"action_id": "undo", "value": str(movement_id), "type": "button"}],
        }
    )
    assert answer.status_code == 200


def test_undo_reverses_once_and_only_for_its_author_or_a_manager(
    slack_service: SlackService,
) -> None:
    _receive(slack_service, 10)
    slack_service.command("/damage", "MUG-01 4 broken")
    slack_service.wait_hook(2)
    damage_id = slack_service.movements("MUG-01")[0]["id"]
    _undo(slack_service, damage_id, PICKER)  # a writer, but not the author
    refusal = _text_of(slack_service.wait_hook(3))
    assert "Undoing someone else's movement needs the manager role" in refusal
    assert "here you are a clerk" in refusal
    assert "`[slack] managers` (manager)" in refusal
    assert "writers" not in refusal
    assert len(slack_service.movements("MUG-01")) == 2
    _undo(slack_service, damage_id, WRITER)
    undone = slack_service.wait_hook(4)
    assert undone["replace_original"] is True
    assert f"Undone by <@{WRITER}>" in _text_of(undone)
    assert "available *10*" in _text_of(undone)
    reversal = slack_service.movements("MUG-01")[0]
    assert reversal["reverses"] == damage_id
    assert reversal["actor"] == f"slack:{TEAM}:{WRITER}"
    _undo(slack_service, damage_id, ADMIN)
    assert "already undone" in _text_of(slack_service.wait_hook(5))
    assert len(slack_service.movements("MUG-01")) == 3


def test_count_shows_the_difference_it_posted(slack_service: SlackService) -> None:
    _receive(slack_service, 10)
    slack_service.command("/count", "MUG-01 7 main")
    text = _text_of(slack_service.wait_hook(2))
    assert "counted 7 × MUG-01: posted a difference of -3" in text
    assert slack_service.stock("MUG-01")["total"]["on_hand"] == 7
    slack_service.command("/count", "MUG-01 7")
    assert "it matches, nothing posted" in _text_of(slack_service.wait_hook(3))


def test_a_response_url_off_slack_is_never_called(slack_service: SlackService) -> None:
    slack_service.command("/receive", "MUG-01 5", response_url="https://evil.example.com/x")
    wait_until(lambda: slack_service.movements("MUG-01"), what="the receipt was recorded")
    # The answer would be posted right after the recording: give it that moment to (not)
    # happen. This wait is the thing under test, an absence, so it cannot be a condition.
    time.sleep(0.2)
    assert slack_service.hooks == []  # and respx refuses any host it was not told about


@pytest.mark.parametrize("manager", [MANAGER, ADMIN])
def test_a_manager_undoes_anyones_movement_and_records_too(
    slack_service: SlackService, manager: str
) -> None:
    """`[slack] managers` (and `admins`, its older name) write like clerks and may undo
    someone else's movement; the reversal names the manager."""
    slack_service.command("/receive", "MUG-02 5", user=manager)
    assert "received 5 × MUG-02" in _text_of(slack_service.wait_hook())
    slack_service.command("/damage", "MUG-02 2 broken")  # by WRITER
    slack_service.wait_hook(2)
    damage_id = slack_service.movements("MUG-02")[0]["id"]

    _undo(slack_service, damage_id, manager)

    assert f"Undone by <@{manager}>" in _text_of(slack_service.wait_hook(3))
    reversal = slack_service.movements("MUG-02")[0]
    assert reversal["reverses"] == damage_id
    assert reversal["actor"] == f"slack:{TEAM}:{manager}"


def test_the_damage_form_tells_a_viewer_the_role_it_needs(slack_service: SlackService) -> None:
    """A form submitted by someone not listed stays open with the refusal beside the SKU,
    and nothing is written."""
    _receive(slack_service, 10)
    refused = slack_service.interact(_modal_submission("MUG-01", "3", "broken", user=READER))
    errors = refused.json()["errors"]
    assert "Recording damage needs the clerk role" in errors["sku"]
    assert [m["kind"] for m in slack_service.movements("MUG-01")] == ["receive"]
