"""Who may write from Slack: listed user ids, or members of listed user groups.

Reading is open to the workspace. Group membership is read with `usergroups.users.list`
(scope usergroups:read) and kept for five minutes, so a command costs no API call most of
the time and a removal takes effect within minutes.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

log = logging.getLogger(__name__)

GROUP_TTL_SECONDS = 300.0


@dataclass
class Access:
    writers: frozenset[str]
    """User ids (U…, W…) and user-group ids (S…) allowed to record movements."""
    admins: frozenset[str] = frozenset()
    """Allowed to undo anyone's adjustment, as well as write."""
    clock: Callable[[], float] = time.monotonic
    _groups: dict[str, tuple[float, frozenset[str]]] = field(default_factory=dict)

    @classmethod
    def of(cls, writers: Iterable[str], admins: Iterable[str] = ()) -> Access:
        admins = frozenset(admins)
        return cls(frozenset(writers) | admins, admins)

    async def may_write(self, client: AsyncWebClient, user: str) -> bool:
        return await self._listed(client, user, self.writers)

    async def is_admin(self, client: AsyncWebClient, user: str) -> bool:
        return await self._listed(client, user, self.admins)

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
