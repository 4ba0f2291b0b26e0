"""The pioneer and fortress indices against figures computed by hand, with providers standing in for the proposal
and volunteering domains; weights tuned by an admin change the result as the rules page says."""
from __future__ import annotations

from datetime import UTC, datetime

import pytest

from points.accounts import services as accounts
from points.accounts.models import Role
from points.accounts.permissions import SYSTEM
from points.checkin.earning import MEETING_ATTENDED
from points.db import db
from points.domains import registry
from points.ledger import services as ledger
from points.standing import indices
from points.standing.boards import parse_period
from points.standing.indices import (
    InvalidWeight,
    fortress_scores,
    pioneer_scores,
    set_weights,
)

from ..helpers import login, provide_figure
from ..matters import November

AT = datetime(2026, 11, 10, 2, 0, tzinfo=UTC)


@pytest.fixture
def world(app, make, clock):
    clock.set(AT)
    community = make.community()
    party, a, _b, _c = (make.resident(community, name=n) for n in ("党员甲", "居民乙", "居民丙", "居民丁"))
    party.is_party_member = True
    db.session.commit()
    ledger.award(party, MEETING_ATTENDED, key="p1", cause=("test", 1))
    ledger.award(a, MEETING_ATTENDED, key="a1", cause=("test", 2))
    ledger.award(a, MEETING_ATTENDED, key="a2", cause=("test", 3))
    by_resident = {"volunteer_hours": {party.id: 2}, "tasks_claimed": {party.id: 4}, "tasks_done": {party.id: 3},
                   "tasks_done_on_time": {party.id: 2}, "task_rating_avg": {party.id: 4.5}}
    by_community = {"matters_total": 10, "matters_concluded": 8, "matters_on_time": 4, "matter_rating_avg": 4.0,
                    "volunteer_hours": 3}
    for name, values in by_resident.items():
        provide_figure(app, name, lambda ids, s, e, v=values: v, by="resident", label=name)
    for name, value in by_community.items():
        provide_figure(app, name, lambda ids, s, e, v=value: {community.id: v}, by="community", label=name)
    return community, party


def test_pioneer_index_by_hand(world):
    community, party = world
    start, end = parse_period("month", "2026-11").window
    [score] = pioneer_scores(community.id, start, end)
    # done 3/4, on time 2/3, rating 4.5/5, meetings 1/2 a month, hours 2/4 a month; weights 30/20/20/15/15
    assert score.id == party.id
    assert score.index == round(30 * .75 + 20 * 2 / 3 + 20 * .9 + 15 * .5 + 15 * .5, 1) == 68.8


def test_fortress_index_by_hand_and_with_tuned_weights(world, make):
    community, _ = world
    start, end = parse_period("month", "2026-11").window
    [score] = fortress_scores([community], start, end)
    # concluded 8/10, on time 4/8, rating 4/5, 2 of 4 residents took part, 3 attendances against 4×50/100 (capped),
    # 3 hours against 4×100/100; weights 25/15/15/25/10/10
    assert score.parts["fortress_meetings"] == 1.0
    assert score.index == 25 * .8 + 15 * .5 + 15 * .8 + 25 * .5 + 10 * 1 + 10 * .75 == 69.5
    weights = {**indices.DEFAULTS, "fortress_participation": 0}
    set_weights(community, weights, admin=make.admin(community))
    [tuned] = fortress_scores([community], start, end)
    assert tuned.index == round(100 * (25 * .8 + 15 * .5 + 15 * .8 + 10 * 1 + 10 * .75) / 75, 1) == 76.0
    with pytest.raises(InvalidWeight) as error:
        set_weights(community, {**weights, "fortress_rating": -1}, admin=make.admin(community))
    assert error.value.code == "invalid_weight"


def test_a_year_counts_twelve_months_of_targets(world):
    community, _ = world
    start, end = parse_period("year", "2026").window
    [score] = pioneer_scores(community.id, start, end)
    assert score.parts["pioneer_meetings"] == pytest.approx(1 / 24)


def test_without_providers_the_indices_read_zero_for_their_parts(app, make, clock):
    clock.set(AT)
    community = make.community()
    resident = make.resident(community)
    ledger.award(resident, MEETING_ATTENDED, key="x", cause=("test", 1))
    start, end = parse_period("month", "2026-11").window
    [score] = fortress_scores([community], start, end)
    assert score.parts["fortress_concluded"] == 0 and score.parts["fortress_participation"] == 1.0


def test_the_rules_page_states_the_formulas_and_weights(client, world):
    community, _ = world
    page = client.get(f"/rules/{community.id}").get_data(as_text=True)
    assert "先锋指数" in page and "堡垒指数" in page and "新芽" in page and "首条建议" in page


# -- the same indices read from the proposal workflow's own figures (points/proposals/figures.py) --------------

@pytest.fixture
def november(app, ctx, clock):
    clock.set(datetime(2026, 12, 5, tzinfo=UTC))
    world = November()
    world.m.is_party_member = world.n.is_party_member = True
    db.session.commit()
    ledger.award(world.m, MEETING_ATTENDED, key="nov", cause=("test", 1), now=datetime(2026, 11, 10, tzinfo=UTC))
    return world


def test_pioneer_index_from_the_tasks_party_members_carried_out(november):
    start, end = parse_period("month", "2026-11").window
    scores = {s.id: s for s in pioneer_scores(november.c.id, start, end)}
    # 甲: done 2 of 3 claimed, 1 of 2 on time, rated 4.0, 1 meeting of 2 a month, no hours
    assert scores[november.m.id].index == round(30 * 2 / 3 + 20 * .5 + 20 * .8 + 15 * .5, 1) == 53.5
    # 乙: done 1 of 1, on time, rated 2.0
    assert scores[november.n.id].index == 30 + 20 + 20 * .4 == 58.0


def test_fortress_index_of_the_community_and_of_each_compound_from_its_matters(november):
    start, end = parse_period("month", "2026-11").window
    [community] = fortress_scores([november.c], start, end)
    # concluded 4 of 6, on time 3 of 4, rated 3.5; 1 of 8 residents took part; 1 attendance against 8×50/100
    assert community.index == round(25 * 4 / 6 + 15 * .75 + 15 * .7 + 25 / 8 + 10 * .25, 1) == 44.0
    compounds = {s.id: s for s in indices.compound_fortress_scores(november.c, start, end)}
    assert set(compounds) == {november.k1.id, november.k2.id}
    # 一号院: A, F, Q about it; 2 of 3 concluded, both on time, rated 4.5; all 8 residents live there
    assert compounds[november.k1.id].index == round(25 * 2 / 3 + 15 + 15 * .9 + 25 / 8 + 10 * .25, 1) == 50.8
    # 二号院: B and L, both concluded, one on time, rated 2.5; nobody lives there
    assert compounds[november.k2.id].index == 25 + 15 * .5 + 15 * .5 == 40.0
    assert compounds[november.k2.id].parts["fortress_participation"] == 0


def test_volunteer_hours_count_in_the_compound_the_volunteer_lives_in(november):
    november.serve(november.m, start=datetime(2026, 11, 20, 6, tzinfo=UTC), hours=2)
    window = parse_period("month", "2026-11").window
    hours = registry().figure_values("volunteer_hours", by="compound", community_ids=[november.c.id], start=window[0],
                                     end=window[1])
    assert hours == {november.k1.id: 2.0}
    k1 = next(s for s in indices.compound_fortress_scores(november.c, *window) if s.id == november.k1.id)
    assert k1.parts["fortress_hours"] == 2 / 8  # against 8 residents × 100/100 hours a month


def test_the_honour_roll_and_the_staff_page_show_the_compounds(november, client):
    page = client.get(f"/honour/{november.c.id}?period=month&at=2026-11").get_data(as_text=True)
    assert 'data-testid="compound-fortress"' in page and "二号院" in page and "50.8" in page and "40.0" in page

    accounts.grant_role(november.staff, Role.STAFF, november.c, admin=SYSTEM)
    login(client, november.staff)
    staff_page = client.get(f"/staff/indices/{november.c.id}?period=month&at=2026-11").get_data(as_text=True)
    assert 'data-testid="compound-fortress"' in staff_page and "50.8" in staff_page and "53.5" in staff_page
