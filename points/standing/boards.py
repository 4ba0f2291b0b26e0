"""The honour roll (光荣榜): top residents by points earned and by volunteer hours in a local month or year.

Names are masked (王**) unless the resident chose to show theirs; a resident who opted out is on no public list.
Every figure is one SQL aggregate over the period's transactions (or the provider's, for hours).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, func, or_, select

from .. import clock
from ..accounts.models import Resident
from ..db import db, transaction, utcnow
from ..domains import registry
from ..ledger.models import Account, AccountKind, Posting, Transaction, TransactionKind
from .models import PublicChoice

TOP = 10
EARNING_KINDS = (TransactionKind.AWARD.value, TransactionKind.MANUAL_AWARD.value, TransactionKind.REVERSAL.value)


@dataclass(frozen=True)
class Period:
    kind: str  # "month" or "year"
    first: date  # its first local day

    @property
    def window(self) -> clock.Window:
        moment = clock.to_utc(datetime(self.first.year, self.first.month, 1))
        return clock.month(moment) if self.kind == "month" else clock.year(moment)

    @property
    def key(self) -> str:
        return self.first.strftime("%Y-%m") if self.kind == "month" else str(self.first.year)

    @property
    def label(self) -> str:
        from flask_babel import gettext as _

        if self.kind == "month":
            return _("%(year)d-%(month)02d", year=self.first.year, month=self.first.month)
        return _("Year %(year)d", year=self.first.year)


def parse_period(kind: str | None, at: str | None) -> Period:
    """From the query string (`period=month|year`, `at=2026-11` or `2026`); anything else is this local month."""
    today = clock.local_date()
    kind = kind if kind in ("month", "year") else "month"
    at = at or ""
    if kind == "month" and (m := re.fullmatch(r"(\d{4})-(\d{1,2})", at)) and 1 <= int(m[2]) <= 12 and 2000 <= int(m[1]) <= 2100:
        return Period("month", date(int(m[1]), int(m[2]), 1))
    if kind == "year" and (m := re.fullmatch(r"(\d{4})", at)) and 2000 <= int(m[1]) <= 2100:
        return Period("year", date(int(m[1]), 1, 1))
    return Period(kind, today.replace(day=1) if kind == "month" else today.replace(month=1, day=1))


def mask(name: str) -> str:
    """王小明 → 王**, 李四 → 李*: the family name and one star per further character."""
    return (name[:1] + "*" * max(len(name) - 1, 1)) if name else "*"


@dataclass(frozen=True)
class Entry:
    rank: int
    name: str
    value: float


def _shown_name(name: str, shown: bool | None) -> str:
    return name if shown else mask(name)


def visible():
    """Residents who did not opt out of public lists (no choice recorded counts as visible, masked)."""
    return or_(PublicChoice.is_hidden.is_(None), PublicChoice.is_hidden.is_(False))


def top_earners(community_id: int, period: Period, limit: int = TOP) -> list[Entry]:
    start, end = period.window
    earned = func.sum(Posting.amount).label("earned")
    stmt = (
        select(Resident.name, PublicChoice.is_name_shown, earned)
        .select_from(Transaction)
        .join(Posting, Posting.transaction_id == Transaction.id)
        .join(Account, and_(Account.id == Posting.account_id, Account.kind == AccountKind.WALLET.value))
        .join(Resident, Resident.id == Account.resident_id)
        .outerjoin(PublicChoice, PublicChoice.resident_id == Resident.id)
        .where(Transaction.community_id == community_id, Transaction.kind.in_(EARNING_KINDS),
               Transaction.created_at >= start, Transaction.created_at < end, visible())
        .group_by(Resident.id, Resident.name, PublicChoice.is_name_shown)
        .having(func.sum(Posting.amount) > 0)
        .order_by(earned.desc(), Resident.id)
        .limit(limit)
    )
    return [Entry(i, _shown_name(r.name, r.is_name_shown), int(r.earned)) for i, r in enumerate(db.session.execute(stmt), 1)]


def top_volunteers(community_id: int, period: Period, limit: int = TOP) -> list[Entry]:
    start, end = period.window
    hours = registry().figure_values("volunteer_hours", by="resident", community_ids=[community_id], start=start, end=end)
    ids = [rid for rid, value in hours.items() if value > 0]
    if not ids:
        return []
    rows = db.session.execute(
        select(Resident.id, Resident.name, PublicChoice.is_name_shown)
        .outerjoin(PublicChoice, PublicChoice.resident_id == Resident.id)
        .where(Resident.id.in_(ids), Resident.community_id == community_id, visible())
    ).all()
    ranked = sorted(rows, key=lambda r: (-hours[r.id], r.id))[:limit]
    return [Entry(i, _shown_name(r.name, r.is_name_shown), hours[r.id]) for i, r in enumerate(ranked, 1)]


def choice_of(resident) -> PublicChoice:
    return db.session.get(PublicChoice, resident.id) or PublicChoice(resident_id=resident.id, is_name_shown=False, is_hidden=False)


@transaction
def set_public_choice(resident, *, show_name: bool, hidden: bool, now: datetime | None = None) -> PublicChoice:
    """The resident's own choice (only they make it): show their full name on public lists, or stay off them."""
    choice = db.session.get(PublicChoice, resident.id)
    if choice is None:
        choice = PublicChoice(resident_id=resident.id)
        db.session.add(choice)
    choice.is_name_shown, choice.is_hidden, choice.updated_at = bool(show_name), bool(hidden), now or utcnow()
    db.session.flush()
    return choice


PERIOD_KINDS = {"month": _l("Month"), "year": _l("Year")}


def neighbour_communities(community) -> list:
    """The communities of the same street (the community itself at least), for the fortress ranking."""
    from ..units.models import Level, Unit, natural_order

    if community.parent_id is None:
        return [community]
    return natural_order(db.session.scalars(select(Unit).where(Unit.parent_id == community.parent_id,
                                                               Unit.level == Level.COMMUNITY.value)))
