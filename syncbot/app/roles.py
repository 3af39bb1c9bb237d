"""Who may do what: the four roles, in order, and the role each action needs. Pure code.

    viewer   reads
    clerk    + receive, damage, count, transfer, write_off
    manager  + adjust, reverse, inbox skip and retry, channel release and sync
    admin    + users, tokens and channels

A role may do everything the roles below it may.
"""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    VIEWER = "viewer"
    CLERK = "clerk"
    MANAGER = "manager"
    ADMIN = "admin"

    @property
    def rank(self) -> int:
        return _ORDER.index(self)

    def allows(self, needed: Role) -> bool:
        """True when this role is `needed` or above it."""
        return self.rank >= needed.rank


_ORDER = (Role.VIEWER, Role.CLERK, Role.MANAGER, Role.ADMIN)

ROLE_NAMES = ", ".join(_ORDER)

CLERK_KINDS = frozenset({"receive", "damage", "count", "transfer", "write_off"})
"""Movement kinds a clerk may record; any other manual kind (adjust) needs a manager."""


def role_for_movement(kind: str) -> Role:
    """The role needed to record a movement of `kind`."""
    return Role.CLERK if kind in CLERK_KINDS else Role.MANAGER


def parse_role(text: str) -> Role:
    """The role named `text`; ValueError naming the four otherwise."""
    try:
        return Role(text.strip().lower())
    except ValueError:
        raise ValueError(f"unknown role {text!r}: use one of {ROLE_NAMES}") from None
