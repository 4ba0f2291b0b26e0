"""Badges for milestones, each earned once per resident.

A badge counts either the resident's awards of some earning actions in the ledger (an award undone by a reversal
does not count) or a figure another domain provides by resident (volunteer hours; `points.domains`). It is granted
inside the transaction of the award that earns it (`receivers.py`), and by `points standing badges` for whatever
an award could not see (badges added later, figures that changed without an award). The unique constraint on
(resident, badge) and INSERT … ON CONFLICT DO NOTHING make both idempotent under replays and races.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from flask_babel import lazy_gettext as _l
from sqlalchemy import exists, func, literal, select
from sqlalchemy.orm import aliased

from ..db import db, transaction, utcnow
from ..domains import registry
from ..ledger.models import Transaction, TransactionKind
from ..ledger.services import count_awards_of
from ..ledger.services.booking import insert_ignore
from .models import EarnedBadge

EPOCH = datetime(2000, 1, 1, tzinfo=timezone.utc)


@dataclass(frozen=True)
class Badge:
    code: str
    label: object
    description: object
    glyph: str  # one or two characters drawn in the badge
    color: str
    count: int  # how many awards (or figure units) earn it
    actions: tuple[str, ...] = ()  # earning action codes counted in the ledger
    figure: str | None = None  # or a figure by resident (points.domains)


BADGES: tuple[Badge, ...] = (
    Badge("first_suggestion", _l("First suggestion"), _l("Made a first suggestion."), "议", "#1d6fb8", 1,
          actions=("suggestion_submitted",)),
    Badge("first_accepted", _l("First accepted topic"), _l("A suggestion was accepted as a topic."), "采", "#b8571d", 1,
          actions=("suggestion_accepted",)),
    Badge("meetings_5", _l("5 meetings"), _l("Attended 5 deliberation meetings."), "5", "#2e7d32", 5,
          actions=("meeting_attended",)),
    Badge("meetings_20", _l("20 meetings"), _l("Attended 20 deliberation meetings."), "20", "#1b5e20", 20,
          actions=("meeting_attended",)),
    Badge("first_rating", _l("First rating"), _l("Rated a finished proposal."), "评", "#6a1b9a", 1, actions=("rating",)),
    Badge("proposal_done", _l("Proposal carried out"), _l("A proposal of theirs was carried out and rated well."),
          "办", "#c62828", 1, actions=("proposal_done_rated",)),
    Badge("volunteer_10", _l("10 volunteer hours"), _l("Served 10 confirmed volunteer hours."), "10", "#00838f", 10,
          figure="volunteer_hours"),
    Badge("volunteer_50", _l("50 volunteer hours"), _l("Served 50 confirmed volunteer hours."), "50", "#006064", 50,
          figure="volunteer_hours"),
    Badge("volunteer_100", _l("100 volunteer hours"), _l("Served 100 confirmed volunteer hours."), "100", "#004d40", 100,
          figure="volunteer_hours"),
)
BY_CODE = {badge.code: badge for badge in BADGES}
count_awards_of(*{action for badge in BADGES if len(badge.actions) == 1 for action in badge.actions})
VOLUNTEER_ACTION = "volunteer_hour"  # the volunteering domain's earning action: its awards re-read the figure


def _counted_awards(actions: tuple[str, ...]):
    """Award transactions of these actions that no reversal undid."""
    reversal = aliased(Transaction)
    return (
        Transaction.kind == TransactionKind.AWARD.value,
        Transaction.action.in_(actions),
        ~exists().where(reversal.reverses_id == Transaction.id),
    )


def grant_for_award(tx: Transaction, *, now: datetime, awards_of_action: int | None = None) -> list[str]:
    """Inside the award's transaction: the badges this award may have completed for its resident.

    `awards_of_action` is the count the ledger read in the award's own locked statement (this award included;
    `count_awards_of` below asks for it): a badge on that one action is granted by the award that reaches its number, with no query.
    Earlier crossings were granted by their own award; a badge added later, by `points standing badges`."""
    granted = []
    counts: dict[tuple[str, ...], int] = {}  # badges on the same actions (5 and 20 meetings) share one count
    for badge in BADGES:
        if badge.actions == (tx.action,) and awards_of_action is not None:
            reached = awards_of_action == badge.count
        elif badge.actions and tx.action in badge.actions:
            if badge.actions not in counts:
                counts[badge.actions] = db.session.scalar(select(func.count(Transaction.id)).where(
                    Transaction.resident_id == tx.resident_id, *_counted_awards(badge.actions))) or 0
            reached = counts[badge.actions] >= badge.count
        elif badge.figure and tx.action == VOLUNTEER_ACTION:
            values = registry().figure_values(badge.figure, by="resident", community_ids=[tx.community_id],
                                              start=EPOCH, end=now + timedelta(days=1))
            reached = values.get(tx.resident_id, 0) >= badge.count
        else:
            continue
        if reached and _insert(tx.resident_id, tx.community_id, badge.code, now):
            granted.append(badge.code)
    return granted


def _insert(resident_id: int, community_id: int, code: str, now: datetime) -> bool:
    result = db.session.execute(insert_ignore(EarnedBadge, resident_id=resident_id, community_id=community_id, badge=code, earned_at=now))
    return bool(result.rowcount)


@transaction
def catch_up(*, now: datetime | None = None) -> int:
    """Grant every badge already earned and not yet recorded, in SQL (one INSERT … SELECT per badge). Returns how
    many were granted."""
    now = now or utcnow()
    dialect = db.session.get_bind().dialect.name
    from sqlalchemy.dialects import postgresql, sqlite

    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    granted = 0
    for badge in BADGES:
        if badge.actions:
            chosen = (
                select(Transaction.resident_id, Transaction.community_id, literal(badge.code), func.min(Transaction.created_at)
                       if badge.count == 1 else literal(now, EarnedBadge.earned_at.type))
                .where(Transaction.resident_id.is_not(None), *_counted_awards(badge.actions))
                .group_by(Transaction.resident_id, Transaction.community_id)
                .having(func.count(Transaction.id) >= badge.count)
            )
            stmt = insert(EarnedBadge).from_select(["resident_id", "community_id", "badge", "earned_at"], chosen)
            granted += len(db.session.execute(stmt.on_conflict_do_nothing().returning(EarnedBadge.id)).all())
        elif badge.figure:
            from ..accounts.models import Resident

            communities = db.session.scalars(select(Resident.community_id).distinct()).all()
            values = registry().figure_values(badge.figure, by="resident", community_ids=communities, start=EPOCH,
                                              end=now + timedelta(days=1))
            qualifying = [rid for rid, value in values.items() if value >= badge.count]
            for resident_id, community_id in db.session.execute(
                select(Resident.id, Resident.community_id).where(Resident.id.in_(qualifying))
            ) if qualifying else []:
                granted += _insert(resident_id, community_id, badge.code, now)
    return granted


def badges_of(resident) -> list[tuple[Badge, datetime]]:
    rows = db.session.execute(
        select(EarnedBadge.badge, EarnedBadge.earned_at).where(EarnedBadge.resident_id == resident.id).order_by(EarnedBadge.earned_at, EarnedBadge.id)
    ).all()
    return [(BY_CODE[row.badge], row.earned_at) for row in rows if row.badge in BY_CODE]
