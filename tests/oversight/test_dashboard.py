"""The staff dashboard: figures equal to the ledger's, each community's staff see only their own, a street admin
sees exactly the street's communities; providers' figures join; charts are SVG with a table."""
from __future__ import annotations

import re
from datetime import UTC, datetime

from sqlalchemy import func, select

from points.accounts import services as accounts
from points.accounts.models import Role
from points.accounts.permissions import SYSTEM
from points.checkin.earning import MEETING_ATTENDED
from points.db import db
from points.ledger import services as ledger
from points.ledger.models import Account, AccountKind, Posting, Transaction
from points.units.models import Level
from points.units.services import create_unit

from ..helpers import login, provide_figure
from ..matters import November

AT = datetime(2026, 11, 10, 2, 0, tzinfo=UTC)


def _cell(page: str, community_id: int, testid: str) -> int:
    section = page.split(f'data-testid="community-{community_id}"')[1].split("</section>")[0]
    return int(re.search(rf'data-testid="{testid}">(-?\d+)<', section).group(1))


def _issued_in_november(community_id: int) -> int:
    start, end = datetime(2026, 10, 31, 16, tzinfo=UTC), datetime(2026, 11, 30, 16, tzinfo=UTC)
    return -db.session.scalar(
        select(func.sum(Posting.amount)).join(Transaction, Transaction.id == Posting.transaction_id)
        .join(Account, Account.id == Posting.account_id)
        .where(Account.community_id == community_id, Account.kind == AccountKind.ISSUANCE.value,
               Transaction.created_at >= start, Transaction.created_at < end)
    )


def test_figures_equal_the_ledger_and_staff_see_only_their_community(client, make, clock, app):
    clock.set(AT)
    a, b = make.community(), make.community()
    staff_a = make.staff(a)
    for i, community in enumerate((a, a, b)):
        resident = make.resident(community)
        ledger.award(resident, MEETING_ATTENDED, key=f"m{i}", cause=("test", i))
        ledger.award_manually(resident, 7 + i, staff=make.staff(community), reason="补录", key=f"x{i}")
    held = ledger.hold(resident, 3, key="h", cause=("redemption", 1))
    ledger.settle(held, actor=SYSTEM)
    provide_figure(app, "volunteer_hours_pending", lambda ids, s, e: {a.id: 4.5}, by="community", label="待确认志愿时长")

    login(client, staff_a)
    page = client.get("/staff/dashboard?period=month&at=2026-11").get_data(as_text=True)
    assert f'data-testid="community-{b.id}"' not in page
    assert _cell(page, a.id, "issued") == _issued_in_november(a.id) == 10 + 7 + 10 + 8
    wallets = select(func.sum(Posting.amount)).join(Account, Account.id == Posting.account_id).where(
        Account.community_id == a.id, Account.kind == AccountKind.WALLET.value)
    assert _cell(page, a.id, "outstanding") == db.session.scalar(wallets) == 35
    assert "待确认志愿时长" in page and "4.5" in page
    assert "<svg class=\"chart\"" in page and "chart-table" in page
    assert client.get(f"/staff/dashboard/{b.id}").status_code == 404
    assert client.get(f"/staff/dashboard/{a.id}").status_code == 200


def test_a_street_admin_sees_exactly_the_streets_communities(client, make, clock):
    clock.set(AT)
    a, b = make.community(), make.community()
    other_street = create_unit("另一街道", Level.STREET, parent=make.district())
    elsewhere = create_unit("别处社区", Level.COMMUNITY, parent=other_street)
    admin = make.resident(a)
    accounts.grant_role(admin, Role.ADMIN, make.street(), admin=SYSTEM)
    resident = make.resident(b)
    ledger.award_manually(resident, 12, staff=make.staff(b), reason="补录", key="b1")
    login(client, admin)
    page = client.get("/staff/dashboard?period=month&at=2026-11").get_data(as_text=True)
    shown = {int(i) for i in re.findall(r'data-testid="community-(\d+)"', page)}
    street = {u.id for u in db.session.scalars(select(type(a)).where(type(a).parent_id == make.street().id, type(a).level == "community"))}
    assert shown == street and elsewhere.id not in shown and {a.id, b.id} <= shown
    assert _cell(page, b.id, "issued") == 12
    drill = client.get(f"/staff/dashboard/{b.id}?period=month&at=2026-11")
    assert drill.status_code == 200 and "chart-table" in drill.get_data(as_text=True)
    assert client.get(f"/staff/dashboard/{elsewhere.id}").status_code == 404


def test_residents_and_visitors_do_not_get_the_dashboard(client, make):
    resident = make.resident()
    assert client.get("/staff/dashboard").status_code == 302
    login(client, resident)
    assert client.get("/staff/dashboard").status_code == 403


def test_the_proposal_workflows_figures_and_breakdowns_join_the_dashboard(client, app, ctx, clock):
    clock.set(datetime(2026, 12, 5, tzinfo=UTC))
    world = November()
    accounts.grant_role(world.staff, Role.STAFF, world.c, admin=SYSTEM)
    login(client, world.staff)
    page = client.get(f"/staff/dashboard/{world.c.id}?period=month&at=2026-11").get_data(as_text=True)
    for name, value in (("matters_total", 6), ("matters_concluded", 4), ("matters_on_time", 3),
                        ("suggestions_open", 2), ("suggestions_overdue", 1), ("matters_overdue", 2)):
        assert _cell(page, world.c.id, f"figure-{name}") == value, name
    assert 'data-testid="figure-matter_rating_avg">3.5<' in page
    stages = page.split('data-testid="suggestions_by_stage"')[1].split("</table>")[0]
    assert re.findall(r"<td>(\d+)</td>", stages) == ["2", "1", "1", "1"]
    categories = page.split('data-testid="suggestions_by_category"')[1].split("</table>")[0]
    assert "环境" in categories and "秩序" in categories and re.findall(r"<td>(\d+)</td>", categories) == ["2", "2", "1"]
