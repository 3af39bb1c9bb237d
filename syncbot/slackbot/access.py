"""Who may write from Slack: each Slack user's role, from listed user ids and user groups.

    [slack] managers (and the older [slack] admins)   manager
    [slack] writers                                   clerk
    anyone else in the workspace                      viewer: /stock only

Group membership is read with `usergroups.users.list` (scope usergroups:read) and kept for
five minutes, so a command costs no API call most of the time and a removal takes effect
within minutes. What each action needs is `syncbot.app.roles`' rule, as everywhere else.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from syncbot.app.roles import Role

log = logging.getLogger(__name__)

GROUP_TTL_SECONDS = 300.0


@dataclass
class Access:
    writers: frozenset[str]
    """User ids (U…, W…) and user-group ids (S…) who are clerks."""
    managers: frozenset[str] = frozenset()
    """Who are managers: may also undo anyone's movement."""
    clock: Callable[[], float] = time.monotonic
    _groups: dict[str, tuple[float, frozenset[str]]] = field(default_factory=dict)

    @classmethod
    def of(cls, writers: Iterable[str], managers: Iterable[str] = ()) -> Access:
        return cls(frozenset(writers), frozenset(managers))

    async def role_of(self, client: AsyncWebClient, user: str) -> Role:
        """The user's role: the highest list they are in, directly or through a group."""
        if await self._listed(client, user, self.managers):
            return Role.MANAGER
        if await self._listed(client, user, self.writers):
            return Role.CLERK
        return Role.VIEWER

    async def _listed(self, client: AsyncWebClient, user: str, ids: frozenset[str]) -> bool:
        if user in ids:
            return True
        for group in sorted(i for i in ids if i.startswith("S")):
            if user in await self._members(client, group):
                return True
        return False

    async def _members(self, client: AsyncWebClient, group: str) -> frozenset[str]:
        cached = self._groups.get(group)
        if cached and self.clock() - cached[0] < GROUP_TTL_SECONDS:
            return cached[1]
        try:
            answer = await client.usergroups_users_list(usergroup=group)
            members = frozenset(answer.get("users") or ())
        except SlackApiError as error:
            # Refuse rather than guess: a missing scope must not open writing to everyone.
            log.warning(
                "cannot read a Slack user group; its members cannot write",
                extra={"group": group, "error": error.response.get("error")},
            )
            members = frozenset()
        self._groups[group] = (self.clock(), members)
        return members


_LIST_OF = {Role.CLERK: "writers", Role.MANAGER: "managers"}


def refusal(doing: str, needed: Role, held: Role, user: str) -> str:
    """Why a Slack user may not do something, and who can change that (pure)."""
    lists = " or ".join(
        f"`[slack] {name}` ({role})" for role, name in _LIST_OF.items() if role.allows(needed)
    )
    article = "an" if held is Role.ADMIN else "a"
    return (
        f"{doing} needs the {needed} role in syncbot; here you are {article} {held}. "
        f"Whoever runs syncbot can grant it: add your Slack user id {user} (or one of your "
        f"user groups) to {lists} in its channels file."
    )
