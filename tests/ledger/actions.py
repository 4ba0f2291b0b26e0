"""Earning actions for the ledger's own tests, shaped like §9's (the ledger awards whatever a domain declares).

`tests/conftest.py` declares them in every test app, so the rules pages list them too.
"""
from __future__ import annotations

from points.checkin.earning import MEETING_ATTENDED
from points.ledger.earning import EarningAction

SUGGESTION = EarningAction("test_suggestion", 2, label="Test suggestion", short_label="Test suggestion", daily_cap=3)
ACCEPTED = EarningAction("test_accepted", 20, label="Test accepted", short_label="Test accepted")
RATING = EarningAction("test_rating", 1, label="Test rating", short_label="Test rating")

TEST_ACTIONS = (SUGGESTION, ACCEPTED, RATING)
ALL = (MEETING_ATTENDED, *TEST_ACTIONS)
