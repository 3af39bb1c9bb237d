"""Users, roles and API tokens: add, list, change, disable; create, list, revoke; and who a
presented token acts for. Passwords are hashed with argon2id and tokens with SHA-256 here,
so the store only ever sees hashes."""

from __future__ import annotations

import contextlib
import functools
import hashlib
import secrets
from collections.abc import Callable

from argon2 import PasswordHasher
from argon2.exceptions import VerificationError

from syncbot.app.roles import Role, parse_role
from syncbot.ledger.limits import quoted
from syncbot.store import sessions, users
from syncbot.store.users import (
    NameTaken,
    TokenHolder,
    TokenRecord,
    UnknownToken,
    UnknownUser,
    UserRecord,
    UserRefusal,
)

__all__ = [
    "BadInput",
    "KeepsAnAdmin",
    "NameTaken",
    "TokenHolder",
    "TokenRecord",
    "UnknownToken",
    "UnknownUser",
    "UserRecord",
    "UserRefusal",
    "add_user",
    "create_token",
    "disable_user",
    "enable_user",
    "generate_password",
    "holder_of",
    "list_tokens",
    "list_users",
    "reset_password",
    "revoke_token",
    "set_role",
    "verify_password",
]

MAX_NAME_LENGTH = 64
MIN_PASSWORD_LENGTH = 8
_HASHER = PasswordHasher()


class BadInput(UserRefusal):
    """A name, role or password that breaks a rule; nothing was written. `field` names
    which ("name", "role" or "password"), so a form can show the message beside it."""

    def __init__(self, message: str, field: str) -> None:
        super().__init__(message)
        self.field = field


def _name(name: str, what: str) -> str:
    name = name.strip()
    if not name or len(name) > MAX_NAME_LENGTH or not name.isprintable() or ":" in name:
        raise BadInput(
            f"{what} name {quoted(name)} is not valid: use 1 to {MAX_NAME_LENGTH} printable "
            "characters without ':'",
            "name",
        )
    return name


def _role(text: str) -> Role:
    try:
        return parse_role(text)
    except ValueError as problem:
        raise BadInput(str(problem), "role") from None


def _hash_password(password: str) -> str:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise BadInput(
            f"the password is too short: use at least {MIN_PASSWORD_LENGTH} characters",
            "password",
        )
    return _HASHER.hash(password)


@functools.cache
def _unknown_user_hash() -> str:
    return _HASHER.hash(secrets.token_urlsafe(18))


def token_hash(token: str) -> str:
    """What is stored of a token: its SHA-256, hex. A token is random, so no salt is needed."""
    return hashlib.sha256(token.encode()).hexdigest()


def generate_password() -> str:
    return secrets.token_urlsafe(18)


async def add_user(name: str, role: str, password: str) -> UserRecord:
    checked_name, checked_role = _name(name, "user"), _role(role)
    return await users.add_user(checked_name, checked_role, _hash_password(password))


async def list_users() -> list[UserRecord]:
    return await users.users()


class KeepsAnAdmin(UserRefusal):
    """A change that would lock everyone out of the admin pages, or an admin out of their
    own account; nothing was written."""


def admin_change_problem(
    admins: list[str], name: str, *, role: Role | None = None, disabled: bool = False
) -> str | None:
    """Why changing `name` (to `role`, or disabling them) must be refused, given the enabled
    `admins`; None when it may go ahead. One enabled admin always remains, so the users
    and tokens can still be managed."""
    if name not in admins or (role in (None, Role.ADMIN) and not disabled):
        return None
    if len(admins) == 1:
        change = "disabled" if disabled else f"made a {role}"
        return f"{name} is the last admin and cannot be {change}: make another user admin first"
    return None


def _keeping_an_admin(
    name: str, *, role: Role | None = None, disabled: bool = False
) -> Callable[[list[str]], None]:
    def check(admins: list[str]) -> None:
        problem = admin_change_problem(admins, name, role=role, disabled=disabled)
        if problem is not None:
            raise KeepsAnAdmin(problem)

    return check


async def set_role(name: str, role: str) -> UserRecord:
    """Changes the user's role; raises KeepsAnAdmin for the last enabled admin."""
    checked = _role(role)
    return await users.update_user_checked(
        name, _keeping_an_admin(name, role=checked), role=checked.value
    )


async def disable_user(name: str, by: str | None = None) -> UserRecord:
    """Disables the user: their tokens stop working on the next request. Raises
    KeepsAnAdmin when `by` (the person asking) is `name`, or for the last enabled admin."""
    if by == name:
        raise KeepsAnAdmin(f"you cannot disable yourself, {name}: ask another admin")
    return await users.update_user_checked(
        name, _keeping_an_admin(name, disabled=True), disabled=True
    )


async def enable_user(name: str) -> UserRecord:
    """Enables the user again: their tokens that were not revoked work from the next request."""
    return await users.update_user(name, disabled=False)


async def reset_password(name: str, password: str) -> UserRecord:
    """Sets a new password and signs the user out of every browser: whoever knew the old
    one keeps no session."""
    await users.user(name)  # an unknown user is refused before hashing
    record = await users.update_user(name, password_hash=_hash_password(password))
    await sessions.delete_sessions_of(name)
    return record


async def verify_password(name: str, password: str) -> bool:
    """True when `password` is the enabled user's; False for anything else."""
    try:
        record = await users.user(name)
        stored = await users.password_hash(name)
    except UnknownUser:
        # Hash anyway: answering an unknown name faster would tell which names exist.
        with contextlib.suppress(VerificationError):
            _HASHER.verify(_unknown_user_hash(), password)
        return False
    try:
        return not record.disabled and _HASHER.verify(stored, password)
    except VerificationError:
        return False


async def create_token(name: str, user: str) -> tuple[TokenRecord, str]:
    """A new token for `user`: its record, and the token itself, which is never kept."""
    token = "sbt_" + secrets.token_urlsafe(32)
    return await users.add_token(_name(name, "token"), user, token_hash(token)), token


async def list_tokens() -> list[TokenRecord]:
    return await users.tokens()


async def revoke_token(name: str) -> None:
    await users.revoke_token(name)


async def holder_of(token: str) -> TokenHolder | None:
    """Who a presented token acts for, or None when it is unknown, revoked or its user is
    disabled. Read on every request, so a change takes effect at once."""
    return await users.holder(token_hash(token))
