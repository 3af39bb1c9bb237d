"""The role rules: each role may do what the roles below it may, a movement's kind
decides whether a clerk may record it, and the undo rule decides who may reverse it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from syncbot.app.roles import (
    UNDO_WINDOW,
    Role,
    parse_role,
    reversal_rule,
    role_for_movement,
    role_to_reverse,
)

KINDS = ("receive", "damage", "count", "transfer", "write_off", "adjust", "order_commit")
ACTORS = ("web:carol", "web:dan", "api:carol", "slack:T1:U1", "shop", "api")


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


class TestTheUndoRule:
    """Reversing needs a manager, except the recorder's own movement within 10 minutes."""

    RECORDED = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)

    def test_a_clerk_undoes_their_own_damage_within_ten_minutes(self) -> None:
        now = self.RECORDED + timedelta(minutes=9, seconds=59)
        needed = role_to_reverse("damage", "web:carol", self.RECORDED, "web:carol", now)
        assert needed is Role.CLERK

    def test_after_ten_minutes_their_own_movement_needs_a_manager(self) -> None:
        now = self.RECORDED + UNDO_WINDOW
        needed, why = reversal_rule("damage", "web:carol", self.RECORDED, "web:carol", now)
        assert needed is Role.MANAGER
        assert why == "undoing your own movement after 10 minutes"

    def test_undoing_someone_elses_movement_needs_a_manager(self) -> None:
        needed, why = reversal_rule("damage", "web:dan", self.RECORDED, "web:carol", self.RECORDED)
        assert needed is Role.MANAGER
        assert why == "undoing someone else's movement"

    def test_undoing_your_own_adjustment_still_needs_a_manager(self) -> None:
        at = self.RECORDED
        needed, why = reversal_rule("adjust", "web:carol", at, "web:carol", at)
        assert needed is Role.MANAGER
        assert why == "undoing a movement of kind adjust"

    def test_the_same_name_through_another_door_is_someone_else(self) -> None:
        """`api:carol` (a token) did not record what `web:carol` did."""
        needed = role_to_reverse("damage", "web:carol", self.RECORDED, "api:carol", self.RECORDED)
        assert needed is Role.MANAGER

    @given(
        kind=st.sampled_from(KINDS),
        recorded_by=st.sampled_from(ACTORS),
        by=st.sampled_from(ACTORS),
        age=st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=30)),
    )
    def test_a_manager_may_always_and_the_recorder_never_needs_more(
        self, kind: str, recorded_by: str, by: str, age: timedelta
    ) -> None:
        """Never above manager; the recorder within the window needs just the kind's role,
        anyone else or later exactly manager."""
        needed = role_to_reverse(kind, recorded_by, self.RECORDED, by, self.RECORDED + age)
        assert Role.MANAGER.allows(needed)
        if recorded_by == by and age < UNDO_WINDOW:
            assert needed is role_for_movement(kind)
        else:
            assert needed is Role.MANAGER

    @given(
        kind=st.sampled_from(KINDS),
        early=st.timedeltas(min_value=timedelta(0), max_value=timedelta(hours=1)),
        later=st.timedeltas(min_value=timedelta(0), max_value=timedelta(hours=1)),
    )
    def test_waiting_never_lowers_the_role_needed(
        self, kind: str, early: timedelta, later: timedelta
    ) -> None:
        """What a recorder may not undo now, they may not undo later either."""
        first = self.RECORDED + early
        then = first + later
        at_first = role_to_reverse(kind, "web:carol", self.RECORDED, "web:carol", first)
        at_then = role_to_reverse(kind, "web:carol", self.RECORDED, "web:carol", then)
        assert at_then.rank >= at_first.rank
