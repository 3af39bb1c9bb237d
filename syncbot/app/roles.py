"""Who may do what: the four roles, in order, and the role each action needs. Pure code.

    viewer   reads
    clerk    + receive, damage, count, transfer, write_off
    manager  + adjust, reverse, inbox skip and retry, channel release and sync
    admin    + users, tokens and channels

A role may do everything the roles below it may. Reversing a movement needs a manager,
except that whoever recorded it may undo it for UNDO_WINDOW with the role its kind needs
(`role_to_reverse`).
"""

from __future__ import annotations

from datetime import datetime, timedelta
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


UNDO_WINDOW = timedelta(minutes=10)
"""How long the person who recorded a movement may undo it without a manager."""


def role_to_reverse(
    kind: str, recorded_by: str, recorded_at: datetime, by: str, now: datetime
) -> Role:
    """The role `by` needs to reverse a movement of `kind` that `recorded_by` recorded.

    Manager, except for the movement's own recorder (the same actor text, `web:alice`)
    within UNDO_WINDOW of `recorded_at`: then the role its kind needs, so a clerk undoes
    their own damage but never their own adjustment, nor anyone else's movement. Never
    more than manager, so a manager reverses anything.
    """
    return reversal_rule(kind, recorded_by, recorded_at, by, now)[0]


def reversal_rule(
    kind: str, recorded_by: str, recorded_at: datetime, by: str, now: datetime
) -> tuple[Role, str]:
    """`role_to_reverse`, and the part of the rule that decided it, for a refusal."""
    if recorded_by != by:
        return Role.MANAGER, "undoing someone else's movement"
    if now - recorded_at >= UNDO_WINDOW:
        minutes = int(UNDO_WINDOW.total_seconds() // 60)
        return Role.MANAGER, f"undoing your own movement after {minutes} minutes"
    return role_for_movement(kind), f"undoing a movement of kind {kind}"


def parse_role(text: str) -> Role:
    """The role named `text`; ValueError naming the four otherwise."""
    try:
        return Role(text.strip().lower())
    except ValueError:
        raise ValueError(f"unknown role {text!r}: use one of {ROLE_NAMES}") from None
