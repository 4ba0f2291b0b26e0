"""The figures the public books (明白账) and the staff dashboard show, each one SQL aggregate over the communities
asked for (the number of queries does not grow with residents or communities).

Points: issued (net of reversals) and redeemed in a window, held and outstanding at its end. The current totals
are the community accounts' cached balances; a window reads the ledger's hourly totals since its start (kept with
every booking); `points ledger verify` recomputes both from the postings, so the books never scan the ledger.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import and_, case, func, select

from .. import clock
from ..bank.models import Donation, Partner, Redemption, RedemptionState, Reward
from ..checkin.models import Checkin, CheckinUndo, Meeting, MeetingStatus
from ..db import db
from ..domains import registry
from ..ledger.models import Account, AccountKind, HourlyTotal

LOW_STOCK = 3
COMMUNITY_KINDS = (AccountKind.ISSUANCE.value, AccountKind.HOLDS.value, AccountKind.REDEEMED.value)


@dataclass
class PointsLine:
    label: str  # the month ("2026-11") or the period
    start: datetime
    end: datetime
    issued: int = 0
    redeemed: int = 0
    held: int = 0  # at the end of the window
    outstanding: int = 0  # in residents' wallets at the end of the window


def months_back(count: int, *, now: datetime | None = None) -> list[tuple[str, datetime, datetime]]:
    """The last `count` local months up to the one containing `now`, oldest first, as (label, start, end)."""
    windows = []
    start, end = clock.month(now)
    for _ in range(count):
        windows.append((clock.local(start).strftime("%Y-%m"), start, end))
        start, end = clock.month(start - timedelta(hours=12))
    return list(reversed(windows))


def points_lines(community_ids: list[int], windows: list[tuple[str, datetime, datetime]]) -> dict[int, list[PointsLine]]:
    """Per community, one line per window (consecutive, oldest first, the last one ending now or later)."""
    if not community_ids or not windows:
        return {}
    first = windows[0][1]
    accounts = db.session.execute(
        select(Account.community_id, Account.kind, Account.balance)
        .where(Account.community_id.in_(community_ids), Account.kind.in_(COMMUNITY_KINDS), Account.resident_id.is_(None))
    ).all()
    balance = {(a.community_id, a.kind): a.balance for a in accounts}
    columns = [func.sum(case((and_(HourlyTotal.hour >= s, HourlyTotal.hour < e), HourlyTotal.amount), else_=0))
               for _, s, e in windows]
    rows = db.session.execute(
        select(HourlyTotal.community_id, HourlyTotal.kind, func.sum(HourlyTotal.amount), *columns)
        .where(HourlyTotal.community_id.in_(community_ids), HourlyTotal.hour >= first)
        .group_by(HourlyTotal.community_id, HourlyTotal.kind)
    ).all()
    since = {(row[0], row[1]): (int(row[2] or 0), [int(v or 0) for v in row[3:]]) for row in rows}
    result: dict[int, list[PointsLine]] = {}
    for community_id in community_ids:
        running = {}
        for kind in COMMUNITY_KINDS:
            total, _ = since.get((community_id, kind), (0, []))
            running[kind] = balance.get((community_id, kind), 0) - total  # the balance before the first window
        lines = []
        for i, (label, start, end) in enumerate(windows):
            delta = {kind: since.get((community_id, kind), (0, [0] * len(windows)))[1][i] for kind in COMMUNITY_KINDS}
            for kind in COMMUNITY_KINDS:
                running[kind] += delta[kind]
            issued_total = -running[AccountKind.ISSUANCE.value]
            lines.append(PointsLine(
                label, start, end, issued=-delta[AccountKind.ISSUANCE.value], redeemed=delta[AccountKind.REDEEMED.value],
                held=running[AccountKind.HOLDS.value],
                outstanding=issued_total - running[AccountKind.HOLDS.value] - running[AccountKind.REDEEMED.value],
            ))
        result[community_id] = lines
    return result


def totals(community_ids: list[int]) -> dict[int, dict[str, int]]:
    """Points issued, held, redeemed and outstanding to date, from the community accounts' balances."""
    rows = db.session.execute(
        select(Account.community_id, Account.kind, Account.balance)
        .where(Account.community_id.in_(community_ids), Account.kind.in_(COMMUNITY_KINDS), Account.resident_id.is_(None))
    ).all()
    out = {c: {"issued": 0, "held": 0, "redeemed": 0, "outstanding": 0} for c in community_ids}
    for row in rows:
        key = {"issuance": "issued", "holds": "held", "redeemed": "redeemed"}[row.kind]
        out[row.community_id][key] = -row.balance if key == "issued" else row.balance
    for figures in out.values():
        figures["outstanding"] = figures["issued"] - figures["held"] - figures["redeemed"]
    return out


@dataclass
class PartnerLine:
    name: str
    donated: int = 0  # units given to the bank
    handed_out: int = 0  # units collected by residents
    points: int = 0  # points those residents spent


def partners(community_id: int) -> list[PartnerLine]:
    donated = dict(db.session.execute(
        select(Donation.partner_id, func.sum(Donation.quantity)).where(Donation.community_id == community_id).group_by(Donation.partner_id)
    ).all())
    handed = {row[0]: (int(row[1]), int(row[2] or 0)) for row in db.session.execute(
        select(Reward.partner_id, func.count(Redemption.id), func.sum(Redemption.points))
        .join(Reward, Reward.id == Redemption.reward_id)
        .where(Redemption.community_id == community_id, Redemption.state == RedemptionState.FULFILLED.value)
        .group_by(Reward.partner_id)
    )}
    lines = []
    for partner in db.session.scalars(select(Partner).where(Partner.community_id == community_id).order_by(Partner.name)):
        count, points = handed.get(partner.id, (0, 0))
        lines.append(PartnerLine(partner.name, int(donated.get(partner.id, 0) or 0), count, points))
    return lines


@dataclass
class Activity:
    meetings: int = 0  # held (closed) in the window
    attendances: int = 0  # standing check-ins to those meetings
    low_stock: list = field(default_factory=list)  # (reward name, stock)
    figures: dict = field(default_factory=dict)  # provider's figure name -> (label, value)
    breakdowns: dict = field(default_factory=dict)  # breakdown name -> (label, [(key label, value)])


def activity(community_ids: list[int], start: datetime, end: datetime) -> dict[int, Activity]:
    out = {c: Activity() for c in community_ids}
    if not community_ids:
        return out
    held = and_(Meeting.community_id.in_(community_ids), Meeting.status == MeetingStatus.CLOSED.value,
                Meeting.starts_at >= start, Meeting.starts_at < end)
    for community_id, count in db.session.execute(select(Meeting.community_id, func.count(Meeting.id)).where(held).group_by(Meeting.community_id)):
        out[community_id].meetings = count
    attended = (
        select(Meeting.community_id, func.count(Checkin.id))
        .join(Meeting, Meeting.id == Checkin.meeting_id)
        .outerjoin(CheckinUndo, CheckinUndo.checkin_id == Checkin.id)
        .where(held, Checkin.is_success.is_(True), CheckinUndo.id.is_(None))
        .group_by(Meeting.community_id)
    )
    for community_id, count in db.session.execute(attended):
        out[community_id].attendances = count
    for row in db.session.execute(
        select(Reward.community_id, Reward.name, Reward.stock).where(
            Reward.community_id.in_(community_ids), Reward.is_listed.is_(True), Reward.stock <= LOW_STOCK).order_by(Reward.stock, Reward.name)
    ):
        out[row.community_id].low_stock.append((row.name, row.stock))
    for (by, name), figure in registry().figures.items():  # in the order the domains registered them
        if by != "community":
            continue
        values = figure.fn(list(community_ids), start, end)
        for community_id in community_ids:
            out[community_id].figures[name] = (str(figure.label), values.get(community_id, 0))
    for name, breakdown in registry().breakdowns.items():
        split = breakdown.fn(list(community_ids), start, end)
        for community_id in community_ids:
            out[community_id].breakdowns[name] = (str(breakdown.label), list(split.get(community_id, [])))
    return out


def attendance_rate(a: Activity) -> float | None:
    return round(a.attendances / a.meetings, 1) if a.meetings else None
