"""What a resident may have: a reward's active dates, per-resident limits, and the catalogue as they see it."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from ... import clock
from ...accounts.models import Resident
from ...db import db, utcnow
from ...ledger import services as ledger
from ..models import VOIDED, LimitPeriod, Redemption, Reward


def is_available(reward: Reward, now: datetime | None = None) -> bool:
    """Listed, and today (local date) within its active dates."""
    today = clock.local_date(now)
    return bool(reward.is_listed) and (reward.available_from is None or reward.available_from <= today) and (
        reward.available_until is None or today <= reward.available_until
    )


PERIOD_WINDOWS = {LimitPeriod.WEEK: clock.week, LimitPeriod.MONTH: clock.month, LimitPeriod.YEAR: clock.year}


def period_start(period: LimitPeriod, now: datetime) -> datetime | None:
    """The start of the current limit period in local time (weeks start on Monday); None for `ever`."""
    window = PERIOD_WINDOWS.get(period)
    return window(now)[0] if window is not None else None


def _counting(stmt):
    """Requests that count towards a limit: everything except those whose hold was voided."""
    return stmt.where(Redemption.state.not_in([s.value for s in VOIDED]))


def remaining_limit(resident: Resident, reward: Reward, now: datetime | None = None) -> int | None:
    limit = reward.limit
    if limit is None:
        return None
    count, period = limit
    stmt = _counting(select(func.count(Redemption.id)).where(
        Redemption.resident_id == resident.id, Redemption.reward_id == reward.id))
    start = period_start(period, now or utcnow())
    if start is not None:
        stmt = stmt.where(Redemption.requested_at >= start)
    return max(count - (db.session.scalar(stmt) or 0), 0)


@dataclass(frozen=True)
class CatalogueEntry:
    reward: Reward
    available: bool
    affordable: bool
    remaining: int | None  # None: no limit

    @property
    def can_request(self) -> bool:
        return self.available and self.affordable and self.reward.stock > 0 and self.remaining != 0


def catalogue(resident: Resident, *, now: datetime | None = None) -> list[CatalogueEntry]:
    """The resident's community's rewards as the resident sees them, in three queries whatever the size."""
    now = now or utcnow()
    rewards = list(db.session.scalars(
        select(Reward).where(Reward.community_id == resident.community_id, Reward.is_listed.is_(True))
        .order_by(Reward.stock == 0, Reward.price, Reward.id)
    ))
    balance = ledger.balance_of(resident)
    mine = db.session.execute(_counting(
        select(Redemption.reward_id, Redemption.requested_at).where(Redemption.resident_id == resident.id)
    )).all()
    entries = []
    for reward in rewards:
        available = is_available(reward, now)
        if reward.available_until is not None and reward.available_until < clock.local_date(now):
            continue  # finished ones drop out; coming ones stay visible with their start date
        remaining = None
        if reward.limit is not None:
            count, period = reward.limit
            start = period_start(period, now)
            used = sum(1 for rid, at in mine if rid == reward.id and (start is None or at >= start))
            remaining = max(count - used, 0)
        entries.append(CatalogueEntry(reward, available, balance >= reward.price, remaining))
    return entries

