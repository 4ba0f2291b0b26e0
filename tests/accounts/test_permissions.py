"""The one permission module: who may act where, the system actor, and that no actor at all is refused."""
from __future__ import annotations

import pytest

from points.accounts import services as accounts
from points.accounts.models import Role
from points.accounts.permissions import SYSTEM, has_role, may, require, require_not_self
from points.errors import NotAllowed


def code_of(fn, *args, **kwargs) -> str:
    with pytest.raises(NotAllowed) as error:
        fn(*args, **kwargs)
    return error.value.code


def test_staff_may_act_in_their_community_only(make):
    community, other = make.community(), make.community()
    staff = make.staff(community)
    require(staff, Role.STAFF, community)
    assert code_of(require, staff, Role.STAFF, other) == "not_allowed"


def test_staff_is_not_admin(make):
    community = make.community()
    assert code_of(require, make.staff(community), Role.ADMIN, community) == "not_allowed"


def test_an_admin_above_covers_the_communities_below(make):
    community = make.community()
    require(make.admin(), Role.STAFF, community)


def test_a_resident_without_a_role_may_not(make):
    community = make.community()
    assert code_of(require, make.resident(community), Role.STAFF, community) == "not_allowed"


def test_the_system_actor_may_act_anywhere_but_is_nobody(make):
    assert may(SYSTEM, Role.ADMIN, make.community())
    assert SYSTEM.is_system and SYSTEM.id is None and not SYSTEM.is_authenticated
    assert not has_role(SYSTEM, Role.STAFF, make.community())  # a question about a person, not about permission


def test_no_actor_at_all_is_refused(make):
    with pytest.raises(TypeError):
        require(None, Role.STAFF, make.community())  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        accounts.grant_role(make.resident(), Role.STAFF, make.community(), admin=None)  # type: ignore[arg-type]


def test_staff_never_act_for_themselves(make):
    community = make.community()
    staff = make.staff(community)
    assert code_of(require_not_self, staff, staff) == "own_account"
    require_not_self(staff, make.resident(community))
    require_not_self(SYSTEM, staff)


def test_a_grant_by_the_system_records_no_granter(make):
    grant = accounts.grant_role(make.resident(), Role.COUNCIL, make.community(), admin=SYSTEM)
    assert grant.granted_by_id is None
