"""A community's own ladder: admins edit it (Chinese names), boundaries hold, the wallet shows name and progress."""
from __future__ import annotations

import pytest

from points.errors import NotAllowed
from points.ledger import services as ledger
from points.standing import levels
from points.standing.levels import InvalidLadder, ladder_for, set_ladder, standing_on

from ..helpers import login

LADDER = [(0, "新芽"), (100, "热心邻里"), (300, "社区之星")]


@pytest.mark.parametrize(("lifetime", "number", "name", "to_next", "percent"), [
    (0, 1, "新芽", 100, 0), (99, 1, "新芽", 1, 99), (100, 2, "热心邻里", 200, 0), (299, 2, "热心邻里", 1, 99),
    (300, 3, "社区之星", None, 100), (10**7, 3, "社区之星", None, 100),
])
def test_boundaries_on_a_custom_ladder(lifetime, number, name, to_next, percent):
    standing = standing_on(LADDER, lifetime)
    assert (standing.number, standing.name, standing.to_next, standing.percent) == (number, name, to_next, percent)


def test_the_default_ladder_has_chinese_names(make, app):
    with app.test_request_context(headers={"Accept-Language": "zh"}):
        assert ladder_for(make.community().id)[0] == (0, "新芽")


def test_an_admin_edits_the_ladder_and_only_an_admin(make):
    community = make.community()
    admin = make.admin(community)
    assert set_ladder(community, "0 新手\n80 骨干", admin=admin) == [(0, "新手"), (80, "骨干")]
    with pytest.raises(NotAllowed):
        set_ladder(community, "0 新手", admin=make.staff(community))
    for bad in ("10 新手", "0 新手\n0 又一个", "0 新手\n50", "零 新手", "0 新手\n80 骨干\n60 倒退"):
        with pytest.raises(InvalidLadder) as error:
            set_ladder(community, bad, admin=admin)
        assert error.value.code == "invalid_ladder"
    assert set_ladder(community, "", admin=admin)[0][0] == 0  # back to the default ladder
    assert len(ladder_for(community.id)) == len(levels.DEFAULT_LADDER)


def test_the_admin_page_keeps_input_and_shows_the_error_beside_the_field(client, make):
    community = make.community()
    admin = make.admin(community)
    login(client, admin)
    page = client.get(f"/admin/standing/{community.id}")
    assert page.status_code == 200
    data = {"levels": "5 坏的", **{k: v for k, v in __import__("points.standing.indices", fromlist=["DEFAULTS"]).DEFAULTS.items()}}
    response = client.post(f"/admin/standing/{community.id}", data=data)
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert "5 坏的" in body and 'id="levels-error"' in body
    data["levels"] = "0 新手\n20 骨干"
    assert client.post(f"/admin/standing/{community.id}", data=data).status_code == 302
    assert "2 · 骨干" in client.get(f"/rules/{community.id}").get_data(as_text=True)


def test_the_wallet_shows_level_name_and_progress(client, make):
    community = make.community()
    set_ladder(community, "0 新手\n100 骨干", admin=make.admin(community))
    resident = make.resident(community)
    ledger.award_manually(resident, 40, staff=make.staff(community), reason="补录", key="k")
    login(client, resident)
    page = client.get("/wallet").get_data(as_text=True)
    assert "新手" in page and 'value="40"' in page and "60" in page.split('data-testid="level-next"')[1][:80]
