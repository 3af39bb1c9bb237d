"""`/api/users` and `/api/tokens`: people, their roles and their API tokens (admin only).

What `syncbot user ...` and `syncbot token ...` do, over HTTP. A generated password and a
new token are answered once, in the response that made them; the store keeps only their
hashes. Refusals: 404 an unknown user or token, 409 a name taken or a change that would
leave no enabled admin, 422 a name, role or password that breaks a rule; a refused
request writes nothing.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Path
from pydantic import BaseModel, ConfigDict, Field, StrictBool
from pydantic.json_schema import SkipJsonSchema
from starlette.exceptions import HTTPException

from syncbot.app import users
from syncbot.app.roles import Role
from syncbot.app.users import (
    MAX_NAME_LENGTH,
    MIN_PASSWORD_LENGTH,
    KeepsAnAdmin,
    NameTaken,
    TokenRecord,
    UnknownToken,
    UnknownUser,
    UserRecord,
    UserRefusal,
)
from syncbot.web.auth import AUTH_RESPONSES, Access, Caller
from syncbot.web.errors import responses
from syncbot.web.fields import documented, stored

MAX_PASSWORD_LENGTH = 1024
"""Longer is no safer, and argon2 would hash a megabyte as gladly as a word."""

# A name is looked up before the users rule reads it: a NUL (which PostgreSQL cannot take)
# or an over-long name is refused here, with a 422 naming the field.
Name = Annotated[
    str,
    Field(min_length=1, json_schema_extra=documented(MAX_NAME_LENGTH)),
    stored("name", MAX_NAME_LENGTH),
]
User = Annotated[
    str,
    Field(min_length=1, json_schema_extra=documented(MAX_NAME_LENGTH)),
    stored("user", MAX_NAME_LENGTH),
]
# `:path` in the routes: a name may hold "/" (only ":" and unprintable characters are refused).
NameInPath = Annotated[
    str,
    Path(min_length=1, json_schema_extra=documented(MAX_NAME_LENGTH)),
    stored("name", MAX_NAME_LENGTH),
]
Password = Annotated[str, Field(min_length=MIN_PASSWORD_LENGTH, max_length=MAX_PASSWORD_LENGTH)]


class _Body(BaseModel):
    # A misspelt field ("disable") is refused rather than silently ignored.
    model_config = ConfigDict(extra="forbid")


class UserRequest(_Body):
    name: Name
    role: Role
    password: Password | None = None
    """Omitted: one is generated and answered once."""


class UserChange(_Body):
    # At least one field; null is not offered (SkipJsonSchema), as it would change nothing.
    model_config = ConfigDict(extra="forbid", json_schema_extra={"minProperties": 1})

    role: Role | SkipJsonSchema[None] = None
    disabled: StrictBool | SkipJsonSchema[None] = None
    """true: the user's tokens stop working at once; false: they work again."""


class PasswordRequest(_Body):
    password: Password | None = None
    """Omitted: one is generated and answered once."""


class TokenRequest(_Body):
    name: Name
    """How the token is listed and revoked, and the actor of its movements: api:<name>."""
    user: User
    """Whose role the token acts with."""


class UserWithPassword(BaseModel):
    name: str
    role: Role
    disabled: bool
    created_at: datetime
    password: str | None
    """The generated password, shown this once; null when the request gave one."""


class TokenCreated(BaseModel):
    name: str
    user: str
    created_at: datetime
    token: str
    """The token itself, shown this once: only its hash is stored."""


@contextmanager
def _answered() -> Iterator[None]:
    """A refusal of the use case becomes its status: 404, 409 or 422."""
    try:
        yield
    except (UnknownUser, UnknownToken) as refusal:
        raise HTTPException(404, str(refusal)) from refusal
    except (NameTaken, KeepsAnAdmin) as refusal:
        raise HTTPException(409, str(refusal)) from refusal
    except UserRefusal as refusal:
        raise HTTPException(422, str(refusal)) from refusal


def _with_password(record: UserRecord, generated: str | None) -> UserWithPassword:
    return UserWithPassword(
        name=record.name,
        role=Role(record.role),
        disabled=record.disabled,
        created_at=record.created_at,
        password=generated,
    )


def users_router(access: Access) -> APIRouter:
    """Every route needs an admin's token, reads included: the list of users and tokens is
    a map of who can do what."""

    async def admin(caller: Caller = Depends(access.caller)) -> Caller:  # noqa: B008 (see auth.Access.require)
        caller.require(Role.ADMIN, "managing users and tokens")
        return caller

    router = APIRouter(
        prefix="/api",
        tags=["users"],
        dependencies=[Depends(admin)],
        responses=AUTH_RESPONSES,
    )

    @router.get("/users")
    async def get_users() -> list[UserRecord]:
        """Every user, by name: role, whether disabled, when added."""
        return await users.list_users()

    @router.post("/users", status_code=201, responses=responses(400, 409))
    async def add_user(body: UserRequest) -> UserWithPassword:
        """Adds a user with a role; without a password, one is generated and answered once.

        201 added; 409 a user of that name exists; 422 a name of ':' or unprintable
        characters, an unknown role, or a password under 8 characters.
        """
        password = body.password or users.generate_password()
        with _answered():
            record = await users.add_user(body.name, body.role, password)
        return _with_password(record, None if body.password else password)

    @router.patch("/users/{name:path}", responses=responses(400, 404, 409))
    async def change_user(
        name: NameInPath,
        body: UserChange,
        caller: Caller = Depends(admin),  # noqa: B008 (see auth.Access.require)
    ) -> UserRecord:
        """Sets a user's role, or disables or enables them; both at once is allowed.

        Disabling takes effect on the user's very next request. 404 unknown user; 409 the
        last enabled admin demoted or disabled, or a token's own user disabled; 422 neither
        field given, or an unknown role.
        """
        if body.role is None and body.disabled is None:
            raise HTTPException(422, "give `role`, `disabled` or both: nothing to change")
        # In the order that cannot leave half a change: the last-admin rule counts enabled
        # admins only, so a disable is refused or done before the role changes, and a role
        # is refused or done before an enable.
        record: UserRecord | None = None
        with _answered():
            if body.disabled is True:
                record = await users.disable_user(name, by=caller.user or None)
            if body.role is not None:
                record = await users.set_role(name, body.role)
            if body.disabled is False:
                record = await users.enable_user(name)
        assert record is not None  # a field was given
        return record

    @router.post("/users/{name:path}/password", responses=responses(400, 404))
    async def reset_password(name: NameInPath, body: PasswordRequest) -> UserWithPassword:
        """Sets a new password; without one in the body, one is generated and answered once.

        404 unknown user; 422 a password under 8 characters.
        """
        password = body.password or users.generate_password()
        with _answered():
            record = await users.reset_password(name, password)
        return _with_password(record, None if body.password else password)

    @router.get("/tokens")
    async def get_tokens() -> list[TokenRecord]:
        """Every token, by name: its user, when made, last used and revoked. Never the
        token itself: only its hash is kept."""
        return await users.list_tokens()

    @router.post("/tokens", status_code=201, responses=responses(400, 404, 409))
    async def create_token(body: TokenRequest) -> TokenCreated:
        """Makes a token acting with the user's role, answered this once.

        201 made; 404 unknown user; 409 a token of that name exists; 422 a bad name.
        """
        with _answered():
            record, token = await users.create_token(body.name, body.user)
        return TokenCreated(
            name=record.name, user=record.user, created_at=record.created_at, token=token
        )

    @router.delete("/tokens/{name:path}", status_code=204, responses=responses(404))
    async def revoke_token(name: NameInPath) -> None:
        """Revokes a token: its next request is refused 401. Revoking it again changes
        nothing. 404 unknown token."""
        with _answered():
            await users.revoke_token(name)

    return router
