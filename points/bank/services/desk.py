"""Counts for the staff 工作台: what is waiting at the bank desk."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select

from ...db import db
from ..models import HOLDING, Redemption


def count_overdue(community_ids: list[int], *, now: datetime) -> int:
    """Requests and approved pickups past `expires_at` that the expiry job has not returned yet."""
    if not community_ids:
        return 0
    return db.session.scalar(select(func.count(Redemption.id)).where(
        Redemption.community_id.in_(community_ids), Redemption.state.in_([s.value for s in HOLDING]),
        Redemption.expires_at <= now,
    )) or 0
