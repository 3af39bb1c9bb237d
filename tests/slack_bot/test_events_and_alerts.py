"""Signatures, App Home and alerts, through the running service."""

from __future__ import annotations

import json
import time
from urllib.parse import urlencode

from syncbot.testing import wait_until

from .conftest import ALERTS, API_TOKEN, READER, WRITER, SlackService, sign


def _damage(service: SlackService, text: str) -> None:
    count = len(service.hooks)
    assert service.command("/damage", text).status_code == 200
    service.wait_hook(count + 1)


def _receive(service: SlackService, text: str) -> None:
    count = len(service.hooks)
    assert service.command("/receive", text).status_code == 200
    service.wait_hook(count + 1)


def _cooling_count(service: SlackService) -> float:
    """How many low-stock alerts the cooldown has held back, from /metrics."""
    series = 'syncbot_alerts_total{kind="low_stock",outcome="cooling"} '
    for line in service.client.get("/metrics").text.splitlines():
        if line.startswith(series):
            return float(line.removeprefix(series))
    return 0.0


def _command_body(text: str) -> bytes:
    return urlencode(
        {
            "team_id": "T0SYNCBOT",
            "user_id": WRITER,
            "command": "/receive",
            "text": text,
            "response_url": "https://hooks.slack.com/commands/x",
            "trigger_id": "t.9",
        }
    ).encode()


def test_a_bad_signature_is_refused_and_nothing_written(slack_service: SlackService) -> None:
    body = _command_body("MUG-01 5")
    headers = sign(body)
    headers["X-Slack-Signature"] = "v0=" + "0" * 64
    answer = slack_service.client.post(
        "/slack/events",
        content=body,
        headers={"Content-Type": "application/x-www-form-urlencoded", **headers},
    )
    assert answer.status_code == 401
    unsigned = slack_service.client.post(
        "/slack/events",
        content=body,
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert unsigned.status_code == 401
    # Bolt answers 401 before any listener runs: nothing was started that could still write.
    assert slack_service.movements("MUG-01") == []
    assert slack_service.hooks == []


def test_a_stale_timestamp_is_refused_and_nothing_written(slack_service: SlackService) -> None:
    body = _command_body("MUG-01 5")
    six_minutes_ago = int(time.time()) - 6 * 60
    answer = slack_service.client.post(
        "/slack/events",
        content=body,
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            **sign(body, timestamp=six_minutes_ago),
        },
    )
    assert answer.status_code == 401
    assert slack_service.movements("MUG-01") == []  # refused before any listener ran


def test_app_home_shows_low_stock_adjustments_and_channels(slack_service: SlackService) -> None:
    _receive(slack_service, "MUG-01 6")
    _damage(slack_service, "MUG-01 3 broken")
    assert slack_service.event(
        {"type": "app_home_opened", "user": READER, "tab": "home"}
    ).is_success
    (published,) = slack_service.slack.wait_for("views.publish")
    assert published["user_id"] == READER
    text = json.dumps(published["view"], ensure_ascii=False)
    assert "*MUG-01* · Blue mug: available 3, reorder point 5" in text
    assert f"<@{WRITER}> damage 3 × *MUG-01* at main" in text
    assert f"<@{WRITER}> receive 6 × *MUG-01* at main" in text
    assert "No channels configured" in text


def test_low_stock_and_oversell_alerts_with_a_cooldown(slack_service: SlackService) -> None:
    slack = slack_service.slack
    _receive(slack_service, "MUG-01 8")
    slack.rate_limit_next("chat.postMessage", retry_after=1)
    _damage(slack_service, "MUG-01 4 broken")  # 8 → 4: crosses the reorder point of 5
    (low,) = slack.wait_for("chat.postMessage")
    assert low["channel"] == ALERTS
    assert "*Low stock* · *MUG-01*: 4 available, reorder point 5" in low["text"]
    assert slack.calls_to("chat.postMessage:429"), "the first attempt met a 429"
    _receive(slack_service, "MUG-01 4")
    held_back = _cooling_count(slack_service)  # counters live as long as the process
    _damage(slack_service, "MUG-01 5 broken")  # crosses again within the cooldown
    wait_until(
        lambda: _cooling_count(slack_service) > held_back,
        what="the second crossing was held back by the cooldown",
    )
    assert len(slack.calls_to("chat.postMessage")) == 1
    # A forced damage of more than is left (orders come only from intake): below zero.
    damage = {"kind": "damage", "sku": "MUG-01", "quantity": 20, "force": True}
    answer = slack_service.client.post(
        "/api/movements", json=damage, headers={"Authorization": f"Bearer {API_TOKEN}"}
    )
    assert answer.status_code == 201, answer.text
    texts = [call["text"] for call in slack.wait_for("chat.postMessage", count=2)]
    assert "*Oversold* · *MUG-01* at main is at -17 available" in texts[1]
