"""Volunteering rules, one per test, each asserting the code of the refusal."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from points.accounts.permissions import SYSTEM
from points.checkin.models import Checkin, Step
from points.db import db
from points.ledger import services as ledger
from points.ledger.models import Transaction, TransactionKind
from points.ledger.verify import verify_ledger as verify
from points.volunteering import services
from points.volunteering.models import RecordStatus, ReviewReason, ServiceRecord
from points.volunteering.stars import star_level

from .conftest import BEFORE, END, START


def _code(fn, *args, **kwargs) -> str:
    with pytest.raises(Exception) as caught:
        fn(*args, **kwargs)
    return caught.value.code


def record_of(activity, resident) -> ServiceRecord:
    return db.session.scalar(select(ServiceRecord).where(ServiceRecord.activity_id == activity.id,
                                                         ServiceRecord.resident_id == resident.id))


def test_full_activity(scene):
    activity = scene.activity(slots=1)
    services.sign_up(activity, scene.resident, now=BEFORE)
    assert _code(services.sign_up, activity, scene.volunteer(), now=BEFORE) == "activity_full"


def test_sign_up_needs_a_volunteer(scene):
    assert _code(services.sign_up, scene.activity(), scene.make.resident(scene.community), now=BEFORE) == "not_a_volunteer"


def test_sign_up_after_the_start(scene):
    assert _code(services.sign_up, scene.activity(), scene.resident, now=START) == "already_started"


def test_cancel_frees_the_slot_and_not_after_the_start(scene):
    activity = scene.activity(slots=1)
    services.sign_up(activity, scene.resident, now=BEFORE)
    assert _code(services.cancel_sign_up, activity, scene.resident, now=START + timedelta(minutes=1)) == "already_started"
    services.cancel_sign_up(activity, scene.resident, now=BEFORE)
    assert activity.taken_slots == 0
    services.sign_up(activity, scene.resident, now=BEFORE)  # signing up again revives the sign-up
    assert activity.taken_slots == 1
    assert _code(services.sign_up, activity, scene.resident, now=BEFORE) == "already_signed_up"


def test_cancelled_activity_refuses_sign_ups(scene):
    activity = scene.activity()
    assert _code(services.cancel_activity, activity, staff=scene.staff, reason="") == "reason_required"
    services.cancel_activity(activity, staff=scene.staff, reason="下雨")
    assert _code(services.sign_up, activity, scene.resident, now=BEFORE) == "activity_cancelled"


def test_check_in_needs_a_sign_up(scene):
    scene.activity()
    refused = scene.scan(scene.resident, at=START)
    assert (refused.reason, refused.checkin.detail) == ("not_eligible", "not_signed_up")


def test_check_out_without_check_in(scene):
    activity = scene.activity()
    services.sign_up(activity, scene.resident, now=BEFORE)
    assert scene.scan(scene.resident, at=START, step=Step.OUT).reason == "not_checked_in"


def test_check_out_twice(scene):
    activity = scene.activity()
    assert scene.attend(activity).ok
    again = scene.scan(scene.resident, at=END + timedelta(minutes=1), step=Step.OUT)
    assert again.reason == "already_checked_out"
    assert record_of(activity, scene.resident).minutes == 120


def test_a_second_scan_soon_after_is_not_a_check_out(scene):
    activity = scene.activity()
    services.sign_up(activity, scene.resident, now=BEFORE)
    assert scene.scan(scene.resident, at=START).ok
    assert scene.scan(scene.resident, at=START + timedelta(minutes=2)).reason == "already_checked_in"


def test_hours_clipped_by_span(scene):
    activity = scene.activity()
    scene.attend(activity, arrive=START - timedelta(minutes=25), leave=END + timedelta(minutes=40))
    record = record_of(activity, scene.resident)
    assert (record.minutes, record.status) == (120, RecordStatus.PENDING)


def test_hours_clipped_by_cap(scene):
    activity = scene.activity(hours=3, cap_minutes=90)
    scene.attend(activity, leave=START + timedelta(hours=3))
    assert record_of(activity, scene.resident).minutes == 90


def test_a_stay_under_60_percent_goes_to_review(scene):
    activity = scene.activity()
    scene.attend(activity, leave=START + timedelta(minutes=70))
    record = record_of(activity, scene.resident)
    assert (record.minutes, record.status, record.review_reason) == (70, RecordStatus.REVIEW, ReviewReason.SHORT_STAY)


def test_forgotten_check_out_is_closed_at_the_end_and_flagged(scene):
    activity = scene.activity()
    services.sign_up(activity, scene.resident, now=BEFORE)
    scene.scan(scene.resident, at=START + timedelta(minutes=10))
    assert services.close_forgotten_checkouts(actor=SYSTEM, now=END + timedelta(minutes=30)) == 0  # may still check out
    assert services.close_forgotten_checkouts(actor=SYSTEM, now=END + timedelta(hours=2)) == 1
    record = record_of(activity, scene.resident)
    assert (record.minutes, record.review_reason, record.checkout_id) == (110, ReviewReason.FORGOTTEN_CHECKOUT, None)
    assert services.close_forgotten_checkouts(actor=SYSTEM, now=END + timedelta(hours=3)) == 0


def test_confirming_awards_once_and_adds_the_hours(scene):
    activity = scene.activity()
    scene.attend(activity)
    record = record_of(activity, scene.resident)
    services.confirm_record(record, staff=scene.staff, now=END)
    assert (record.status, record.confirmed_minutes, record.points) == (RecordStatus.CONFIRMED, 120, 20)
    assert _code(services.confirm_record, record, staff=scene.other_staff, now=END) == "already_confirmed"
    assert ledger.balance_of(scene.resident) == 20
    assert services.confirmed_minutes(scene.resident) == 120
    tx = db.session.scalar(select(Transaction).where(Transaction.cause_type == "service_record"))
    assert tx.idempotency_key == f"volunteer:record:{record.id}:rev:1"


def test_points_cap_two_hours_unless_the_activity_says_otherwise(scene):
    long = scene.activity(hours=4, title="长活动")
    scene.attend(long, leave=START + timedelta(hours=4))
    record = record_of(long, scene.resident)
    services.confirm_record(record, staff=scene.staff, now=END)
    assert (record.confirmed_minutes, record.points) == (240, 20)


def test_confirming_ones_own_record(scene):
    services.register_volunteer(scene.staff, actor=scene.staff, now=BEFORE)
    activity = scene.activity()
    scene.attend(activity, scene.staff)
    assert _code(services.confirm_record, record_of(activity, scene.staff), staff=scene.staff) == "own_account"


def test_other_communitys_staff(scene):
    activity = scene.activity()
    scene.attend(activity)
    stranger = scene.make.staff(scene.make.community())
    assert _code(services.confirm_record, record_of(activity, scene.resident), staff=stranger) == "not_allowed"
    assert _code(services.sign_up, activity, scene.volunteer(stranger.community), now=BEFORE) == "other_community"


def test_adjusting_needs_a_reason(scene):
    activity = scene.activity()
    scene.attend(activity, leave=START + timedelta(minutes=60))
    record = record_of(activity, scene.resident)
    assert _code(services.adjust_record, record, staff=scene.staff, minutes=100, reason=" ") == "reason_required"
    services.adjust_record(record, staff=scene.staff, minutes=100, reason="提前离开经批准", now=END)
    assert (record.status, record.confirmed_minutes, record.points) == (RecordStatus.CONFIRMED, 100, 17)


def test_correction_is_a_reversal_plus_a_new_award(scene):
    activity = scene.activity()
    scene.attend(activity)
    record = record_of(activity, scene.resident)
    services.confirm_record(record, staff=scene.staff, now=END)
    services.adjust_record(record, staff=scene.other_staff, minutes=60, reason="实际只服务一小时", now=END)
    kinds = [t.kind for t in db.session.scalars(select(Transaction).where(Transaction.cause_type == "service_record").order_by(Transaction.id))]
    assert kinds == [TransactionKind.AWARD, TransactionKind.REVERSAL, TransactionKind.AWARD]
    assert (ledger.balance_of(scene.resident), services.confirmed_minutes(scene.resident)) == (10, 60)
    assert verify().ok


def test_backfilled_records_go_through_the_same_confirmation(scene):
    activity = scene.activity()
    person = scene.volunteer()
    assert _code(services.backfill_record, activity, person, staff=scene.staff, started_at=START, ended_at=END, note="") == "reason_required"
    record = services.backfill_record(activity, person, staff=scene.staff, started_at=START, ended_at=END, note="老人无手机")
    assert (record.status, record.is_backfilled, record.minutes) == (RecordStatus.PENDING, True, 120)
    assert services.awaiting_confirmation([scene.community.id]) == [record]
    services.confirm_record(record, staff=scene.other_staff, now=END)
    assert ledger.balance_of(person) == 20


def test_the_check_in_log_names_the_activity_and_the_step(scene):
    activity = scene.activity()
    scene.attend(activity)
    rows = list(db.session.scalars(select(Checkin).where(Checkin.activity_id == activity.id, Checkin.is_success).order_by(Checkin.id)))
    assert [(r.step, r.points, r.transaction_id) for r in rows] == [("in", 0, None), ("out", 0, None)]


def test_star_levels():
    assert (star_level(0).stars, star_level(0).next_hours) == (0, 100)
    assert (star_level(100 * 60).stars, star_level(200 * 60).progress) == (1, 50)
    assert (star_level(1500 * 60).stars, star_level(1500 * 60).next_hours) == (5, None)


def test_a_moved_activity_is_still_found_by_scans_at_its_new_time_and_venue(scene):
    """Scans ask volunteering only while a venue may hold an open activity (`Venue.checkables_until`, issue 11):
    editing an activity to a later time or another venue moves that moment with it, never back."""
    from points.checkin import services as checkin
    from points.checkin.models import Venue, VenueKind

    activity = scene.activity()
    assert db.session.get(Venue, scene.venue.id).checkables_until == END + timedelta(hours=1)
    later = START + timedelta(days=1)
    services.update_activity(activity, staff=scene.staff, venue=scene.venue, title="楼道清洁", starts_at=later,
                             ends_at=later + timedelta(hours=2), slots=10, now=BEFORE)
    assert db.session.get(Venue, scene.venue.id).checkables_until == later + timedelta(hours=3)
    services.sign_up(activity, scene.resident, now=BEFORE)
    assert scene.scan(scene.resident, at=later + timedelta(minutes=5)).checkin.is_success

    hall = checkin.create_venue(staff=scene.staff, unit=scene.community, name="第二服务站", kind=VenueKind.HALL)
    services.update_activity(activity, staff=scene.staff, venue=hall, title="楼道清洁", starts_at=START,
                             ends_at=END, slots=10, now=BEFORE)
    assert db.session.get(Venue, hall.id).checkables_until == END + timedelta(hours=1)
    assert db.session.get(Venue, scene.venue.id).checkables_until == later + timedelta(hours=3)  # never moved back
