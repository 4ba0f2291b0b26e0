"""Random sequences of awards, spends, holds and reversals keep every ledger invariant."""
from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from points.errors import DomainError
from points.db import db
from points.accounts.permissions import SYSTEM
from points.ledger import services as ledger
from points.ledger.models import Account, AccountKind, Posting, Transaction
from points.ledger.verify import verify_ledger
from .actions import ALL

operation = st.one_of(
    st.tuples(st.just("award"), st.integers(0, 2), st.sampled_from(ALL), st.integers(0, 5)),
    st.tuples(st.just("manual"), st.integers(0, 2), st.integers(1, 50), st.integers(0, 5)),
    st.tuples(st.just("hold"), st.integers(0, 2), st.integers(1, 40), st.integers(0, 5)),
    st.tuples(st.just("settle"), st.integers(0, 50)),
    st.tuples(st.just("void"), st.integers(0, 50)),
    st.tuples(st.just("reverse"), st.integers(0, 50)),
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=st.lists(operation, min_size=1, max_size=30))
def test_random_operations_keep_the_books_balanced(make, ops):
    community = make.community()
    staff = make.staff(community)
    residents = [make.resident(community) for _ in range(3)]
    open_holds: list[tuple[Transaction, int]] = []  # (hold, points)
    booked: list[Transaction] = []
    step = 0
    for op in ops:
        step += 1
        try:
            if op[0] == "award":
                _, who, action, key = op
                outcome = ledger.award(residents[who], action, key=f"a:{community.id}:{who}:{action}:{key}", cause=("prop", key))
                if outcome.transaction is not None and outcome.transaction not in booked:
                    booked.append(outcome.transaction)
            elif op[0] == "manual":
                _, who, points, key = op
                tx = ledger.award_manually(residents[who], points, staff=staff, reason="r", key=f"m:{community.id}:{who}:{key}")
                if tx not in booked:
                    booked.append(tx)
            elif op[0] == "hold":
                _, who, points, _key = op
                held = ledger.hold(residents[who], points, key=f"h:{community.id}:{step}", cause=("redemption", step))
                open_holds.append((held, points))
            elif op[0] in ("settle", "void") and open_holds:
                held, _points = open_holds.pop(op[1] % len(open_holds))
                (ledger.settle if op[0] == "settle" else ledger.void)(held, actor=SYSTEM)
            elif op[0] == "reverse" and booked:
                ledger.reverse(booked[op[1] % len(booked)], actor=staff, reason="test")
        except DomainError as error:
            assert error.code in {"insufficient_points", "already_reversed", "not_reversible", "key_reused"}, error.code

        # Invariants after every step, read from the database.
        balances = db.session.execute(select(Account.kind, Account.balance)).all()
        assert all(balance >= 0 for kind, balance in balances if kind != AccountKind.ISSUANCE)
        assert sum(balance for _, balance in balances) == 0  # double entry: points are neither created nor lost
        per_tx = db.session.execute(select(func.sum(Posting.amount)).group_by(Posting.transaction_id)).scalars().all()
        assert all(total == 0 for total in per_tx)
        holds = ledger.community_account(community.id, AccountKind.HOLDS)
        assert (holds.balance if holds else 0) == sum(points for _, points in open_holds)
        for resident in residents:
            wallet = ledger.wallet_of(resident)
            if wallet is not None:
                assert wallet.lifetime_earned >= 0
    report = verify_ledger()
    assert report.ok, report.problems
