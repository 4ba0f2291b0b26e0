"""Random sequences of request / approve / reject / cancel / settle / expire, checked step by step against a
model of what each should do, keep the points and the stock in balance."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from points.accounts.permissions import SYSTEM
from points.bank import services
from points.bank.models import HOLDING, Reward
from points.errors import DomainError
from points.db import db
from points.ledger import services as ledger
from points.ledger.models import AccountKind
from points.ledger.verify import verify_ledger

from .conftest import NOON, BankWorld

PRICES, STOCK, POINTS = (10, 25, 5), (2, 3, 1), (30, 45, 10)
WINDOW = timedelta(days=7)
SHANGHAI = ZoneInfo("Asia/Shanghai")


def deadline(now: datetime) -> datetime:
    """Seven days on, to the end of that working day at the desk (17:00 local), or of the next working day."""
    due = (now + WINDOW).astimezone(SHANGHAI)
    day = due.date()
    while day.weekday() >= 5 or datetime.combine(day, time(17), tzinfo=SHANGHAI) < due:
        day += timedelta(days=1)
    return datetime.combine(day, time(17), tzinfo=SHANGHAI).astimezone(UTC)

operation = st.one_of(
    st.tuples(st.just("request"), st.integers(0, 2), st.integers(0, 2)),
    st.tuples(st.just("approve"), st.integers(0, 11)),
    st.tuples(st.just("reject"), st.integers(0, 11)),
    st.tuples(st.just("cancel"), st.integers(0, 11)),
    st.tuples(st.just("settle"), st.integers(0, 11)),
    st.tuples(st.just("expire"), st.integers(0, 200)),  # hours to move the clock on, then run the job
)


@dataclass
class Modelled:
    resident: int
    reward: int
    points: int
    state: str
    expires_at: datetime


class Model:
    """What the bank should do, written plainly."""

    def __init__(self) -> None:
        self.balance = list(POINTS)
        self.stock = list(STOCK)
        self.redemptions: list[Modelled] = []
        self.now = NOON

    def request(self, who: int, what: int) -> str:
        if self.stock[what] < 1:
            return "out_of_stock"
        if what == 2 and any(r.resident == who and r.reward == 2 and r.state in ("requested", "approved", "fulfilled")
                             for r in self.redemptions):
            return "limit_reached"  # reward 2: one per resident, ever
        if self.balance[who] < PRICES[what]:
            return "insufficient_points"
        self.balance[who] -= PRICES[what]
        self.stock[what] -= 1
        self.redemptions.append(Modelled(who, what, PRICES[what], "requested", deadline(self.now)))
        return "ok"

    def step(self, kind: str, r: Modelled) -> str:
        if kind == "settle" and r.state == "requested":
            return "not_approved"
        allowed = {"approve": {"requested"}, "reject": {"requested"}, "cancel": {"requested", "approved"},
                   "settle": {"approved"}}[kind]
        if r.state not in allowed:
            return f"already_{r.state}"
        if kind in ("approve", "settle") and r.expires_at <= self.now:
            return "expired"
        if kind == "approve":
            r.state, r.expires_at = "approved", deadline(self.now)
        elif kind == "settle":
            r.state = "fulfilled"
        else:
            self._give_back(r, "rejected" if kind == "reject" else "cancelled")
        return "ok"

    def expire(self, hours: int) -> int:
        self.now += timedelta(hours=hours)
        due = [r for r in self.redemptions if r.state in ("requested", "approved") and r.expires_at <= self.now]
        for r in due:
            self._give_back(r, "expired")
        return len(due)

    def _give_back(self, r: Modelled, state: str) -> None:
        r.state = state
        self.balance[r.resident] += r.points
        self.stock[r.reward] += 1


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=st.lists(operation, min_size=1, max_size=25))
def test_random_redemption_sequences_keep_points_and_stock_right(make, ops):
    world = BankWorld(make)
    residents = [world.resident(points=p) for p in POINTS]
    rewards = [world.reward(price=p, stock=s, **({"limit_count": 1, "limit_period": "ever"} if i == 2 else {}))
               for i, (p, s) in enumerate(zip(PRICES, STOCK))]
    model, made = Model(), []
    issued = sum(POINTS)

    for op in ops:
        if op[0] == "request":
            _, who, what = op
            expected = model.request(who, what)
            actual = outcome(lambda: made.append(services.request_redemption(
                residents[who], rewards[what], token=f"{len(made)}:{op}", now=model.now)))
        elif op[0] == "expire":
            expected = model.expire(op[1])
            before = [r.state for r in made]
            services.expire_due(actor=SYSTEM, now=model.now)  # the job sweeps every community; count what it did to ours
            db.session.expire_all()
            actual = sum(1 for r, was in zip(made, before) if was != "expired" and r.state == "expired")
        else:
            kind, index = op
            if index >= len(made):
                continue
            expected = model.step(kind, model.redemptions[index])
            staff = world.staff if index % 2 else world.other_staff
            call = {
                "approve": lambda: services.approve_redemption(made[index], staff=staff, now=model.now),
                "reject": lambda: services.reject_redemption(made[index], staff=staff, reason="测试", now=model.now),
                "cancel": lambda: services.cancel_redemption(made[index], actor=made[index].resident, now=model.now),
                "settle": lambda: services.fulfil_redemption(made[index], staff=staff, now=model.now),
            }[kind]
            actual = outcome(call)
        assert actual == expected, op

        db.session.expire_all()
        assert [ledger.balance_of(r) for r in residents] == model.balance
        assert [db.session.get(Reward, r.id).stock for r in rewards] == model.stock
        held = [r for r in model.redemptions if r.state in {s.value for s in HOLDING}]
        held_points = sum(r.points for r in held)
        redeemed = sum(r.points for r in model.redemptions if r.state == "fulfilled")
        assert community(world, AccountKind.HOLDS) == held_points
        assert community(world, AccountKind.REDEEMED) == redeemed
        assert sum(model.balance) + held_points + redeemed == issued  # no point made or lost
        handed_out = [sum(1 for r in model.redemptions if r.reward == i and r.state == "fulfilled") for i in range(3)]
        units_held = services.held_units([r.id for r in rewards])
        for i, reward in enumerate(rewards):
            assert model.stock[i] + units_held[reward.id] + handed_out[i] == STOCK[i]  # no unit made or lost
    assert verify_ledger().ok


def outcome(call) -> str:
    try:
        call()
    except DomainError as error:
        return error.code
    return "ok"


def community(world, kind: AccountKind) -> int:
    account = ledger.community_account(world.community.id, kind)
    return account.balance if account else 0
