"""The proposal workflow's figures for standing and oversight (`registry.figure`, `registry.breakdown`): the
matters a unit deliberated and how they were concluded (堡垒指数), the tasks party members claimed (党员领办,
先锋指数), and suggestions by stage, category and deadline (the dashboard's 督). Each is one SQL aggregate over
the communities asked for; nothing loops over residents or cases.

Over a window [start, end):
- a **matter** (议题) is a topic past screening (accepted, not rejected or merged) that was open at some time in the
  window: accepted before its end and not concluded before its start;
- it is **concluded** (办结) when marked done (`done_at`; a disputed completion reopens it) or archived without
  being carried out (not passed): concluded in the window when that happened in it;
- **on time** when done by the end of its deadline day (local time), or it had no deadline;
- its **rating** is the average of the residents' stars of the matters concluded in the window;
- a **task** (党员领办) is a matter whose owner is a party member (claimed, or assigned as one), counted for the
  owner while it was being carried out in the window (its implementation began before the window's end and it was
  not done before its start); done, on time and rating as for matters;
- **suggestions** made in the window, by their stage now and by category; awaiting screening and overdue, and cases
  past their implementation deadline, at the window's end (or now, for the window under way).

By compound (小区/网格): the matters whose affected unit lies in the compound (a matter about the whole community
counts in no compound).
"""
from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app, g
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, case, cast, exists, func, literal, or_, select
from sqlalchemy.types import DateTime

from .. import clock
from ..db import db, utcnow
from ..units.models import compound_joins
from .models import (
    PUBLIC_STATES,
    Category,
    OwnerKind,
    Proposal,
    ProposalState,
    ProposalTransition,
    Rating,
)

P = Proposal
TOPICS = [s.value for s in PUBLIC_STATES]  # past screening, neither rejected nor merged
CONCLUDED_AT = case((P.done_at.is_not(None), P.done_at), (P.state == ProposalState.ARCHIVED.value, P.archived_at), else_=None)


def _deadline_end():
    """The moment the local deadline day ends, in UTC, as SQL: done before it is on time."""
    if db.session.get_bind().dialect.name == "postgresql":
        return func.timezone(current_app.config.get("TIMEZONE") or clock.DEFAULT_TIMEZONE,
                             cast(P.due_on + 1, DateTime))
    # SQLite stores UTC as naive text; the zone's offset now (no daylight saving in China).
    offset = clock.local().utcoffset() or timedelta(0)
    return func.datetime(P.due_on, "+1 day", f"{-int(offset.total_seconds())} seconds")


def _on_time():
    return or_(P.due_on.is_(None), P.done_at < _deadline_end())


def _concluded_in(start: datetime, end: datetime):
    return and_(CONCLUDED_AT >= start, CONCLUDED_AT < end)


def _matters(community_ids: list[int], start: datetime, end: datetime):
    return and_(P.community_id.in_(community_ids), P.state.in_(TOPICS), P.screened_at < end,
                or_(CONCLUDED_AT.is_(None), CONCLUDED_AT >= start))


def _done_in(start: datetime, end: datetime):
    return and_(P.done_at >= start, P.done_at < end)


def _tasks(community_ids: list[int], start: datetime, end: datetime):
    began = exists().where(ProposalTransition.proposal_id == P.id,
                           ProposalTransition.to_state == ProposalState.IMPLEMENTING.value,
                           ProposalTransition.created_at < end)
    return and_(P.community_id.in_(community_ids), P.owner_kind == OwnerKind.PARTY_MEMBER.value,
                P.owner_id.is_not(None), began, or_(P.done_at.is_(None), P.done_at >= start))


def _grouped(group, value, *conditions, join_ratings: bool = False, compound=None) -> dict[int, float]:
    stmt = select(group, value).select_from(P)
    if join_ratings:
        stmt = stmt.join(Rating, Rating.proposal_id == P.id)
    if compound is not None:
        stmt = stmt.join(*compound)
    return _numbers(db.session.execute(stmt.where(*conditions).group_by(group)).all())


def _numbers(rows) -> dict[int, float]:
    """Counts stay whole numbers; averages (a Decimal on PostgreSQL) become floats of two decimals."""
    return {ident: number if isinstance(number, int) else round(float(number or 0), 2) for ident, number in rows}


def _count():
    return func.count(P.id)


def _stars():
    return func.avg(Rating.stars)


# -- by community --------------------------------------------------------------------------------------------
# The dashboard asks for each figure on its own; those of one kind come from one GROUP BY with conditional counts,
# read once per database transaction and window (a later transaction, e.g. after a service committed, reads anew).

def _once(kind: str, community_ids: list[int], start: datetime, end: datetime, build) -> dict[int, tuple]:
    memo = g.setdefault("proposal_figures", {})
    key = (kind, tuple(community_ids), start, end)
    hit = memo.get(key)
    if hit is not None and hit[0] is db.session().get_transaction():
        return hit[1]
    rows = {row[0]: tuple(row[1:]) for row in db.session.execute(build())}
    memo[key] = (db.session().get_transaction(), rows)
    return rows


def _counted(condition):
    return func.sum(case((condition, 1), else_=0))


def _matter_counts(community_ids, start, end) -> dict[int, tuple]:
    """Per community: (matters, concluded, concluded on time)."""
    concluded = _concluded_in(start, end)
    return _once("matters", community_ids, start, end, lambda: (
        select(P.community_id, func.count(P.id), _counted(concluded), _counted(and_(concluded, _on_time())))
        .where(_matters(community_ids, start, end)).group_by(P.community_id)))


def _moment(end: datetime) -> datetime:
    """What 'at the window's end' means: its end, or now for the window under way."""
    return min(end, utcnow())


def _suggestion_counts(community_ids, start, end) -> dict[int, tuple]:
    """Per community: (made in the window, awaiting screening, overdue for screening, cases past their deadline),
    the last three at the window's end."""
    at = _moment(end)
    awaiting = and_(P.submitted_at < at, or_(P.screened_at.is_(None), P.screened_at >= at))
    return _once("suggestions", community_ids, start, end, lambda: (
        select(P.community_id, _counted(and_(P.submitted_at >= start, P.submitted_at < end)), _counted(awaiting),
               _counted(and_(awaiting, P.screening_due_at <= at)),
               _counted(and_(P.due_on < clock.local_date(at), or_(P.done_at.is_(None), P.done_at >= at),
                             P.state.in_(TOPICS))))
        .where(P.community_id.in_(community_ids)).group_by(P.community_id)))


def _pick(counts: dict[int, tuple], index: int) -> dict[int, float]:
    return {ident: int(values[index] or 0) for ident, values in counts.items() if values[index]}


def matters_total(community_ids, start, end):
    return _pick(_matter_counts(community_ids, start, end), 0) if community_ids else {}


def matters_concluded(community_ids, start, end):
    return _pick(_matter_counts(community_ids, start, end), 1) if community_ids else {}


def matters_on_time(community_ids, start, end):
    return _pick(_matter_counts(community_ids, start, end), 2) if community_ids else {}


def matter_rating_avg(community_ids, start, end):
    if not community_ids:
        return {}
    return _grouped(P.community_id, _stars(), _matters(community_ids, start, end), _concluded_in(start, end),
                    join_ratings=True)


def suggestions_made(community_ids, start, end):
    return _pick(_suggestion_counts(community_ids, start, end), 0) if community_ids else {}


def suggestions_open(community_ids, start, end):
    return _pick(_suggestion_counts(community_ids, start, end), 1) if community_ids else {}


def suggestions_overdue(community_ids, start, end):
    return _pick(_suggestion_counts(community_ids, start, end), 2) if community_ids else {}


def matters_overdue(community_ids, start, end):
    """Cases past their implementation deadline and not done at the window's end (督办)."""
    return _pick(_suggestion_counts(community_ids, start, end), 3) if community_ids else {}


# -- by party member (党员领办) -------------------------------------------------------------------------------

def tasks_claimed(community_ids, start, end):
    return _grouped(P.owner_id, _count(), _tasks(community_ids, start, end)) if community_ids else {}


def tasks_done(community_ids, start, end):
    return _grouped(P.owner_id, _count(), _tasks(community_ids, start, end), _done_in(start, end)) if community_ids else {}


def tasks_done_on_time(community_ids, start, end):
    if not community_ids:
        return {}
    return _grouped(P.owner_id, _count(), _tasks(community_ids, start, end), _done_in(start, end), _on_time())


def task_rating_avg(community_ids, start, end):
    if not community_ids:
        return {}
    return _grouped(P.owner_id, _stars(), _tasks(community_ids, start, end), _done_in(start, end), join_ratings=True)


# -- by compound (小区/网格) ------------------------------------------------------------------------------------

def _by_compound(community_ids, value, *conditions, join_ratings: bool = False) -> dict[int, float]:
    if not community_ids:
        return {}
    compound, joins = compound_joins(community_ids, P.unit_id)
    stmt = select(compound.id, value).select_from(P)
    for target, on in joins:
        stmt = stmt.join(target, on)
    if join_ratings:
        stmt = stmt.join(Rating, Rating.proposal_id == P.id)
    return _numbers(db.session.execute(stmt.where(*conditions).group_by(compound.id)).all())


def compound_matters_total(community_ids, start, end):
    return _by_compound(community_ids, _count(), _matters(community_ids, start, end))


def compound_matters_concluded(community_ids, start, end):
    return _by_compound(community_ids, _count(), _matters(community_ids, start, end), _concluded_in(start, end))


def compound_matters_on_time(community_ids, start, end):
    return _by_compound(community_ids, _count(), _matters(community_ids, start, end), _concluded_in(start, end), _on_time())


def compound_matter_rating_avg(community_ids, start, end):
    return _by_compound(community_ids, _stars(), _matters(community_ids, start, end), _concluded_in(start, end),
                        join_ratings=True)


# -- breakdowns for the dashboard -------------------------------------------------------------------------------

def by_stage(community_ids, start, end) -> dict[int, list[tuple[str, float]]]:
    """Suggestions made in the window by the stage they are in now, in the workflow's order."""
    if not community_ids:
        return {}
    rows = db.session.execute(
        select(P.community_id, P.state, func.count(P.id))
        .where(P.community_id.in_(community_ids), P.submitted_at >= start, P.submitted_at < end)
        .group_by(P.community_id, P.state)
    ).all()
    counts = {(c, state): n for c, state, n in rows}
    return {c: [(s.label, counts[(c, s.value)]) for s in ProposalState if (c, s.value) in counts] for c in community_ids}


def by_category(community_ids, start, end) -> dict[int, list[tuple[str, float]]]:
    """Suggestions made in the window by scope category (协商范围), in the community's order of categories."""
    if not community_ids:
        return {}
    rows = db.session.execute(
        select(P.community_id, Category.name, func.count(P.id), func.min(Category.position))
        .outerjoin(Category, Category.id == P.category_id)
        .where(P.community_id.in_(community_ids), P.submitted_at >= start, P.submitted_at < end)
        .group_by(P.community_id, Category.id, Category.name)
        .order_by(P.community_id, func.coalesce(func.min(Category.position), literal(10_000)), Category.name)
    ).all()
    out: dict[int, list[tuple[str, float]]] = {c: [] for c in community_ids}
    for c, name, n, _position in rows:
        out[c].append((name or _("No category"), n))
    return out


def init_app(app) -> None:
    """Register every figure with the app's registry (called from the package's `init_app`)."""
    from ..domains import registry

    r = registry(app)
    for name, fn, label in (
        ("suggestions_made", suggestions_made, _l("Suggestions made")),
        ("suggestions_open", suggestions_open, _l("Suggestions awaiting screening")),
        ("suggestions_overdue", suggestions_overdue, _l("Suggestions overdue for screening")),
        ("matters_overdue", matters_overdue, _l("Cases past their deadline")),
        ("matters_total", matters_total, _l("Matters under deliberation or carried out")),
        ("matters_concluded", matters_concluded, _l("Matters concluded")),
        ("matters_on_time", matters_on_time, _l("Matters concluded on time")),
        ("matter_rating_avg", matter_rating_avg, _l("Residents' average rating of concluded matters")),
    ):
        r.figure(name, fn, by="community", label=label)
    for name, fn in (("tasks_claimed", tasks_claimed), ("tasks_done", tasks_done),
                     ("tasks_done_on_time", tasks_done_on_time), ("task_rating_avg", task_rating_avg)):
        r.figure(name, fn, by="resident")
    for name, fn in (("matters_total", compound_matters_total), ("matters_concluded", compound_matters_concluded),
                     ("matters_on_time", compound_matters_on_time), ("matter_rating_avg", compound_matter_rating_avg)):
        r.figure(name, fn, by="compound")
    r.breakdown("suggestions_by_stage", by_stage, label=_l("Suggestions by stage"))
    r.breakdown("suggestions_by_category", by_category, label=_l("Suggestions by category"))
