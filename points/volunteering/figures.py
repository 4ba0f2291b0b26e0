"""Volunteering's figures for standing and oversight (`registry.figure`): confirmed and pending hours, in SQL.

A record counts in the window in which its service ended; hours are its confirmed minutes / 60 (pending: the
clipped minutes of records awaiting confirmation or review).
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select

from ..db import db
from .models import RecordStatus, ServiceRecord


def _hours(column, group, statuses: tuple[RecordStatus, ...], community_ids: list[int], start: datetime, end: datetime) -> dict[int, float]:
    if not community_ids:
        return {}
    rows = db.session.execute(
        select(group, func.sum(column)).where(
            ServiceRecord.community_id.in_(community_ids), ServiceRecord.status.in_([s.value for s in statuses]),
            ServiceRecord.ended_at >= start, ServiceRecord.ended_at < end,
        ).group_by(group)
    )
    return {ident: round((minutes or 0) / 60, 2) for ident, minutes in rows}


def hours_by_resident(community_ids: list[int], start: datetime, end: datetime) -> dict[int, float]:
    return _hours(ServiceRecord.confirmed_minutes, ServiceRecord.resident_id, (RecordStatus.CONFIRMED,), community_ids, start, end)


def hours_by_community(community_ids: list[int], start: datetime, end: datetime) -> dict[int, float]:
    return _hours(ServiceRecord.confirmed_minutes, ServiceRecord.community_id, (RecordStatus.CONFIRMED,), community_ids, start, end)


def pending_hours_by_community(community_ids: list[int], start: datetime, end: datetime) -> dict[int, float]:
    return _hours(ServiceRecord.minutes, ServiceRecord.community_id, (RecordStatus.PENDING, RecordStatus.REVIEW), community_ids, start, end)
