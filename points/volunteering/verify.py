"""Volunteering's part of `points ledger verify`: slot counters agree with the sign-ups, and every confirmed
record's standing award is the points it shows."""
from __future__ import annotations

from sqlalchemy import func, select

from ..db import db
from ..ledger.verify import Problem, Report
from .models import Activity, Enrollment, EnrollmentStatus, RecordStatus, ServiceConfirmation, ServiceRecord


def check_volunteering(report: Report) -> None:
    signed = dict(db.session.execute(
        select(Enrollment.activity_id, func.count(Enrollment.id))
        .where(Enrollment.status == EnrollmentStatus.SIGNED_UP.value).group_by(Enrollment.activity_id)).all())
    for activity_id, community_id, taken in db.session.execute(select(Activity.id, Activity.community_id, Activity.taken_slots)):
        if taken != signed.get(activity_id, 0):
            report.problems.append(Problem(
                "slots_mismatch", f"activity {activity_id} counts {taken} taken slots, {signed.get(activity_id, 0)} sign-ups",
                community_id))
    latest = {c.record_id: c for c in db.session.scalars(select(ServiceConfirmation).order_by(ServiceConfirmation.revision))}
    for record in db.session.scalars(select(ServiceRecord).where(ServiceRecord.status == RecordStatus.CONFIRMED.value)):
        confirmation = latest.get(record.id)
        if confirmation is None or confirmation.revision != record.revision or confirmation.points != record.points:
            report.problems.append(Problem(
                "record_mismatch", f"service record {record.id} disagrees with its confirmation", record.community_id))
