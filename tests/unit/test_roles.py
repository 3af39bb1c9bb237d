"""The role rules: each role may do what the roles below it may, and a movement's kind
decides whether a clerk may record it."""

from __future__ import annotations

import pytest

from syncbot.app.roles import Role, parse_role, role_for_movement


def test_each_role_allows_itself_and_those_below_it_only() -> None:
    """viewer < clerk < manager < admin."""
    order = [Role.VIEWER, Role.CLERK, Role.MANAGER, Role.ADMIN]
    for rank, role in enumerate(order):
        assert [role.allows(other) for other in order] == [i <= rank for i in range(4)]


@pytest.mark.parametrize("kind", ["receive", "damage", "count", "transfer", "write_off"])
def test_a_clerk_records_the_floor_kinds(kind: str) -> None:
    assert role_for_movement(kind) is Role.CLERK


def test_an_adjustment_needs_a_manager() -> None:
    assert role_for_movement("adjust") is Role.MANAGER


def test_a_role_is_read_loosely_and_a_wrong_one_names_the_four() -> None:
    assert parse_role(" Manager ") is Role.MANAGER
    with pytest.raises(ValueError, match="viewer, clerk, manager, admin"):
        parse_role("boss")
