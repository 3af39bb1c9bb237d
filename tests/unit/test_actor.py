"""The one actor type: what each adapter writes on a movement, and reading it back."""

from __future__ import annotations

import pytest

from syncbot.app.actor import Actor, Via


@pytest.mark.parametrize(
    ("actor", "text"),
    [
        (Actor(Via.WEB, "alice"), "web:alice"),
        (Actor.slack("T1", "U2"), "slack:T1:U2"),
        (Actor.slack(None, "U2"), "slack:-:U2"),
        (Actor.cli("bob"), "cli:bob"),
        (Actor.api("token-name"), "api:token-name"),
        (Actor.api(), "api"),
        (Actor(Via.CHANNEL, "shop"), "shop"),
    ],
)
def test_an_actor_is_written_and_read_back_the_same(actor: Actor, text: str) -> None:
    assert actor.encode() == text
    assert Actor.decode(text) == actor


def test_a_slack_user_is_the_last_part_whatever_the_team() -> None:
    assert Actor.decode("slack:T1:U2").name == "U2"
    assert Actor.decode("slack:T1:U2").team == "T1"


@pytest.mark.parametrize("text", ["cli", "web", "slack:U2", "shop", ""])
def test_text_of_no_person_form_is_a_channel(text: str) -> None:
    assert Actor.decode(text) == Actor(Via.CHANNEL, text)


def test_each_way_in_has_its_own_key_namespace() -> None:
    """A chosen key can never claim `reversal-of:N`, the key syncbot gives a reversal."""
    assert Actor.api().key_namespace == "api:"
    assert Actor.cli("bob").key_namespace == "cli:"
    assert Actor.slack("T1", "U2").key_namespace == "slack:"


def test_the_cli_names_an_unknown_login(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_login() -> str:
        raise KeyError("no passwd entry")

    monkeypatch.setattr("getpass.getuser", no_login)
    assert Actor.cli().encode() == "cli:unknown"
