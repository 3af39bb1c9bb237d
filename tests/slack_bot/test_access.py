"""Slack users' roles: the lists they are in, the older `admins` name, and the refusal
that names the role needed and who can grant it. No server: a fake user-group reader."""

from __future__ import annotations

from pathlib import Path
from typing import Any, cast

import pytest
from pydantic import ValidationError
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from syncbot.app.roles import Role
from syncbot.channels_file import ChannelsFile, SlackConfig
from syncbot.config import Settings
from syncbot.slackbot.access import Access, refusal
from syncbot.slackbot.adjustments import needed_role
from syncbot.slackbot.app import slack_settings


class Groups:
    """Answers `usergroups.users.list` from a table; a group not in it is unreadable."""

    def __init__(self, members: dict[str, list[str]]) -> None:
        self.members = members

    async def usergroups_users_list(self, usergroup: str) -> dict[str, Any]:
        if usergroup not in self.members:
            raise SlackApiError("missing_scope", cast("Any", {"error": "missing_scope"}))
        return {"users": self.members[usergroup]}


def _client(members: dict[str, list[str]]) -> AsyncWebClient:
    return cast("AsyncWebClient", Groups(members))


async def test_the_highest_list_a_user_is_in_is_their_role() -> None:
    """Managers outrank writers, directly or through a group; anyone else is a viewer."""
    access = Access.of(writers=["U1", "S1"], managers=["U2", "S2"])
    client = _client({"S1": ["U3", "U4"], "S2": ["U4"]})

    assert await access.role_of(client, "U1") is Role.CLERK
    assert await access.role_of(client, "U2") is Role.MANAGER
    assert await access.role_of(client, "U3") is Role.CLERK
    assert await access.role_of(client, "U4") is Role.MANAGER
    assert await access.role_of(client, "U9") is Role.VIEWER


async def test_an_unreadable_group_grants_nothing() -> None:
    """A group whose members cannot be read (a missing scope) makes no one a writer."""
    access = Access.of(writers=["S404"])
    assert await access.role_of(_client({}), "U1") is Role.VIEWER


def _settings(tmp_path: Path, **slack: str) -> Settings:
    return Settings(
        database_url=f"sqlite://{tmp_path / 'x.db'}",
        slack_bot_token="xoxb-dummy-token-for-tests",
        slack_signing_secret="dummy-signing-secret",
        **slack,
    )


def test_managers_come_from_the_file_and_the_environment_and_admins_are_managers(
    tmp_path: Path,
) -> None:
    """`[slack] managers`, `[slack] admins`, SYNCBOT_SLACK_MANAGERS and SYNCBOT_SLACK_ADMINS
    all list managers; writers stay clerks."""
    slack = SlackConfig(writers=["U0W1"], managers=["U0M1"], admins=["U0A1"])
    settings = _settings(tmp_path, slack_managers="U0M2,S0M3", slack_admins="U0A2")

    config = slack_settings(settings, ChannelsFile(slack=slack))

    assert config is not None
    assert config.access.managers == frozenset({"U0M1", "U0A1", "U0M2", "S0M3", "U0A2"})
    assert config.access.writers == frozenset({"U0W1"})


def test_a_manager_that_is_not_a_slack_id_stops_the_start(tmp_path: Path) -> None:
    """A name instead of an id is refused at start, in the file and in the environment."""
    with pytest.raises(ValidationError, match="not a Slack user id"):
        SlackConfig(managers=["alice"])
    with pytest.raises(ValidationError, match="not a Slack user id"):
        _settings(tmp_path, slack_managers="alice")


def test_each_write_needs_the_role_of_its_movement_kind() -> None:
    """/damage, /receive and /count record a clerk's kinds (Undo follows the undo rule of
    `roles.role_to_reverse`, tested with it)."""
    assert {needed_role(c) for c in ("/damage", "/receive", "/count")} == {Role.CLERK}


def test_a_refusal_names_the_role_needed_held_and_where_to_be_listed() -> None:
    """The message says which role, which one the person has, and which lists grant it."""
    clerk_needed = refusal("Counting", Role.CLERK, Role.VIEWER, "U7")
    manager_needed = refusal("Undoing someone else's movement", Role.MANAGER, Role.CLERK, "U7")

    assert clerk_needed.startswith("Counting needs the clerk role in syncbot; here you are a")
    assert "`[slack] writers` (clerk) or `[slack] managers` (manager)" in clerk_needed
    assert "U7" in clerk_needed
    assert "here you are a clerk" in manager_needed
    assert "`[slack] managers` (manager)" in manager_needed
    assert "writers" not in manager_needed
