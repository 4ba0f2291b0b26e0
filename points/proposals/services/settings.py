"""A community's periods, threshold, scope categories and negative list; working-day deadlines."""
from __future__ import annotations

from datetime import datetime

from flask_babel import force_locale
from sqlalchemy import select

from ... import clock
from ...accounts.models import Resident, Role
from ...accounts.permissions import require
from ...db import db, transaction, utcnow
from ...units.models import Unit
from ..models import DEFAULT_CATEGORIES, DEFAULT_NEGATIVE_LIST, Category, NegativeListItem, ProposalSettings
from .errors import InvalidInput

MAX_LIST = 20


def add_working_days(moment: datetime, days: int) -> datetime:
    """The end of the `days`-th working day after the moment's local date (`clock.add_working_days`: China's
    public holidays and 调休 count)."""
    return clock.add_working_days(moment, days)


def settings_for(community_id: int) -> ProposalSettings:
    """The community's settings, or the defaults (not stored) when staff never changed them."""
    found = db.session.get(ProposalSettings, community_id)
    return found or ProposalSettings(community_id=community_id, screening_days=5, objection_days=5, rating_days=7,
                                     threshold_percent=50)


@transaction
def save_settings(community: Unit, *, staff: Resident, screening_days: int, objection_days: int, rating_days: int,
                  threshold_percent: int, categories: list[str] | None = None, negative_items: list[str] | None = None,
                  now: datetime | None = None) -> ProposalSettings:
    """Periods and threshold, and (when given) both lists, in one go."""
    require(staff, Role.STAFF, community)
    for field, value, low, high in (("screening_days", screening_days, 1, 60), ("objection_days", objection_days, 1, 60),
                                    ("rating_days", rating_days, 1, 90), ("threshold_percent", threshold_percent, 0, 99)):
        if not isinstance(value, int) or not low <= value <= high:
            raise InvalidInput(code=f"invalid_{field}", field=field)
    row = db.session.get(ProposalSettings, community.id) or ProposalSettings(community_id=community.id)
    row.screening_days, row.objection_days, row.rating_days = screening_days, objection_days, rating_days
    row.threshold_percent, row.updated_at, row.updated_by_id = threshold_percent, now or utcnow(), staff.id
    db.session.add(row)
    db.session.flush()
    if categories is not None and negative_items is not None:
        save_lists(community, staff=staff, categories=categories, negative_items=negative_items)
    return row


def categories_of(community_id: int, *, active_only: bool = True) -> list[Category]:
    stmt = select(Category).where(Category.community_id == community_id)
    if active_only:
        stmt = stmt.where(Category.is_active)
    return list(db.session.scalars(stmt.order_by(Category.position, Category.id)))


def negative_list_of(community_id: int, *, active_only: bool = True) -> list[NegativeListItem]:
    stmt = select(NegativeListItem).where(NegativeListItem.community_id == community_id)
    if active_only:
        stmt = stmt.where(NegativeListItem.is_active)
    return list(db.session.scalars(stmt.order_by(NegativeListItem.position, NegativeListItem.id)))


@transaction
def ensure_lists(community_id: int) -> None:
    """A community that never had lists gets the seeds' five categories and 五不议, in Chinese (they are data
    staff edit from then on, not interface text)."""
    with force_locale("zh"):
        if db.session.scalar(select(Category.id).where(Category.community_id == community_id).limit(1)) is None:
            for position, name in enumerate(DEFAULT_CATEGORIES):
                db.session.add(Category(community_id=community_id, name=str(name), position=position))
        if db.session.scalar(select(NegativeListItem.id).where(NegativeListItem.community_id == community_id).limit(1)) is None:
            for position, name in enumerate(DEFAULT_NEGATIVE_LIST):
                db.session.add(NegativeListItem(community_id=community_id, name=str(name), position=position))
    db.session.flush()


@transaction
def save_lists(community: Unit, *, staff: Resident, categories: list[str], negative_items: list[str]) -> None:
    """Staff edit both lists as lines: a name kept stays, a new one is added, a missing one is retired (kept for
    the cases that name it)."""
    require(staff, Role.STAFF, community)
    for model, names, field, max_length in ((Category, categories, "categories", 60),
                                            (NegativeListItem, negative_items, "negative_items", 80)):
        wanted = [n.strip() for n in names if n.strip()]
        if not wanted or len(wanted) > MAX_LIST or any(len(n) > max_length for n in wanted) or len(set(wanted)) != len(wanted):
            raise InvalidInput(code=f"invalid_{field}", field=field)
        existing = {row.name: row for row in db.session.scalars(select(model).where(model.community_id == community.id))}
        for position, name in enumerate(wanted):
            row = existing.pop(name, None) or model(community_id=community.id, name=name)
            row.position, row.is_active = position, True
            db.session.add(row)
        for row in existing.values():
            row.is_active = False
    db.session.flush()
