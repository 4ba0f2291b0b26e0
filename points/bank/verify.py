"""The bank's part of `points ledger verify`: the stock ledger agrees with the shelf, and every redemption has
exactly the stock movements and points transactions its state calls for."""
from __future__ import annotations

from collections import defaultdict

from sqlalchemy import func, select

from ..db import db
from ..ledger.models import Posting, Transaction, TransactionKind
from ..ledger.verify import Problem, Report
from .models import HOLDING, STOCK_EFFECT, VOIDED, Donation, Redemption, RedemptionState, Reward, StockKind, StockMovement

# The stock movements (and the points transactions of the same names) each state implies.
EXPECTED_STEPS: dict[RedemptionState, frozenset[str]] = {
    **{state: frozenset({"hold"}) for state in HOLDING},
    RedemptionState.FULFILLED: frozenset({"hold", "settle"}),
    **{state: frozenset({"hold", "void"}) for state in VOIDED},
}
LEDGER_KIND = {"hold": TransactionKind.HOLD, "settle": TransactionKind.SETTLE, "void": TransactionKind.VOID}


def check_stock(report: Report) -> None:
    free: dict[int, int] = defaultdict(int)
    held: dict[int, int] = defaultdict(int)
    for reward_id, f, h in db.session.execute(
        select(StockMovement.reward_id, func.sum(StockMovement.free), func.sum(StockMovement.held))
        .group_by(StockMovement.reward_id)
    ):
        free[reward_id], held[reward_id] = int(f or 0), int(h or 0)
    holding = dict(db.session.execute(
        select(Redemption.reward_id, func.count(Redemption.id))
        .where(Redemption.state.in_([s.value for s in HOLDING])).group_by(Redemption.reward_id)
    ).all())
    rewards = db.session.execute(select(Reward.id, Reward.community_id, Reward.stock).order_by(Reward.id))
    for reward_id, community_id, stock in rewards:
        if stock != free[reward_id]:
            report.problems.append(Problem(
                "stock_mismatch", f"reward {reward_id} shows stock {stock}, its stock ledger sums to {free[reward_id]}",
                community_id))
        if held[reward_id] != holding.get(reward_id, 0):
            report.problems.append(Problem(
                "held_mismatch", f"reward {reward_id}: {held[reward_id]} unit(s) held in the stock ledger, "
                f"{holding.get(reward_id, 0)} redemption(s) awaiting hand-over", community_id))
        if stock < 0 or held[reward_id] < 0:
            report.problems.append(Problem("negative_stock", f"reward {reward_id} is below zero", community_id))

    donations = dict(db.session.execute(select(Donation.id, Donation.quantity)).all())
    booked: dict[int, int] = defaultdict(int)
    for movement in db.session.execute(select(StockMovement.id, StockMovement.kind, StockMovement.free, StockMovement.held,
                                              StockMovement.donation_id)):
        kind = StockKind(movement.kind)
        if kind == StockKind.DONATION:
            expected = (donations.get(movement.donation_id, 0), 0)
            booked[movement.donation_id] += 1
        else:
            expected = STOCK_EFFECT[kind]
        if (movement.free, movement.held) != expected:
            report.problems.append(Problem(
                "bad_movement",
                f"stock movement {movement.id} ({kind}) moves {(movement.free, movement.held)}, expected {expected}"))
    for donation_id in donations:
        if booked.get(donation_id, 0) != 1:
            report.problems.append(Problem(
                "donation_unbooked", f"donation {donation_id} has {booked.get(donation_id, 0)} stock movement(s), expected 1"))

    _check_redemptions(report)


def _net(steps: list[str], undo: str, undone: str) -> list[str]:
    """The steps that stand: each `undo` (a hand-over taken back) cancels one `undone` before it. A list that
    undoes more than it did keeps the surplus, so that it cannot match any state."""
    standing = list(steps)
    for _ in range(steps.count(undo)):
        standing.remove(undo)
        if undone in standing:
            standing.remove(undone)
        else:
            standing.append(f"{undo} without {undone}")
    return standing


def _check_redemptions(report: Report) -> None:
    moves: dict[int, list[str]] = defaultdict(list)
    for redemption_id, kind in db.session.execute(
        select(StockMovement.redemption_id, StockMovement.kind).where(StockMovement.redemption_id.is_not(None))
    ):
        moves[redemption_id].append(kind)
    # Points each step moved: the positive side of each redemption transaction.
    points: dict[int, dict[str, list[int]]] = defaultdict(lambda: defaultdict(list))
    holds: dict[int, int] = {}
    for tx_id, cause_id, kind, amount in db.session.execute(
        select(Transaction.id, Transaction.cause_id, Transaction.kind, func.sum(Posting.amount))
        .join(Posting, Posting.transaction_id == Transaction.id)
        .where(Transaction.cause_type == "redemption", Posting.amount > 0)
        .group_by(Transaction.id, Transaction.cause_id, Transaction.kind)
    ):
        points[cause_id][kind].append(int(amount))
        if kind == TransactionKind.HOLD:
            holds[cause_id] = tx_id
    for redemption in db.session.execute(
        select(Redemption.id, Redemption.community_id, Redemption.state, Redemption.points, Redemption.hold_id)
        .order_by(Redemption.id)
    ):
        if redemption.hold_id != holds.get(redemption.id):
            report.problems.append(Problem(
                "redemption_hold", f"redemption {redemption.id} names hold {redemption.hold_id}, its hold is "
                f"{holds.get(redemption.id)}", redemption.community_id))
        expected = EXPECTED_STEPS[RedemptionState(redemption.state)]
        steps = _net(moves.get(redemption.id, []), StockKind.UNSETTLE.value, StockKind.SETTLE.value)
        if sorted(steps) != sorted(expected):
            report.problems.append(Problem(
                "redemption_stock", f"redemption {redemption.id} ({redemption.state}) has stock movements {sorted(steps)}, "
                f"expected {sorted(expected)}", redemption.community_id))
        booked = _net_points(points.get(redemption.id, {}))
        wanted = {LEDGER_KIND[step].value: [redemption.points] for step in expected}
        if {k: sorted(v) for k, v in booked.items()} != wanted:
            report.problems.append(Problem(
                "redemption_points", f"redemption {redemption.id} ({redemption.state}) has points transactions "
                f"{dict(booked)}, expected {wanted}", redemption.community_id))


def _net_points(booked: dict[str, list[int]]) -> dict[str, list[int]]:
    """The points transactions that stand: a reversal (a settle undone by `ledger.reopen`) cancels one settle of
    the same amount; any other reversal of a redemption's transaction stays, and matches no state."""
    standing = {kind: list(amounts) for kind, amounts in booked.items()}
    for amount in standing.pop(TransactionKind.REVERSAL.value, []):
        settles = standing.get(TransactionKind.SETTLE.value, [])
        if amount in settles:
            settles.remove(amount)
        else:
            standing.setdefault("reversal without settle", []).append(amount)
    return {kind: amounts for kind, amounts in standing.items() if amounts}
