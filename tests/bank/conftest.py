"""A community with a stocked bank, in a few readable calls: `bank.reward(price=10, stock=3)`, `bank.resident(points=25)`."""
from __future__ import annotations

import itertools
from datetime import datetime, timezone

import pytest

from points.accounts.permissions import SYSTEM
from points.bank import services as bank_services
from points.bank.models import Partner, Reward
from points.ledger import services as ledger

# 12:00 on Monday 23 November 2026 in Shanghai: a fixed "now" that tests move from with timedelta.
NOON = datetime(2026, 11, 23, 4, 0, tzinfo=timezone.utc)
_tokens = itertools.count(1)


def token() -> str:
    return f"t{next(_tokens)}"


class BankWorld:
    """One community's bank with a staff member, a second staff member and a partner; makes rewards and residents."""

    def __init__(self, make, community=None) -> None:
        self.make = make
        self.community = community or make.community()
        self.staff = make.staff(self.community)
        self.other_staff = make.staff(self.community)
        self.partner: Partner = bank_services.create_partner(self.community, staff=self.staff, name=f"红叶超市{next(_tokens)}")

    def reward(self, *, price: int = 10, stock: int = 5, now: datetime | None = None, **details) -> Reward:
        return bank_services.create_reward(
            self.community,
            bank_services.RewardDetails(name=details.pop("name", f"鸡蛋{next(_tokens)}"), price=price,
                                        partner_id=self.partner.id, **details),
            staff=self.staff, first_donation=stock or None, now=now,
        )

    def resident(self, *, points: int = 100):
        resident = self.make.resident(self.community)
        if points:
            # Seeded as the system: points this staff member gave by hand would need another one to approve.
            ledger.award_manually(resident, points, staff=SYSTEM, reason="测试", key=f"test:{resident.id}:{token()}")
        return resident

    def request(self, resident, reward, **kw):
        return bank_services.request_redemption(resident, reward, token=kw.pop("token", None) or token(), **kw)


@pytest.fixture
def bank(make) -> BankWorld:
    return BankWorld(make)
