"""One rule per test, asserting the reason or error code (pretix style)."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from points.accounts.models import Role
from points.accounts.permissions import SYSTEM
from points.accounts.services import grant_role
from points.checkin import codes, services
from points.checkin.checkable import Checkable
from points.checkin.explain import explain
from points.checkin.models import Audience, Checkin, CheckinUndo, MeetingStatus, Route, SecurityMode
from points.errors import DomainError, NotAllowed
from points.db import db
from points.ledger import services as ledger
from points.ledger.models import EarningRule, Transaction, TransactionKind
from points.ledger.verify import verify_ledger

from .conftest import BEFORE, END, OPENS, START


def count(model=Checkin, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


# ------------------------------------------------------------------ success


def test_scanning_the_poster_checks_in_and_credits_the_rule(scene):
    meeting = scene.meeting()
    outcome = scene.scan(at=START + timedelta(minutes=3))
    assert outcome.ok and outcome.checkin.meeting_id == meeting.id
    assert outcome.checkin.points == 10 and ledger.balance_of(scene.resident) == 10
    tx = db.session.get(Transaction, outcome.checkin.transaction_id)
    assert tx.idempotency_key == f"checkin:meeting:{meeting.id}:resident:{scene.resident.id}"
    assert (tx.cause_type, tx.cause_id) == ("checkin", outcome.checkin.id)
    assert tx.memo == "红叶亭话 · 楼道照明改造"
    assert explain(outcome.checkin) == "签到成功 14:03，积分 +10"


def test_the_log_records_route_device_actor_and_time(scene):
    scene.meeting()
    row = scene.scan(at=START).checkin
    assert (row.route, row.device, row.actor_id, row.resident_id) == ("poster", "pytest", scene.resident.id, scene.resident.id)
    assert row.created_at == START and row.is_success and row.reason is None


def test_meeting_points_override_the_rule(scene):
    scene.meeting(points=25)
    assert scene.scan().checkin.points == 25


def test_a_rule_of_zero_checks_in_without_points(scene):
    db.session.add(EarningRule(community_id=scene.community.id, action="meeting_attended", points=0))
    db.session.commit()
    scene.meeting()
    outcome = scene.scan()
    assert outcome.ok and outcome.checkin.points == 0 and outcome.checkin.transaction_id is None
    assert outcome.checkin.detail == "rule_disabled"


def test_staff_check_in_by_member_qr_or_typed_code(scene):
    meeting = scene.meeting()
    other = scene.make.resident(scene.community)
    assert scene.desk(meeting, code=scene.resident.member_qr_payload).ok
    typed = "-".join([other.member_code[:4].lower(), other.member_code[4:]])
    assert scene.desk(meeting, code=typed).ok
    assert count(Checkin, Checkin.is_success) == 2


def test_staff_check_in_by_search_records_the_staff_as_actor(scene):
    meeting = scene.meeting()
    row = scene.desk(meeting, resident=scene.resident).checkin
    assert row.route == "search" and row.actor_id == scene.staff.id
    tx = db.session.get(Transaction, row.transaction_id)
    assert tx.actor_id == scene.staff.id


# ------------------------------------------------------------------ the window


def test_window_opens_thirty_minutes_before_the_start(scene):
    scene.meeting()
    assert scene.scan(at=OPENS).ok


def test_one_second_before_the_window_is_outside_window(scene):
    scene.meeting()
    outcome = scene.scan(at=OPENS - timedelta(seconds=1))
    assert outcome.reason == "outside_window" and outcome.checkin.detail == "too_early"
    assert explain(outcome.checkin) == "会议14:00开始，13:30后可签到"


def test_too_early_on_another_day_names_the_date(scene):
    meeting = scene.meeting()
    row = scene.desk(meeting, resident=scene.resident, at=START - timedelta(days=1)).checkin
    assert row.reason == "outside_window"
    assert explain(row) == "会议11月24日 14:00开始，13:30后可签到"


def test_last_second_of_the_window_is_inside(scene):
    scene.meeting()
    assert scene.scan(at=END - timedelta(seconds=1)).ok


def test_window_closes_at_the_end(scene):
    scene.meeting()
    outcome = scene.scan(at=END)
    assert outcome.reason == "outside_window" and outcome.checkin.detail == "too_late"
    assert explain(outcome.checkin) == "签到已于16:00结束"


def test_window_can_stay_open_after_the_end(scene):
    scene.meeting(closes_after=15)
    assert scene.scan(at=END + timedelta(minutes=14)).ok


def test_a_closed_meeting_refuses_even_inside_the_window(scene):
    meeting = scene.meeting()
    services.close_meeting(meeting, staff=scene.staff, minutes="", headcount=0, now=START + timedelta(minutes=30))
    outcome = scene.scan(at=START + timedelta(minutes=40))
    assert outcome.reason == "outside_window" and outcome.checkin.detail == "closed"


# ------------------------------------------------------------------ no meeting


def test_no_meeting_names_the_next_one(scene):
    scene.meeting()
    outcome = scene.scan(at=START - timedelta(days=1))
    assert outcome.reason == "no_meeting"
    assert explain(outcome.checkin) == "此处现在没有议事会。下一场：楼道照明改造，11月24日 14:00（13:30起可签到）"


def test_no_meeting_scheduled_at_all(scene):
    outcome = scene.scan()
    assert outcome.reason == "no_meeting" and outcome.checkin.meeting_id is None
    assert outcome.checkin.venue_id == scene.venue.id
    assert "没有安排" in explain(outcome.checkin)


def test_a_cancelled_meeting_is_no_meeting(scene):
    meeting = scene.meeting()
    services.cancel_meeting(meeting, staff=scene.staff, reason="暴雨")
    assert scene.desk(meeting, resident=scene.resident).checkin.detail == "cancelled"
    assert scene.scan().reason == "no_meeting"


# ------------------------------------------------------------------ idempotent


def test_repeat_scan_answers_already_checked_in_with_the_time(scene):
    scene.meeting()
    first = scene.scan(at=START + timedelta(minutes=3))
    again = scene.scan(at=START + timedelta(minutes=9))
    assert again.reason == "already_checked_in" and again.checked_in_at == first.checked_in_at
    assert again.checkin.original_id == first.checkin.id
    assert explain(again.checkin) == "已签到 14:03"
    assert ledger.balance_of(scene.resident) == 10
    assert count(Transaction) == 1 and count(Checkin) == 2


def test_repeat_scan_after_the_window_still_says_already_checked_in(scene):
    scene.meeting()
    scene.scan(at=START + timedelta(minutes=3))
    assert scene.scan(at=END + timedelta(minutes=20)).reason == "already_checked_in"


def test_staff_scan_of_a_resident_who_scanned_the_poster(scene):
    meeting = scene.meeting()
    scene.scan()
    assert scene.desk(meeting, code=scene.resident.member_code).reason == "already_checked_in"


def test_the_database_refuses_a_second_standing_success(scene):
    """Not the read before the insert: the partial unique index itself."""
    from sqlalchemy.exc import IntegrityError

    meeting = scene.meeting()
    scene.scan()
    db.session.add(Checkin(meeting_id=meeting.id, resident_id=scene.resident.id, route="poster", is_success=True, round=0))
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


# ------------------------------------------------------------------ eligibility


def test_resident_of_another_community_is_not_eligible(scene):
    meeting = scene.meeting()
    stranger = scene.make.resident(scene.make.community("第二社区"))
    outcome = scene.desk(meeting, code=stranger.member_code)
    assert outcome.reason == "not_eligible" and outcome.checkin.detail == "other_community"
    assert "第二社区" not in explain(outcome.checkin) and stranger.name not in explain(outcome.checkin)
    assert scene.scan(stranger).reason == "not_eligible"


def test_invited_only_meeting_refuses_the_uninvited(scene):
    meeting = scene.meeting(audience=Audience.INVITED)
    outcome = scene.scan()
    assert outcome.reason == "not_eligible" and explain(outcome.checkin) == "本场会议仅限受邀人员参加"
    services.invite(meeting, scene.resident, staff=scene.staff)
    assert scene.scan(at=START + timedelta(minutes=1)).ok


def test_council_members_are_invited_when_the_meeting_is_set(scene):
    member = scene.make.resident(scene.community, name="李建国")
    grant_role(member, Role.COUNCIL, scene.community, admin=SYSTEM)
    meeting = scene.meeting(audience=Audience.INVITED)
    assert [i.resident_id for i in services.invitees_of(meeting)] == [member.id]
    assert scene.scan(member).ok


def test_a_disabled_account_is_not_eligible(scene):
    meeting = scene.meeting()
    scene.resident.is_active_account = False
    db.session.commit()
    assert scene.desk(meeting, resident=scene.resident).checkin.detail == "inactive"


def test_staff_cannot_check_themselves_in(scene):
    meeting = scene.meeting()
    outcome = scene.desk(meeting, code=scene.staff.member_code)
    assert outcome.reason == "not_eligible" and outcome.checkin.detail == "self"
    assert scene.scan(scene.staff).ok  # scanning the venue with their own phone is fine


def test_staff_of_another_community_are_refused(scene):
    meeting = scene.meeting()
    outsider = scene.make.staff(scene.make.community("第二社区"))
    with pytest.raises(NotAllowed) as refused_1:
        scene.desk(meeting, code=scene.resident.member_code, staff=outsider)
    assert refused_1.value.code == "not_allowed"
    with pytest.raises(NotAllowed) as refused_2:
        scene.desk(meeting, resident=scene.resident, staff=outsider)
    assert refused_2.value.code == "not_allowed"
    assert count() == 0


# ------------------------------------------------------------------ codes


def test_unknown_member_code_is_invalid(scene):
    meeting = scene.meeting()
    outcome = scene.desk(meeting, code="ZZZZ9999")
    assert outcome.reason == "invalid" and outcome.checkin.resident_id is None
    assert outcome.checkin.code == "ZZZZ9999"


def test_venue_code_at_the_staff_scanner_is_invalid(scene):
    meeting = scene.meeting()
    outcome = scene.desk(meeting, code=f"http://x/v/{scene.venue.poster_token}")
    assert outcome.reason == "invalid" and outcome.checkin.detail == "venue_code"


def kiosk(meeting, at, slots_ago=0):
    return codes.kiosk_code(meeting.id, meeting.secret, codes.slot_at(at) - slots_ago)


def test_rotating_code_of_the_current_slot_is_accepted(scene):
    meeting = scene.meeting(security_mode=SecurityMode.ROTATING)
    outcome = scene.scan(code=kiosk(meeting, START), at=START)
    assert outcome.ok and outcome.checkin.route == "kiosk"


def test_rotating_code_of_the_previous_slot_is_accepted(scene):
    meeting = scene.meeting(security_mode=SecurityMode.ROTATING)
    assert scene.scan(code=kiosk(meeting, START, slots_ago=1), at=START).ok


def test_rotating_code_of_two_slots_ago_is_expired(scene):
    meeting = scene.meeting(security_mode=SecurityMode.ROTATING)
    outcome = scene.scan(code=kiosk(meeting, START, slots_ago=2), at=START)
    assert outcome.reason == "expired_code"
    assert explain(outcome.checkin) == "屏幕上的签到码已更新，请重新扫码"


def test_rotating_code_from_the_future_is_invalid(scene):
    meeting = scene.meeting(security_mode=SecurityMode.ROTATING)
    assert scene.scan(code=kiosk(meeting, START, slots_ago=-1), at=START).reason == "invalid"


def test_forged_rotating_code_is_invalid(scene):
    meeting = scene.meeting(security_mode=SecurityMode.ROTATING)
    forged = codes.kiosk_code(meeting.id, "not-the-secret", codes.slot_at(START))
    assert scene.scan(code=forged, at=START).reason == "invalid"
    assert scene.scan(code="garbage", at=START).reason == "invalid"


def test_kiosk_code_of_another_venue_is_invalid(scene):
    meeting = scene.meeting(security_mode=SecurityMode.ROTATING)
    elsewhere = services.create_venue(staff=scene.staff, unit=scene.community, name="湖景小区议事站", kind="station")
    assert scene.scan(venue=elsewhere, code=kiosk(meeting, START), at=START).reason == "invalid"


def test_a_rotating_meeting_refuses_the_printed_poster(scene):
    scene.meeting(security_mode=SecurityMode.ROTATING)
    outcome = scene.scan(at=START)
    assert outcome.reason == "invalid" and outcome.checkin.detail == "rotating_required"


def test_rate_limited(scene, app):
    app.config["CHECKIN_RATE_LIMIT"] = "3/minute"
    scene.meeting()
    answers = [scene.scan(at=START + timedelta(minutes=i)).reason for i in range(4)]
    assert answers == [None, "already_checked_in", "already_checked_in", "rate_limited"]
    assert count() == 4  # refused or not, every attempt is in the log


# ------------------------------------------------------------------ tickets (scan before login)


def test_a_ticket_carries_the_scanned_slot_through_a_slow_login(scene):
    meeting = scene.meeting(security_mode=SecurityMode.ROTATING)
    issued = services.issue_ticket(scene.venue, code=kiosk(meeting, START), now=START)
    assert issued.ticket is not None and issued.ticket.meeting_id == meeting.id
    later = START + timedelta(minutes=4)  # the code on the screen changed twelve times meanwhile
    outcome = services.check_in(issued.ticket.venue, services.CheckinRequest(
        route=Route.KIOSK, actor=scene.resident, ticket=issued.ticket, now=later))
    assert outcome.ok and outcome.checkin.scanned_at == START and outcome.checkin.created_at == later
    assert issued.ticket.checkin_id == outcome.checkin.id


def test_a_ticket_judges_the_window_at_the_scan(scene):
    scene.meeting()
    issued = services.issue_ticket(scene.venue, now=END - timedelta(minutes=1))
    outcome = services.check_in(issued.ticket.venue, services.CheckinRequest(
        route=Route.POSTER, actor=scene.resident, ticket=issued.ticket, now=END + timedelta(minutes=3)))
    assert outcome.ok


def test_an_old_ticket_is_expired(scene):
    scene.meeting()
    issued = services.issue_ticket(scene.venue, now=START)
    outcome = services.check_in(issued.ticket.venue, services.CheckinRequest(
        route=Route.POSTER, actor=scene.resident, ticket=issued.ticket, now=START + timedelta(minutes=11)))
    assert outcome.reason == "expired_code" and outcome.checkin.detail == "ticket"


def test_a_refused_scan_before_login_is_logged_without_a_resident(scene):
    scene.meeting()
    issued = services.issue_ticket(scene.venue, now=OPENS - timedelta(minutes=5))
    assert issued.ticket is None and issued.refusal.reason == "outside_window"
    assert issued.refusal.checkin.resident_id is None and count() == 1


def test_scans_before_login_are_rate_limited_per_client(scene, app):
    app.config["CHECKIN_SCAN_RATE_LIMIT"] = "2/minute"
    scene.meeting()
    results = [services.issue_ticket(scene.venue, client="10.0.0.9", now=START) for _ in range(3)]
    assert [r.ticket is not None for r in results] == [True, True, False]
    assert results[2].refusal.reason == "rate_limited"


# ------------------------------------------------------------------ nonces


def test_a_replayed_nonce_returns_the_same_answer_and_writes_nothing(scene):
    meeting = scene.meeting()
    first = scene.desk(meeting, code=scene.resident.member_code, route=Route.API, nonce="n-1")
    again = scene.desk(meeting, code=scene.resident.member_code, route=Route.API, nonce="n-1", at=START + timedelta(minutes=5))
    assert again.replayed and again.checkin.id == first.checkin.id and again.ok
    assert count() == 1 and count(Transaction) == 1


def test_a_replayed_nonce_of_a_refusal_is_the_same_refusal(scene):
    meeting = scene.meeting()
    first = scene.desk(meeting, code="NOPE1234", route=Route.API, nonce="n-2")
    again = scene.desk(meeting, code=scene.resident.member_code, route=Route.API, nonce="n-2")
    assert again.replayed and again.reason == "invalid" and again.checkin.id == first.checkin.id
    assert count() == 1


def test_a_new_nonce_is_a_new_attempt(scene):
    meeting = scene.meeting()
    scene.desk(meeting, code=scene.resident.member_code, route=Route.API, nonce="n-3")
    assert scene.desk(meeting, code=scene.resident.member_code, route=Route.API, nonce="n-4").reason == "already_checked_in"


def test_nonces_belong_to_their_actor(scene):
    meeting = scene.meeting()
    colleague = scene.make.staff(scene.community)
    scene.desk(meeting, code=scene.resident.member_code, route=Route.API, nonce="same")
    other = scene.make.resident(scene.community)
    assert scene.desk(meeting, code=other.member_code, route=Route.API, nonce="same", staff=colleague).ok


# ------------------------------------------------------------------ undo


def test_undo_reverses_the_points_and_is_audited(scene):
    meeting = scene.meeting()
    row = scene.desk(meeting, resident=scene.resident).checkin
    undo = services.undo_checkin(row, staff=scene.staff, reason="认错人了", now=START + timedelta(minutes=5))
    assert ledger.balance_of(scene.resident) == 0
    reversal = db.session.get(Transaction, undo.reversal_id)
    assert reversal.kind == TransactionKind.REVERSAL and reversal.reverses_id == row.transaction_id
    assert (undo.actor_id, undo.reason) == (scene.staff.id, "认错人了")
    assert services.standing_checkin(meeting, scene.resident) is None
    assert services.attendance_count(meeting) == 0
    assert verify_ledger().ok


def test_undo_and_reversal_are_one_transaction(scene, monkeypatch):
    meeting = scene.meeting()
    row = scene.desk(meeting, resident=scene.resident).checkin
    import points.checkin.services.undo as module

    class UnwritableUndo:  # the undo row cannot be written after the reversal is booked…
        id, checkin_id = CheckinUndo.id, CheckinUndo.checkin_id

        def __init__(self, **values):
            raise RuntimeError("disk full")

    monkeypatch.setattr(module, "CheckinUndo", UnwritableUndo)
    with pytest.raises(RuntimeError):
        services.undo_checkin(row, staff=scene.staff, reason="x")
    monkeypatch.undo()
    assert ledger.balance_of(scene.resident) == 10  # …so the reversal was rolled back with it
    assert count(Transaction, Transaction.kind == "reversal") == 0


def test_undo_twice_is_refused(scene):
    meeting = scene.meeting()
    row = scene.desk(meeting, resident=scene.resident).checkin
    services.undo_checkin(row, staff=scene.staff, reason="认错人了")
    with pytest.raises(DomainError) as error:
        services.undo_checkin(row, staff=scene.staff, reason="again")
    assert error.value.code == "already_undone"


def test_undo_needs_a_reason(scene):
    meeting = scene.meeting()
    row = scene.desk(meeting, resident=scene.resident).checkin
    with pytest.raises(DomainError) as error:
        services.undo_checkin(row, staff=scene.staff, reason="  ")
    assert error.value.code == "reason_required"


def test_a_refusal_cannot_be_undone(scene):
    meeting = scene.meeting()
    row = scene.desk(meeting, code="NOPE1234").checkin
    with pytest.raises(DomainError) as error:
        services.undo_checkin(row, staff=scene.staff, reason="x")
    assert error.value.code == "not_a_checkin"


def test_staff_cannot_undo_their_own_check_in(scene):
    meeting = scene.meeting()
    row = scene.scan(scene.staff).checkin
    with pytest.raises(NotAllowed) as error:
        services.undo_checkin(row, staff=scene.staff, reason="x")
    assert error.value.code == "own_account"
    assert meeting.id == row.meeting_id


def test_staff_of_another_community_cannot_undo(scene):
    meeting = scene.meeting()
    row = scene.desk(meeting, resident=scene.resident).checkin
    outsider = scene.make.staff(scene.make.community("第二社区"))
    with pytest.raises(NotAllowed) as refused_3:
        services.undo_checkin(row, staff=outsider, reason="x")
    assert refused_3.value.code == "not_allowed"


def test_an_undone_resident_can_check_in_again_and_is_credited_again(scene):
    meeting = scene.meeting()
    row = scene.desk(meeting, resident=scene.resident).checkin
    services.undo_checkin(row, staff=scene.staff, reason="误操作")
    again = scene.scan(at=START + timedelta(minutes=10))
    assert again.ok and again.checkin.round == 1 and ledger.balance_of(scene.resident) == 10
    tx = db.session.get(Transaction, again.checkin.transaction_id)
    assert tx.idempotency_key.endswith(":round:1")
    assert verify_ledger().ok


def test_undo_of_points_already_spent_is_refused(scene):
    meeting = scene.meeting()
    row = scene.desk(meeting, resident=scene.resident).checkin
    ledger.hold(scene.resident, 10, key="spend", cause=("redemption", 1))
    with pytest.raises(DomainError) as error:
        services.undo_checkin(row, staff=scene.staff, reason="x")
    assert error.value.code == "insufficient_points"
    assert count(CheckinUndo) == 0


# ------------------------------------------------------------------ meetings


@pytest.mark.parametrize(("change", "code"), [
    ({"title": " "}, "invalid_title"),
    ({"hours": -1}, "ends_before_start"),
    ({"hours": 13}, "too_long"),
    ({"opens_before": 300}, "invalid_window"),
    ({"points": -1}, "invalid_points"),
    ({"security_mode": "sms"}, "invalid_mode"),
])
def test_meeting_fields_are_checked(scene, change, code):
    with pytest.raises(DomainError) as error:
        scene.meeting(**change)
    assert error.value.code == code


def test_a_meeting_in_the_past_is_refused(scene):
    with pytest.raises(DomainError) as error:
        services.schedule_meeting(staff=scene.staff, venue=scene.venue, title="x", starts_at=START, ends_at=END,
                                  now=END + timedelta(minutes=1))
    assert error.value.code == "in_past"


def test_a_venue_cannot_be_double_booked(scene):
    scene.meeting()
    with pytest.raises(DomainError) as error:
        scene.meeting(start=START + timedelta(hours=1))
    assert error.value.code == "venue_booked"
    assert scene.meeting(start=END).id  # back to back is fine


def test_two_meetings_whose_windows_overlap_pick_the_nearest(scene):
    first = scene.meeting(title="上午场")
    second = scene.meeting(start=END, title="下午场")  # its window opens 30 minutes before the first ends
    assert services.meeting_at(scene.venue, END - timedelta(minutes=50)).id == first.id
    assert services.meeting_at(scene.venue, END - timedelta(minutes=10)).id == second.id


def test_staff_of_another_community_cannot_schedule_at_the_venue(scene):
    outsider = scene.make.staff(scene.make.community("第二社区"))
    with pytest.raises(NotAllowed) as refused_4:
        services.schedule_meeting(staff=outsider, venue=scene.venue, title="x", starts_at=START, ends_at=END, now=START)
    assert refused_4.value.code == "not_allowed"


def test_updating_a_meeting_moves_its_window(scene):
    meeting = scene.meeting()
    services.update_meeting(meeting, staff=scene.staff, venue=scene.venue, title="改期", starts_at=START + timedelta(hours=3),
                            ends_at=END + timedelta(hours=3), opens_before=15, now=START)
    assert meeting.opens_at == START + timedelta(hours=2, minutes=45) and meeting.title == "改期"


def test_a_meeting_with_check_ins_cannot_be_cancelled(scene):
    meeting = scene.meeting()
    scene.scan()
    with pytest.raises(DomainError) as error:
        services.cancel_meeting(meeting, staff=scene.staff, reason="x")
    assert error.value.code == "has_checkins"


def test_a_cancelled_meeting_cannot_be_changed(scene):
    meeting = scene.meeting()
    services.cancel_meeting(meeting, staff=scene.staff, reason="暴雨")
    with pytest.raises(DomainError) as error:
        services.close_meeting(meeting, staff=scene.staff, minutes="", headcount=0, now=START)
    assert error.value.code == "not_scheduled"


def test_closing_headcount_below_check_ins_flags_the_meeting(scene):
    meeting = scene.meeting()
    scene.scan()
    scene.desk(meeting, resident=scene.make.resident(scene.community))
    services.close_meeting(meeting, staff=scene.staff, minutes="议定：…", headcount=1, now=END)
    assert meeting.status == MeetingStatus.CLOSED and meeting.is_flagged_for_review


def test_closing_headcount_at_or_above_check_ins_is_clean(scene):
    meeting = scene.meeting()
    scene.scan()
    services.close_meeting(meeting, staff=scene.staff, minutes="", headcount=3, now=END)
    assert not meeting.is_flagged_for_review and meeting.closing_headcount == 3


def test_a_meeting_cannot_be_closed_before_it_starts(scene):
    meeting = scene.meeting()
    with pytest.raises(DomainError) as error:
        services.close_meeting(meeting, staff=scene.staff, minutes="", headcount=0, now=OPENS)
    assert error.value.code == "not_started"


# ------------------------------------------------------------------ votes


def test_only_checked_in_residents_vote(scene):
    meeting = scene.meeting()
    vote = services.open_vote(meeting, staff=scene.staff, question="是否同意安装声控灯？")
    absent = scene.make.resident(scene.community)
    with pytest.raises(DomainError) as error:
        services.cast_ballot(vote, absent, "yes")
    assert error.value.code == "not_checked_in"
    scene.scan()
    services.cast_ballot(vote, scene.resident, "yes")
    services.close_vote(vote, staff=scene.staff)
    assert (vote.yes, vote.no, vote.abstain, vote.passed) == (1, 0, 0, True)


def test_one_ballot_per_resident(scene):
    meeting = scene.meeting()
    scene.scan()
    vote = services.open_vote(meeting, staff=scene.staff, question="q")
    services.cast_ballot(vote, scene.resident, "no")
    with pytest.raises(DomainError) as error:
        services.cast_ballot(vote, scene.resident, "yes")
    assert error.value.code == "already_voted"


def test_voting_earns_no_points(scene):
    meeting = scene.meeting()
    scene.scan()
    vote = services.open_vote(meeting, staff=scene.staff, question="q")
    services.cast_ballot(vote, scene.resident, "yes")
    assert ledger.balance_of(scene.resident) == 10


def test_show_of_hands_is_recorded_closed(scene):
    meeting = scene.meeting()
    vote = services.record_show_of_hands(meeting, staff=scene.staff, question="q", yes=3, no=4, abstain=0)
    assert not vote.is_open and not vote.passed and vote.method == "hands"


def test_closing_the_meeting_closes_its_votes(scene):
    meeting = scene.meeting()
    scene.scan()
    vote = services.open_vote(meeting, staff=scene.staff, question="q")
    services.cast_ballot(vote, scene.resident, "abstain")
    services.close_meeting(meeting, staff=scene.staff, minutes="", headcount=1, now=END)
    assert not vote.is_open and vote.abstain == 1


# ------------------------------------------------------------------ tokens and the books


def test_api_tokens_are_stored_hashed_and_can_be_revoked(scene):
    token, plaintext = services.create_api_token(scene.staff, name="前台扫码枪")
    assert plaintext.startswith("pts_") and plaintext not in token.token_hash
    assert services.resident_for_token(plaintext)[0].id == scene.staff.id
    services.revoke_api_token(token, owner=scene.staff)
    assert services.resident_for_token(plaintext) is None


def test_residents_cannot_create_api_tokens(scene):
    with pytest.raises(NotAllowed) as refused_5:
        services.create_api_token(scene.resident, name="x")
    assert refused_5.value.code == "not_allowed"


def test_ledger_verify_checks_the_check_ins(scene):
    meeting = scene.meeting()
    row = scene.scan().checkin
    assert verify_ledger().ok and "checkins" in verify_ledger().checked
    db.session.execute(Checkin.__table__.update().where(Checkin.__table__.c.id == row.id).values(transaction_id=None))
    db.session.commit()
    assert [p.code for p in verify_ledger().problems] == ["checkin_unbooked"]
    assert meeting.id


def test_ledger_verify_sees_a_deleted_undo(scene):
    """Issue 14, finding 10: without its undo row the check-in counts again while its points stay reversed."""
    scene.meeting()
    row = scene.scan().checkin
    services.undo_checkin(row, staff=scene.staff, reason="认错人了")
    assert verify_ledger().ok
    db.session.execute(CheckinUndo.__table__.delete().where(CheckinUndo.__table__.c.checkin_id == row.id))
    db.session.commit()
    assert "checkin_reversal_without_undo" in [p.code for p in verify_ledger().problems]


def test_ledger_verify_sees_changed_points_on_a_check_in(scene):
    scene.meeting()
    row = scene.scan().checkin
    db.session.execute(Checkin.__table__.update().where(Checkin.__table__.c.id == row.id).values(points=50))
    db.session.commit()
    assert [p.code for p in verify_ledger().problems] == ["checkin_points_mismatch"]


def test_a_check_ins_award_is_taken_back_by_undo_only(scene):
    scene.meeting()
    row = scene.scan().checkin
    with pytest.raises(DomainError) as error:
        ledger.reverse(db.session.get(Transaction, row.transaction_id), actor=scene.staff, reason="x")
    assert error.value.code == "undo_checkin_instead"
    assert ledger.balance_of(scene.resident) == 10


# ------------------------------------------------------------------ the checkable protocol


class StandIn:
    """Not a meeting: only what `Checkable` lists, borrowed from one (an activity will bring its own)."""

    checkin_column = "meeting_id"
    is_cancelled = is_closed = requires_rotating_code = has_checkout = False
    awards_on_checkin = True

    def __init__(self, meeting) -> None:
        self.id, self.community_id, self.venue_id = meeting.id, meeting.community_id, meeting.venue_id
        self.community, self.venue = meeting.community, meeting.venue
        self.opens_at, self.closes_at = meeting.opens_at, meeting.closes_at
        self.checkout_closes_at, self.secret, self.kiosk_token = meeting.closes_at, meeting.secret, meeting.kiosk_token
        self.kiosk_ref = str(meeting.id)
        self.checkin_key, self.earning_action, self.earning_points = f"checkin:stand-in:{meeting.id}", meeting.earning_action, 3
        self.memo = "stand-in"
        self.welcome: set[int] = set()

    def why_ineligible(self, resident) -> str | None:
        return None if resident.id in self.welcome else "not_enrolled"


def test_a_meeting_and_the_stand_in_are_checkable(scene):
    meeting = scene.meeting()
    assert isinstance(meeting, Checkable) and isinstance(StandIn(meeting), Checkable)
    assert (meeting.checkin_key, meeting.earning_action.code) == (f"checkin:meeting:{meeting.id}", "meeting_attended")


def test_check_in_asks_the_target_only_through_the_protocol(scene):
    target = StandIn(scene.meeting())
    refused = scene.desk(target, resident=scene.resident)
    assert (refused.reason, refused.checkin.detail) == ("not_eligible", "not_enrolled")
    target.welcome.add(scene.resident.id)
    outcome = scene.desk(target, resident=scene.resident)
    assert outcome.ok and outcome.checkin.points == 3
    tx = db.session.get(Transaction, outcome.checkin.transaction_id)
    assert tx.idempotency_key == f"checkin:stand-in:{target.id}:resident:{scene.resident.id}" and tx.memo == "stand-in"
    assert scene.desk(target, resident=scene.resident).reason == "already_checked_in"


# ------------------------------------------------------------------ the kiosk


def test_the_kiosk_shows_a_code_only_while_the_window_is_open(scene):
    meeting = scene.meeting()
    before = services.kiosk_state(meeting, now=OPENS - timedelta(minutes=1))
    assert (before.state, before.code) == ("before", "")
    scene.scan(at=START)
    during = services.kiosk_state(meeting, now=START)
    assert during.state == "open" and during.count == 1
    assert during.code == codes.kiosk_code(meeting.id, meeting.secret, codes.slot_at(START)) and during.slot == codes.slot_at(START)
    after = services.kiosk_state(meeting, now=END + timedelta(hours=1))
    assert (after.state, after.why_over, after.code) == ("over", "closed", "")


def test_the_kiosk_of_a_cancelled_meeting_says_so(scene):
    meeting = scene.meeting()
    services.cancel_meeting(meeting, staff=scene.staff, reason="台风", now=BEFORE)
    assert services.kiosk_state(meeting, now=START).why_over == "cancelled"
