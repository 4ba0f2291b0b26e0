"""Volunteering's figures for standing and oversight (`registry.figure`): confirmed and pending hours, in SQL.

A record counts in the window in which its service ended; hours are its confirmed minutes / 60 (pending: the
clipped minutes of records awaiting confirmation or review).
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select

from ..accounts.models import Resident
from ..db import db
from ..units.models import compound_joins
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


def hours_by_compound(community_ids: list[int], start: datetime, end: datetime) -> dict[int, float]:
    """Confirmed hours by the compound (小区/网格) the volunteer lives in, for the fortress index of compounds."""
    if not community_ids:
        return {}
    compound, joins = compound_joins(community_ids, Resident.unit_id)
    stmt = select(compound.id, func.sum(ServiceRecord.confirmed_minutes)).join(Resident, Resident.id == ServiceRecord.resident_id)
    for target, on in joins:
        stmt = stmt.join(target, on)
    rows = db.session.execute(stmt.where(
        ServiceRecord.community_id.in_(community_ids), ServiceRecord.status == RecordStatus.CONFIRMED.value,
        ServiceRecord.ended_at >= start, ServiceRecord.ended_at < end,
    ).group_by(compound.id))
    return {ident: round((minutes or 0) / 60, 2) for ident, minutes in rows}
