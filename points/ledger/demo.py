"""Demo history: each resident attended a few meetings and made a suggestion; one got points by hand."""
from __future__ import annotations

from datetime import timedelta

from ..db import utcnow
from . import services as ledger
from .models import Action


def load(context: dict) -> None:
    residents, staff = context["residents"], context["staff"]
    now = utcnow()
    venues = ["红叶亭话", "湖景廊议", "观湖广场"]
    for index, resident in enumerate(residents):
        for meeting in range(index % 4 + 1):
            ledger.award(
                resident, Action.MEETING_ATTENDED, key=f"demo:meeting:{meeting}:resident:{resident.id}",
                cause=("demo", None), memo=venues[meeting % 3], now=now - timedelta(days=30 - meeting * 7),
            )
        ledger.award(
            resident, Action.SUGGESTION_SUBMITTED, key=f"demo:suggestion:{resident.id}", cause=("demo", None),
            memo="楼道照明改造", now=now - timedelta(days=3),
        )
    ledger.award_manually(residents[0], 15, staff=staff, reason="社区环境整治志愿服务补录", key="demo:manual:1",
                          now=now - timedelta(days=1))
