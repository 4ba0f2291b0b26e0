"""Levels from lifetime earned points, shown on the wallet by the standing package (the ledger knows none of it)."""
from __future__ import annotations

import pytest

from points.accounts.permissions import SYSTEM
from points.ledger import services as ledger
from points.standing.levels import LEVELS, level_for


@pytest.mark.parametrize(("lifetime", "expected"), [
    (0, (1, 50)), (49, (1, 1)), (50, (2, 150)), (1999, (5, 1)), (2000, (6, None)), (10**6, (6, None)),
])
def test_level_boundaries(lifetime, expected):
    assert level_for(lifetime) == expected
    assert LEVELS[0] == 0


def test_the_wallet_shows_the_level_panel(client, auth, make):
    resident = make.resident(phone="13912345678")
    ledger.award_manually(resident, 60, staff=SYSTEM, reason="补录", key="k")  # above the four-eyes threshold
    auth.login("13912345678")
    page = client.get("/wallet").get_data(as_text=True)
    assert 'data-testid="level"' in page and "2" in page.split('data-testid="level"')[1][:40]
