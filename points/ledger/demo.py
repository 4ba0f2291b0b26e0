"""Demo ledger history: one resident got points by hand from staff (other domains add what they award)."""
from __future__ import annotations

from datetime import timedelta

from ..db import utcnow
from . import services as ledger


def load(context: dict) -> None:
    residents, staff = context["residents"], context["staff"]
    ledger.award_manually(residents[0], 15, staff=staff, reason="社区环境整治志愿服务补录", key="demo:manual:1",
                          now=utcnow() - timedelta(days=1))
