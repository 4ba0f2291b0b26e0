"""A community's periods, threshold, scope categories and negative list; working-day deadlines."""
from __future__ import annotations

from datetime import date, datetime

from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, select

from ... import clock
from ...accounts.models import Resident, Role
from ...accounts.permissions import require
from ...db import db, transaction, utcnow
from ...units.models import Unit
from ..models import (
    DEFAULT_CATEGORIES, DEFAULT_NEGATIVE_LIST, Category, NegativeListItem, ProposalSettings, WorkingDayOverride,
)
from .errors import InvalidInput

MAX_LIST = 20


def add_working_days(moment: datetime, days: int, *, community_id: int | None = None) -> datetime:
    """The end of the `days`-th working day after the moment's local date (`clock.add_working_days`: China's
    public holidays and 调休 count), with the community's own days, if it has any."""
    return clock.add_working_days(moment, days, overrides=working_days_of(community_id) if community_id else None)


def working_days_of(community_id: int) -> dict[date, bool]:
    """The community's own days: date → whether it is worked."""
    return dict(db.session.execute(select(WorkingDayOverride.day, WorkingDayOverride.is_working_day)
                                   .where(WorkingDayOverride.community_id == community_id)).all())


def working_day_lines(community_id: int) -> str:
    """The community's own days as admins edit them: "2026-12-31 休 元旦前调整", one a line."""
    rows = db.session.scalars(select(WorkingDayOverride).where(WorkingDayOverride.community_id == community_id)
                              .order_by(WorkingDayOverride.day))
    return "\n".join(f"{r.day.isoformat()} {WORKED if r.is_working_day else OFF} {r.note}".rstrip() for r in rows)


WORKED, OFF = "班", "休"
MAX_OVERRIDES = 60


@transaction
def save_working_days(community: Unit, *, admin: Resident, text: str, now: datetime | None = None) -> int:
    """An admin of the community sets its own days, one a line: a date, 班 (worked) or 休 (not), an optional note.
    The lines replace the community's previous list. Returns how many days it has now."""
    require(admin, Role.ADMIN, community)
    wanted: dict[date, tuple[bool, str]] = {}
    for number, line in enumerate((text or "").splitlines(), start=1):
        parts = line.split(maxsplit=2)
        if not parts:
            continue
        try:
            day = date.fromisoformat(parts[0])
        except ValueError:
            day = None
        kind = parts[1] if len(parts) > 1 else ""
        if day is None or kind not in (WORKED, OFF) or len(parts) > 2 and len(parts[2]) > 60 or day in wanted:
            raise InvalidInput(_l("Line %(n)d: write a date, then 班 or 休, then a note if you like, e.g. "
                                  "“2026-12-31 休 社区活动日”.", n=number), code="invalid_working_days", field="working_days")
        wanted[day] = (kind == WORKED, parts[2] if len(parts) > 2 else "")
    if len(wanted) > MAX_OVERRIDES:
        raise InvalidInput(_l("At most %(n)d days.", n=MAX_OVERRIDES), code="invalid_working_days", field="working_days")
    db.session.execute(delete(WorkingDayOverride).where(WorkingDayOverride.community_id == community.id))
    for day, (worked, note) in sorted(wanted.items()):
        db.session.add(WorkingDayOverride(community_id=community.id, day=day, is_working_day=worked, note=note,
                                          created_at=now or utcnow(), created_by_id=admin.id))
    db.session.flush()
    return len(wanted)


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
    staff edit from then on, not interface text). Run when a community is created (`receivers`) and by the
    migration that added this for the communities before it; pages never write them."""
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
