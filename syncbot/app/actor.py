"""Who made a movement, as one type: "cli:bob", "slack:T1:U2", "web:alice", "api".

Every movement stores its actor as text; this is the one place that writes and reads that
text. A storefront's order postings name the channel itself ("shop"), read back here as
`Actor(CHANNEL, "shop")`.
"""

from __future__ import annotations

import getpass
from dataclasses import dataclass
from enum import StrEnum


class Via(StrEnum):
    WEB = "web"
    SLACK = "slack"
    CLI = "cli"
    API = "api"
    CHANNEL = "channel"
    """A storefront's order intake: the actor text is the channel's name, unprefixed."""


@dataclass(frozen=True)
class Actor:
    via: Via
    name: str = ""
    """The login, Slack user id or token name; "" for the API's one token."""
    team: str | None = None
    """The Slack team (workspace) id; Slack only."""

    @classmethod
    def cli(cls, login: str | None = None) -> Actor:
        """Who is at the keyboard: the login name, or "unknown" in a container without one."""
        if login is None:
            try:
                login = getpass.getuser()
            except (OSError, KeyError):  # a container user without a login name
                login = "unknown"
        return cls(Via.CLI, login)

    @classmethod
    def slack(cls, team: str | None, user: str) -> Actor:
        return cls(Via.SLACK, user, team)

    @classmethod
    def web(cls, user: str) -> Actor:
        """A person signed in to the console."""
        return cls(Via.WEB, user)

    @classmethod
    def api(cls, token_name: str = "") -> Actor:
        return cls(Via.API, token_name)

    def encode(self) -> str:
        """The text stored on the movement."""
        if self.via is Via.CHANNEL:
            return self.name
        if self.via is Via.SLACK:
            return f"slack:{self.team or '-'}:{self.name}"
        return f"{self.via}:{self.name}" if self.name else str(self.via)

    @classmethod
    def decode(cls, text: str) -> Actor:
        """The actor a stored text names; text of no person's form is a channel's name."""
        via, _, rest = text.partition(":")
        if via == Via.SLACK and ":" in rest:
            team, _, user = rest.rpartition(":")
            return cls(Via.SLACK, user, None if team == "-" else team)
        if via in (Via.WEB, Via.CLI, Via.API) and (rest or via == Via.API):
            return cls(Via(via), rest)
        return cls(Via.CHANNEL, text)

    @property
    def key_namespace(self) -> str:
        """Stored in front of an idempotency key a person or client chooses ("api:",
        "cli:", "slack:"), so that it can never claim a key syncbot makes itself, such as
        `reversal-of:N`, which makes each movement reversible once."""
        return f"{self.via}:"

    def __str__(self) -> str:
        return self.encode()
