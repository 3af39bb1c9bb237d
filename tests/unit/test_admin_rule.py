"""The rule that keeps an admin: the last enabled admin is neither demoted nor disabled."""

from __future__ import annotations

import pytest

from syncbot.app.roles import Role
from syncbot.app.users import admin_change_problem


@pytest.mark.parametrize("role", [Role.VIEWER, Role.CLERK, Role.MANAGER])
def test_the_last_admin_is_not_demoted(role: Role) -> None:
    problem = admin_change_problem(["root"], "root", role=role)
    assert problem is not None
    assert "last admin" in problem


def test_the_last_admin_is_not_disabled() -> None:
    assert admin_change_problem(["root"], "root", disabled=True) is not None


def test_keeping_the_admin_role_or_changing_another_user_is_fine() -> None:
    assert admin_change_problem(["root"], "root", role=Role.ADMIN) is None
    assert admin_change_problem(["root"], "alice", role=Role.VIEWER) is None
    assert admin_change_problem(["root"], "alice", disabled=True) is None


def test_one_of_two_admins_may_go() -> None:
    assert admin_change_problem(["root", "ops"], "root", role=Role.CLERK) is None
    assert admin_change_problem(["root", "ops"], "ops", disabled=True) is None
