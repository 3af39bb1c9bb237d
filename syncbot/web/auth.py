"""Who calls `/api`: one dependency that reads the bearer token and checks its role.

A request is let through when its token is
- `SYNCBOT_API_TOKEN`, the bootstrap token: admin, and its movements name the actor `api`;
- or a user's live token (`syncbot token create`): its user's role, actor `api:<token name>`.
The token's user and revocation are read on every request, so disabling a user or revoking
a token takes effect at once. Refusals: 401 without a valid token, 403 with a role too low.
"""

from __future__ import annotations

import hmac
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import SecretStr
from starlette.exceptions import HTTPException

from syncbot.app import users
from syncbot.app.actor import Actor
from syncbot.app.roles import Role
from syncbot.web.errors import responses


@dataclass(frozen=True)
class Caller:
    """Who a request acts as: the actor its movements record, and the role it holds."""

    actor: Actor
    role: Role
    token: str
    """The token's name ("" for the bootstrap token), for messages."""
    user: str = ""
    """The token's user ("" for the bootstrap token, which has none)."""

    def require(self, needed: Role, doing: str = "this") -> None:
        """Refuses with 403 unless the caller's role is `needed` or above."""
        if not self.role.allows(needed):
            who = f"the token {self.token!r}" if self.token else "this token"
            raise HTTPException(403, f"{doing} needs the {needed} role; {who} acts as {self.role}")


AUTH_RESPONSES: dict[int | str, dict[str, Any]] = {
    code: answer for code, answer in responses(401, 403).items() if code in (401, 403)
}
"""What every `/api` route may answer about its token."""

_BEARER = HTTPBearer(auto_error=False)


class Access:
    """Builds the dependencies that require a role; `bootstrap` is SYNCBOT_API_TOKEN."""

    def __init__(self, bootstrap: SecretStr | None) -> None:
        self._bootstrap = None if bootstrap is None else bootstrap.get_secret_value().encode()

    async def caller(
        self,
        credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_BEARER)],
    ) -> Caller:
        """Who the bearer token acts for; 401 without one, or with one that is not live.

        The one dependency every `/api` route has: FastAPI runs it once per request, and
        each `require` below reads its answer."""
        if credentials is None or not credentials.credentials:
            raise unauthorized("a valid `Authorization: Bearer <token>` header is required")
        given = credentials.credentials
        # compare_digest takes as long for a near miss as for a wild guess.
        if self._bootstrap is not None and hmac.compare_digest(given.encode(), self._bootstrap):
            return Caller(Actor.api(), Role.ADMIN, "")
        holder = await users.holder_of(given)
        if holder is None:
            raise unauthorized(
                "the bearer token is unknown, revoked, or its user is disabled: send "
                "`Authorization: Bearer <a live token>` (`syncbot token list`)"
            )
        return Caller(Actor.api(holder.token), Role(holder.role), holder.token, holder.user)

    def require(self, needed: Role) -> Callable[..., Awaitable[Caller]]:
        """A dependency answering the caller, refused 403 below `needed`."""

        # A default, not an Annotated hint: hints are strings here, read in the module's
        # globals, where `self` is not. The same callable each time: FastAPI runs it once.
        async def caller_with_role(caller: Caller = Depends(self.caller)) -> Caller:  # noqa: B008
            caller.require(needed)
            return caller

        return caller_with_role


def unauthorized(message: str) -> HTTPException:
    return HTTPException(401, message, headers={"WWW-Authenticate": "Bearer"})
