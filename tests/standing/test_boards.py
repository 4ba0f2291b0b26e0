"""The honour roll: masked names, the opt-out that removes a resident from every public list, Shanghai periods."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from points.accounts.permissions import SYSTEM
from points.ledger import services as ledger
from points.standing.boards import mask, set_public_choice

from ..helpers import login
from ..helpers import provide_figure

NOV_1_SHANGHAI = datetime(2026, 10, 31, 16, 0, tzinfo=timezone.utc)  # midnight, 1 November, in Shanghai


def test_mask():
    assert [mask("王小明"), mask("李四"), mask("欧阳娜娜"), mask("")] == ["王**", "李*", "欧***", "*"]


def _world(make, clock):
    community = make.community()
    staff = make.staff(community)
    wang = make.resident(community, name="王小明")
    li = make.resident(community, name="李四")
    zhao = make.resident(community, name="赵大宝")
    clock.set(NOV_1_SHANGHAI - timedelta(seconds=1))  # 23:59:59 on 31 October, local
    ledger.award_manually(li, 500, staff=SYSTEM, reason="十月", key="li-oct")  # above the four-eyes threshold
    clock.set(NOV_1_SHANGHAI)
    ledger.award_manually(wang, 30, staff=staff, reason="十一月", key="wang-nov")
    ledger.award_manually(zhao, 20, staff=staff, reason="十一月", key="zhao-nov")
    return community, wang, li, zhao


def test_the_month_is_the_local_month_and_names_are_masked(client, make, clock):
    community, *_ = _world(make, clock)
    november = client.get(f"/honour/{community.id}?period=month&at=2026-11").get_data(as_text=True)  # no login
    assert "王**" in november and "赵**" in november and "王小明" not in november
    assert "李*" not in november  # earned at 23:59:59 on 31 October, local time
    october = client.get(f"/honour/{community.id}?period=month&at=2026-10").get_data(as_text=True)
    assert "李*" in october and "王**" not in october
    year = client.get(f"/honour/{community.id}?period=year&at=2026").get_data(as_text=True)
    assert year.index("李*") < year.index("王**") < year.index("赵**")


def test_showing_the_name_and_opting_out(client, make, clock, app):
    community, wang, li, zhao = _world(make, clock)
    provide_figure(app, "volunteer_hours", lambda ids, s, e: {wang.id: 3.0, zhao.id: 5.0}, by="resident", label="Hours")
    set_public_choice(zhao, show_name=True, hidden=False)
    page = client.get(f"/honour/{community.id}?period=year&at=2026").get_data(as_text=True)
    assert "赵大宝" in page
    login(client, wang)
    assert client.post("/wallet/public", data={"hidden": "y"}).status_code == 302
    client.post("/logout")
    for url in (f"/honour/{community.id}?period=year&at=2026", f"/honour/{community.id}/print?period=year&at=2026"):
        page = client.get(url).get_data(as_text=True)
        assert "王**" not in page and "王小明" not in page, url
        assert "赵大宝" in page


def test_junk_periods_fall_back_to_this_month(client, make, clock):
    community, *_ = _world(make, clock)
    for query in ("period=week", "at=2026-13", "period=year&at=abcd", "at=99999-01"):
        assert client.get(f"/honour/{community.id}?{query}").status_code == 200
    assert client.get(f"/honour/{community.id}?period=month&at=%00").status_code == 400  # a NUL byte is refused everywhere
    assert client.get("/honour/999999").status_code == 404
