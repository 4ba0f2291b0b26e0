"""The pioneer index (先锋指数) and the fortress index (堡垒指数), as the Kenli seed uses them.

Pioneer index, per party member, 0-100: the tasks they claimed and carried out (党员领办) and their own
participation:
    100 × (w_done·done/claimed + w_on_time·on_time/done + w_rating·rating/5
           + w_meetings·min(1, meetings/(T_meetings·months)) + w_hours·min(1, hours/(T_hours·months))) / Σw

Fortress index, per community (its party organisation), 0-100: how the deliberation matters of the unit were
concluded (议事协商办结情况) and residents' participation:
    100 × (w_concluded·concluded/matters + w_on_time·on_time/concluded + w_rating·rating/5
           + w_participation·participants/residents
           + w_meetings·min(1, attendances/(residents·T_meetings/100·months))
           + w_hours·min(1, hours/(residents·T_hours/100·months))) / Σw

The same fortress index rates each compound or grid (小区/网格) of a community with the community's weights: the
matters about a unit inside the compound, and the residents living there (their participation, attendances and
hours).

Each share is 0 when there is nothing to divide by. Meetings, participants and residents come from the ledger and
the accounts in SQL (one GROUP BY each); tasks, matters and hours from the figures the proposal and volunteering
domains provide (`points.domains`), zero until they do. Weights and targets are per community (admins tune them);
the public rules page states them.
"""
from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, distinct, exists, func, select
from sqlalchemy.orm import aliased

from ..accounts.models import Resident, Role
from ..accounts.permissions import require
from ..db import db, transaction, utcnow
from ..domains import registry
from ..errors import DomainError
from ..ledger.models import Transaction, TransactionKind
from ..units.models import Level, Unit, compound_joins
from .models import IndexWeight

MEETING_ACTION = "meeting_attended"

PIONEER = {"pioneer_done": 30, "pioneer_on_time": 20, "pioneer_rating": 20, "pioneer_meetings": 15, "pioneer_hours": 15}
PIONEER_TARGETS = {"pioneer_meetings_target": 2, "pioneer_hours_target": 4}  # a month
FORTRESS = {"fortress_concluded": 25, "fortress_on_time": 15, "fortress_rating": 15, "fortress_participation": 25,
            "fortress_meetings": 10, "fortress_hours": 10}
FORTRESS_TARGETS = {"fortress_meetings_target": 50, "fortress_hours_target": 100}  # per 100 residents a month
DEFAULTS = {**PIONEER, **PIONEER_TARGETS, **FORTRESS, **FORTRESS_TARGETS}

LABELS = {
    "pioneer_done": _l("Tasks carried out (share of claimed)"), "pioneer_on_time": _l("Carried out on time (share)"),
    "pioneer_rating": _l("Residents' rating of the tasks"), "pioneer_meetings": _l("Meetings attended"),
    "pioneer_hours": _l("Volunteer hours"), "pioneer_meetings_target": _l("Target: meetings a month"),
    "pioneer_hours_target": _l("Target: volunteer hours a month"),
    "fortress_concluded": _l("Matters concluded (share)"), "fortress_on_time": _l("Concluded on time (share)"),
    "fortress_rating": _l("Residents' rating of the outcomes"), "fortress_participation": _l("Residents taking part (share)"),
    "fortress_meetings": _l("Meeting attendances per resident"), "fortress_hours": _l("Volunteer hours per resident"),
    "fortress_meetings_target": _l("Target: attendances per 100 residents a month"),
    "fortress_hours_target": _l("Target: volunteer hours per 100 residents a month"),
}


class InvalidWeight(DomainError):
    code = "invalid_weight"
    message = _l("A weight or target is a whole number from 0 to 1000.")


@dataclass(frozen=True)
class Score:
    id: int  # the resident (pioneer) or the community (fortress)
    name: str
    index: float
    parts: dict[str, float]  # each share, 0-1


def weights_for(community_id: int) -> dict[str, int]:
    return weights_of([community_id])[community_id]


def weights_of(community_ids: list[int]) -> dict[int, dict[str, int]]:
    """Each community's weights and targets, in one query."""
    out = {c: dict(DEFAULTS) for c in community_ids}
    if community_ids:
        for community_id, key, value in db.session.execute(
            select(IndexWeight.community_id, IndexWeight.key, IndexWeight.value).where(IndexWeight.community_id.in_(community_ids))
        ):
            if key in DEFAULTS:
                out[community_id][key] = value
    return out


@transaction
def set_weights(community, values: dict[str, int], *, admin) -> dict[str, int]:
    require(admin, Role.ADMIN, community)
    for key, value in values.items():
        if key not in DEFAULTS or not isinstance(value, int) or not 0 <= value <= 1000:
            raise InvalidWeight(field=key)
    db.session.execute(delete(IndexWeight).where(IndexWeight.community_id == community.id))
    for key, value in values.items():
        if value != DEFAULTS[key]:
            db.session.add(IndexWeight(community_id=community.id, key=key, value=value, updated_at=utcnow(),
                                       updated_by_id=getattr(admin, "id", None)))
    db.session.flush()
    return weights_for(community.id)


def _share(part: float, whole: float) -> float:
    return min(1.0, part / whole) if whole else 0.0


def _combine(weights: dict[str, int], parts: dict[str, float]) -> float:
    total = sum(weights[k] for k in parts)
    return round(100 * sum(weights[k] * parts[k] for k in parts) / total, 1) if total else 0.0


def _months(start, end) -> float:
    return max(1.0, round((end - start).days / 30.4))


def _meetings_by(column, community_ids, start, end):
    reversal = aliased(Transaction)
    return dict(db.session.execute(
        select(column, func.count(Transaction.id)).where(
            Transaction.community_id.in_(community_ids), Transaction.kind == TransactionKind.AWARD.value,
            Transaction.action == MEETING_ACTION, Transaction.created_at >= start, Transaction.created_at < end,
            ~exists().where(reversal.reverses_id == Transaction.id),
        ).group_by(column)
    ).all())


def pioneer_scores(community_id: int, start, end) -> list[Score]:
    """Every party member of the community, best first."""
    weights, months = weights_for(community_id), _months(start, end)
    members = db.session.execute(
        select(Resident.id, Resident.name).where(Resident.community_id == community_id, Resident.is_party_member.is_(True),
                                                 Resident.is_active_account.is_(True))
    ).all()
    meetings = _meetings_by(Transaction.resident_id, [community_id], start, end)
    figure = {name: registry().figure_values(name, by="resident", community_ids=[community_id], start=start, end=end)
              for name in ("volunteer_hours", "tasks_claimed", "tasks_done", "tasks_done_on_time", "task_rating_avg")}
    scores = []
    for member in members:
        f = {name: values.get(member.id, 0) for name, values in figure.items()}
        parts = {
            "pioneer_done": _share(f["tasks_done"], f["tasks_claimed"]),
            "pioneer_on_time": _share(f["tasks_done_on_time"], f["tasks_done"]),
            "pioneer_rating": _share(f["task_rating_avg"], 5),
            "pioneer_meetings": _share(meetings.get(member.id, 0), weights["pioneer_meetings_target"] * months),
            "pioneer_hours": _share(f["volunteer_hours"], weights["pioneer_hours_target"] * months),
        }
        scores.append(Score(member.id, member.name, _combine(weights, parts), parts))
    return sorted(scores, key=lambda s: (-s.index, s.id))


FORTRESS_FIGURES = ("volunteer_hours", "matters_total", "matters_concluded", "matters_on_time", "matter_rating_avg")


def _fortress(ident: int, name: str, weights: dict[str, int], months: float, people: int, participants: int,
              attendances: int, f: dict[str, float]) -> Score:
    parts = {
        "fortress_concluded": _share(f["matters_concluded"], f["matters_total"]),
        "fortress_on_time": _share(f["matters_on_time"], f["matters_concluded"]),
        "fortress_rating": _share(f["matter_rating_avg"], 5),
        "fortress_participation": _share(participants, people),
        "fortress_meetings": _share(attendances, people * weights["fortress_meetings_target"] / 100 * months),
        "fortress_hours": _share(f["volunteer_hours"], people * weights["fortress_hours_target"] / 100 * months),
    }
    return Score(ident, name, _combine(weights, parts), parts)


def _figures(by: str, ids: list[int], start, end) -> dict[str, dict[int, float]]:
    return {name: registry().figure_values(name, by=by, community_ids=ids, start=start, end=end) for name in FORTRESS_FIGURES}


def fortress_scores(communities, start, end) -> list[Score]:
    """Each community's fortress index (its own weights), best first."""
    ids = [c.id for c in communities]
    if not ids:
        return []
    months = _months(start, end)
    residents = dict(db.session.execute(
        select(Resident.community_id, func.count(Resident.id)).where(
            Resident.community_id.in_(ids), Resident.is_active_account.is_(True)).group_by(Resident.community_id)).all())
    participants = dict(db.session.execute(
        select(Transaction.community_id, func.count(distinct(Transaction.resident_id))).where(
            Transaction.community_id.in_(ids), Transaction.kind == TransactionKind.AWARD.value,
            Transaction.created_at >= start, Transaction.created_at < end).group_by(Transaction.community_id)).all())
    meetings = _meetings_by(Transaction.community_id, ids, start, end)
    figure, weights = _figures("community", ids, start, end), weights_of(ids)
    scores = [
        _fortress(c.id, c.name, weights[c.id], months, residents.get(c.id, 0), participants.get(c.id, 0),
                  meetings.get(c.id, 0), {name: values.get(c.id, 0) for name, values in figure.items()})
        for c in communities
    ]
    return sorted(scores, key=lambda s: (-s.index, s.id))


def compound_fortress_scores(community, start, end) -> list[Score]:
    """The fortress index of each compound or grid of the community (the community's weights), best first: the
    matters about a unit inside it, and its residents' participation. Every figure is one GROUP BY over the
    compounds, whatever their number."""
    compounds = db.session.execute(
        select(Unit.id, Unit.name).where(Unit.parent_id == community.id, Unit.level == Level.COMPOUND.value)
        .order_by(Unit.name, Unit.id)).all()
    if not compounds:
        return []
    ids, months, weights = [community.id], _months(start, end), weights_for(community.id)

    def by_compound(value, *conditions, frm=Resident, on=None) -> dict[int, int]:
        compound, joins = compound_joins(ids, Resident.unit_id)
        stmt = select(compound.id, value).select_from(frm)
        if on is not None:
            stmt = stmt.join(Resident, on)
        for target, condition in joins:
            stmt = stmt.join(target, condition)
        return dict(db.session.execute(stmt.where(*conditions).group_by(compound.id)).all())

    residents = by_compound(func.count(Resident.id), Resident.community_id == community.id, Resident.is_active_account.is_(True))
    in_window = (Transaction.community_id == community.id, Transaction.kind == TransactionKind.AWARD.value,
                 Transaction.created_at >= start, Transaction.created_at < end)
    participants = by_compound(func.count(distinct(Transaction.resident_id)), *in_window, frm=Transaction,
                               on=Resident.id == Transaction.resident_id)
    reversal = aliased(Transaction)
    meetings = by_compound(func.count(Transaction.id), *in_window, Transaction.action == MEETING_ACTION,
                           ~exists().where(reversal.reverses_id == Transaction.id), frm=Transaction,
                           on=Resident.id == Transaction.resident_id)
    figure = _figures("compound", ids, start, end)
    scores = [
        _fortress(k.id, k.name, weights, months, residents.get(k.id, 0), participants.get(k.id, 0), meetings.get(k.id, 0),
                  {name: values.get(k.id, 0) for name, values in figure.items()})
        for k in compounds
    ]
    return sorted(scores, key=lambda s: (-s.index, s.id))


@transaction
def save_settings(community, ladder: str, weights: dict[str, int], *, admin) -> None:
    """The admin page's one save: the level ladder and the index weights together, or neither."""
    from .levels import set_ladder

    set_ladder(community, ladder, admin=admin)
    set_weights(community, weights, admin=admin)
