"""The proposal workflow's figures (points/proposals/figures.py) against a hand-built November 2026 in Shanghai, on
SQLite and PostgreSQL: matters and how they were concluded, party members' tasks, suggestions by stage, category
and deadline, and the same by compound. Cases are written as rows, so each date is exactly where the test says."""
from __future__ import annotations

import pytest

from points import clock
from points.domains import registry
from points.standing.boards import parse_period

from ..matters import November, utc


@pytest.fixture
def november(any_app):
    with any_app.app_context():
        clock.set(utc(2026, 12, 5))
        try:
            yield November()
        finally:
            clock.set(None)


def values(name: str, by: str, ids: list[int], period: str = "2026-11") -> dict[int, float]:
    start, end = parse_period("month", period).window
    return registry().figure_values(name, by=by, community_ids=ids, start=start, end=end)


def test_matters_of_the_community_and_how_they_were_concluded(november):
    c = november.c.id
    # open in November: A, B, E, F, L, Q (D concluded a minute before, G accepted after, H/I/J not topics)
    assert values("matters_total", "community", [c]) == {c: 6}
    assert values("matters_concluded", "community", [c]) == {c: 4}  # A, B, F (archived, not passed), L
    assert values("matters_on_time", "community", [c]) == {c: 3}  # B was a day late
    assert values("matter_rating_avg", "community", [c]) == {c: round((5 + 4 + 3 + 2) / 4, 2)}  # not D's 1


def test_another_community_is_counted_apart(november):
    c, other = november.c.id, november.other.id
    assert values("matters_concluded", "community", [other]) == {other: 1}
    assert set(values("matters_total", "community", [c, other])) == {c, other}
    assert values("matters_total", "community", []) == {}


def test_party_members_tasks(november):
    m, n = november.m.id, november.n.id
    assert values("tasks_claimed", "resident", [november.c.id]) == {m: 3, n: 1}  # A, B, E; L (not Q: staff's)
    assert values("tasks_done", "resident", [november.c.id]) == {m: 2, n: 1}
    assert values("tasks_done_on_time", "resident", [november.c.id]) == {m: 1, n: 1}
    assert values("task_rating_avg", "resident", [november.c.id]) == {m: 4.0, n: 2.0}
    assert values("tasks_claimed", "resident", [november.c.id], "2026-12") == {m: 1}  # E still open


def test_suggestions_awaiting_screening_overdue_and_cases_past_their_deadline(november):
    c = november.c.id
    assert values("suggestions_made", "community", [c]) == {c: 5}  # B, E, H, I, J
    assert values("suggestions_open", "community", [c]) == {c: 2}  # H, I at the end of November
    assert values("suggestions_overdue", "community", [c]) == {c: 1}  # H (due 28 Nov); I is due 4 Dec
    assert values("matters_overdue", "community", [c]) == {c: 2}  # E and Q; B was late but is done
    assert values("suggestions_overdue", "community", [c], "2026-10") == {}


def test_suggestions_by_stage_and_by_category(november):
    c = november.c.id
    start, end = parse_period("month", "2026-11").window
    stages = registry().breakdowns["suggestions_by_stage"].fn([c], start, end)[c]
    assert [n for _, n in stages] == [2, 1, 1, 1]  # submitted (H, I), rejected (J), implementing (E), archived (B)
    categories = registry().breakdowns["suggestions_by_category"].fn([c], start, end)[c]
    assert [(name, n) for name, n in categories[:2]] == [("环境", 2), ("秩序", 2)] and categories[2][1] == 1


def test_matters_by_compound(november):
    k1, k2 = november.k1.id, november.k2.id
    ids = [november.c.id]
    assert values("matters_total", "compound", ids) == {k1: 3, k2: 2}  # A, F, Q · B, L (E is community-wide)
    assert values("matters_concluded", "compound", ids) == {k1: 2, k2: 2}
    assert values("matters_on_time", "compound", ids) == {k1: 2, k2: 1}
    assert values("matter_rating_avg", "compound", ids) == {k1: 4.5, k2: 2.5}
