"""The proposal workflow's services: every move, every refusal (by its code), every award with its cap and key."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from points.accounts.permissions import SYSTEM
from points.checkin import services as checkin
from points.db import db
from points.errors import DomainError
from points.ledger.models import RefusedAward, Transaction
from points.ledger import services as ledger
from points.proposals import services
from points.proposals.models import (
    CoProposer, Notification, ProposalState as S, ProposalTransition,
)

from .conftest import NOW


def code_of(call, *args, **kwargs) -> str:
    with pytest.raises(DomainError) as error:
        call(*args, **kwargs)
    return error.value.code


def awards(resident, action: str) -> list[Transaction]:
    return list(db.session.scalars(select(Transaction).where(Transaction.resident_id == resident.id,
                                                             Transaction.action == action)))


def moves(proposal) -> list[tuple[str | None, str]]:
    return [(t.from_state, t.to_state) for t in db.session.scalars(
        select(ProposalTransition).where(ProposalTransition.proposal_id == proposal.id).order_by(ProposalTransition.id))]


# ------------------------------------------------------------------ 集


def test_submitting_records_the_suggestion_and_awards_two_points(scene):
    proposal = scene.submit()
    assert proposal.status == S.SUBMITTED and proposal.unit_id == scene.proposer.unit_id
    assert moves(proposal) == [(None, "submitted")]
    assert [t.idempotency_key for t in awards(scene.proposer, "suggestion_submitted")] == [f"proposal:{proposal.id}:submitted"]
    assert ledger.balance_of(scene.proposer) == 2


def test_the_same_form_token_makes_one_suggestion(scene):
    first = services.submit_proposal(scene.proposer, title="A", token="same", now=NOW)
    again = services.submit_proposal(scene.proposer, title="A", token="same", now=NOW)
    assert first.id == again.id and len(awards(scene.proposer, "suggestion_submitted")) == 1


def test_suggestion_points_are_capped_at_three_a_day(scene):
    for i in range(4):
        scene.submit(title=f"建议{i}")
    assert len(awards(scene.proposer, "suggestion_submitted")) == 3
    assert db.session.scalar(select(RefusedAward.reason_code)) == "daily_cap"
    scene.submit(title="第二天", at=NOW + timedelta(days=1))
    assert len(awards(scene.proposer, "suggestion_submitted")) == 4


def test_screening_deadline_is_five_working_days(scene):
    # Monday 10:00 → the end of the following Monday (five working days later), local time.
    proposal = scene.submit()
    assert services.add_working_days(NOW, 5) == proposal.screening_due_at
    assert proposal.screening_due_at.isoformat() == "2026-12-07T16:00:00+00:00"


def test_staff_enter_a_suggestion_for_a_resident_who_is_credited(scene):
    proposal = services.submit_proposal(scene.proposer, title="代录", token="x", actor=scene.staff, now=NOW)
    assert proposal.proposer_id == scene.proposer.id and proposal.entered_by_id == scene.staff.id
    assert ledger.balance_of(scene.proposer) == 2 and ledger.balance_of(scene.staff) == 0


def test_other_communitys_staff_cannot_enter_for_a_resident(scene):
    assert code_of(services.submit_proposal, scene.proposer, title="x", token="x", actor=scene.other_staff) == "not_allowed"


@pytest.mark.parametrize("kw, code", [
    (dict(title=""), "title_required"),
    (dict(title="长" * 81), "title_too_long"),
    (dict(category_id=999999), "invalid_category"),
    (dict(unit_id=999999), "invalid_unit"),
    (dict(photo_files=[b"not a photo"]), "invalid_photo"),
    (dict(photo_files=[b"x"] * 4), "too_many_photos"),
])
def test_bad_suggestions_are_refused_by_field(scene, kw, code):
    kw.setdefault("title", "楼道灯")
    assert code_of(services.submit_proposal, scene.proposer, token="t", **kw) == code


def test_a_resident_may_name_only_their_own_building_compound_or_community(scene):
    units = services.affected_units(scene.proposer)
    assert [u.level for u in units] == ["building", "compound", "community"]
    assert code_of(scene.submit, unit_id=scene.elsewhere.unit_id) == "invalid_unit"


# ------------------------------------------------------------------ 定


def test_accepting_awards_the_proposer_once(scene):
    proposal = services.accept_proposal(scene.submit(), actor=scene.council, now=NOW)
    assert proposal.status == S.ACCEPTED and proposal.screened_by_id == scene.council.id
    assert [t.idempotency_key for t in awards(scene.proposer, "suggestion_accepted")] == [
        f"proposal:{proposal.id}:accepted:{scene.proposer.id}"]
    assert code_of(services.accept_proposal, proposal, actor=scene.staff) == "already_accepted"
    assert len(awards(scene.proposer, "suggestion_accepted")) == 1


@pytest.mark.parametrize("who", ["proposer", "other_staff"])
def test_only_staff_or_council_of_the_community_screen(scene, who):
    proposal = scene.submit()
    assert code_of(services.accept_proposal, proposal, actor=getattr(scene, who)) == "not_allowed"
    assert code_of(services.reject_proposal, proposal, actor=getattr(scene, who), reason="x") == "not_allowed"


def test_rejecting_needs_a_reason_and_may_name_a_negative_list_item(scene):
    services.ensure_lists(scene.community.id)
    item = services.negative_list_of(scene.community.id)[0]
    proposal = scene.submit()
    assert code_of(services.reject_proposal, proposal, actor=scene.staff, reason=" ") == "reason_required"
    other_item = services.ensure_lists(scene.other.id) or services.negative_list_of(scene.other.id)[0]
    assert code_of(services.reject_proposal, proposal, actor=scene.staff, reason="x",
                   negative_item_id=other_item.id) == "invalid_negative_item"
    proposal = services.reject_proposal(proposal, actor=scene.staff, reason="属于私事", negative_item_id=item.id, now=NOW)
    assert proposal.status == S.REJECTED and proposal.negative_item_id == item.id
    assert awards(scene.proposer, "suggestion_accepted") == []
    assert moves(proposal)[-1] == ("submitted", "rejected")


def test_a_new_community_has_the_default_lists_the_five_categories_and_five_not_taken_up(scene):
    assert len(services.categories_of(scene.community.id)) == 5
    assert len(services.negative_list_of(scene.community.id)) == 5
    services.save_lists(scene.community, staff=scene.staff, categories=["环境", "停车"], negative_items=["私事"])
    assert [c.name for c in services.categories_of(scene.community.id)] == ["环境", "停车"]
    assert code_of(services.save_lists, scene.community, staff=scene.other_staff, categories=["x"],
                   negative_items=["y"]) == "not_allowed"


def test_merging_makes_a_co_proposer_paid_once_per_topic(scene):
    topic = services.accept_proposal(scene.submit(), actor=scene.staff, now=NOW)
    neighbour = scene.neighbours[0]
    first = services.merge_proposal(scene.submit(neighbour, title="灯"), into=topic, actor=scene.staff, now=NOW)
    services.merge_proposal(scene.submit(neighbour, title="灯又坏"), into=topic, actor=scene.staff, now=NOW)
    assert first.status == S.MERGED and first.merged_into_id == topic.id
    assert db.session.scalar(select(func.count(CoProposer.id))) == 1
    assert len(awards(neighbour, "suggestion_accepted")) == 1
    # The proposer's own second suggestion merged into their topic earns nothing more.
    services.merge_proposal(scene.submit(title="同一件事"), into=topic, actor=scene.staff, now=NOW)
    assert len(awards(scene.proposer, "suggestion_accepted")) == 1


def test_merging_into_a_closed_topic_is_refused(scene):
    closed, _ = scene.walk(S.DECIDED)
    assert code_of(services.merge_proposal, scene.submit(), into=closed, actor=scene.staff) == "target_closed"


def test_merging_into_itself_is_refused(scene):
    proposal = scene.submit()
    assert code_of(services.merge_proposal, proposal, into=proposal, actor=scene.staff) == "invalid_target"


# ------------------------------------------------------------------ 议 · 决


def test_the_first_meeting_starts_deliberation_and_names_the_topic(scene):
    proposal, _ = scene.walk(S.ACCEPTED)
    meeting = scene.meeting(proposal)
    assert meeting.proposal_id == proposal.id
    second = scene.meeting(proposal, at=NOW + timedelta(days=3))
    db.session.refresh(proposal)
    assert proposal.status == S.DELIBERATING and [m.id for m in services.meetings_of(proposal)] == [meeting.id, second.id]
    assert moves(proposal)[-1] == ("accepted", "deliberating")


def test_a_meeting_cannot_be_scheduled_before_acceptance(scene):
    assert code_of(scene.meeting, scene.submit()) == "already_submitted"


def test_the_decision_comes_from_a_closed_vote_of_the_topics_meeting(scene):
    proposal, _ = scene.walk(S.DELIBERATING)
    meeting = services.meetings_of(proposal)[0]
    at = meeting.starts_at
    vote = checkin.open_vote(meeting, staff=scene.staff, question="是否同意", now=at)
    assert code_of(services.record_decision, proposal, staff=scene.staff, vote=vote, now=at) == "vote_open"
    other_topic, _ = scene.walk(S.DELIBERATING)
    other_vote = checkin.record_show_of_hands(services.meetings_of(other_topic)[0], staff=scene.staff, question="x",
                                              yes=1, no=0, abstain=0, now=at + timedelta(hours=3))
    assert code_of(services.record_decision, proposal, staff=scene.staff, vote=other_vote, now=at) == "invalid_vote"
    hands = checkin.record_show_of_hands(meeting, staff=scene.staff, question="是否同意", yes=5, no=5, abstain=0, now=at)
    decided = services.record_decision(proposal, staff=scene.staff, vote=hands, now=at)
    assert (decided.votes_for, decided.votes_against, decided.is_passed, decided.threshold_percent) == (5, 5, False, 50)


def test_the_threshold_is_editable(scene):
    services.save_settings(scene.community, staff=scene.staff, screening_days=5, objection_days=5, rating_days=7,
                           threshold_percent=66)
    proposal, _ = scene.walk(S.DECIDED)  # 8 of 11 in favour: 72 % > 66 %
    assert proposal.is_passed and proposal.threshold_percent == 66


# ------------------------------------------------------------------ 公


def test_objections_during_the_notice_and_answers(scene):
    proposal, at = scene.walk(S.PUBLICISED)
    assert proposal.objection_until.isoformat() == "2026-12-08T16:00:00+00:00"  # Tue 1 Dec + 5 working days
    objection = services.raise_objection(proposal, resident=scene.elsewhere, reason="太贵", now=at)
    assert code_of(services.raise_objection, proposal, resident=scene.other_staff, reason="x", now=at) == "other_community"
    assert code_of(services.close_notice, proposal, actor=scene.staff, now=at) == "notice_running"
    after = proposal.objection_until
    assert code_of(services.raise_objection, proposal, resident=scene.elsewhere, reason="x", now=after) == "notice_over"
    assert code_of(services.close_notice, proposal, actor=scene.staff, now=after) == "objections_unanswered"
    assert code_of(services.answer_objection, objection, staff=scene.other_staff, answer="x") == "not_allowed"
    services.answer_objection(objection, staff=scene.staff, answer="费用由维修基金出", now=after)
    assert code_of(services.answer_objection, objection, staff=scene.staff, answer="again") == "already_answered"
    assert services.close_notice(proposal, actor=scene.staff, now=after).status == S.IMPLEMENTING
    told = db.session.scalars(select(Notification.kind).where(Notification.resident_id == scene.elsewhere.id)).all()
    assert told == ["objection_answered"]


def test_objecting_before_publication_is_refused(scene):
    proposal, at = scene.walk(S.DECIDED)
    assert code_of(services.raise_objection, proposal, resident=scene.elsewhere, reason="x", now=at) == "already_decided"


def test_a_decision_not_passed_is_archived_after_its_notice(scene):
    proposal, at = scene.walk(S.ARCHIVED, passed=False)
    assert proposal.status == S.ARCHIVED
    assert moves(proposal)[-1] == ("publicised", "archived")


# ------------------------------------------------------------------ 办 · 督


def test_owner_deadline_and_progress(scene):
    proposal, at = scene.walk(S.IMPLEMENTING)
    assert code_of(services.post_update, proposal, author=scene.neighbours[0], text="x", now=at) == "not_allowed"
    services.assign_owner(proposal, staff=scene.staff, owner_kind="volunteers", owner_name="红马甲志愿队",
                          due_on=(at + timedelta(days=10)).date(), now=at)
    assert code_of(services.assign_owner, proposal, staff=scene.staff, owner_kind="nobody", owner_name="x") == "invalid_owner_kind"
    update = services.post_update(proposal, author=scene.staff, text="已采购灯具", now=at)
    assert update.proposal_id == proposal.id
    assert not services.is_overdue(proposal, at)
    assert services.is_overdue(proposal, at + timedelta(days=12))


def test_a_party_member_claims_a_task_once(scene):
    proposal, at = scene.walk(S.IMPLEMENTING)
    member = scene.neighbours[1]
    assert code_of(services.claim_task, proposal, resident=member, now=at) == "not_party_member"
    member.is_party_member = True
    db.session.commit()
    claimed = services.claim_task(proposal, resident=member, now=at)
    assert (claimed.owner_kind, claimed.owner_id) == ("party_member", member.id)
    assert code_of(services.claim_task, proposal, resident=member, now=at) == "has_owner"
    services.post_update(proposal, author=member, text="已联系物业", now=at)  # the owner posts progress


def test_marking_done_before_implementation_is_refused(scene):
    proposal, at = scene.walk(S.PUBLICISED)
    assert code_of(services.mark_done, proposal, staff=scene.staff, now=at) == "already_publicised"


# ------------------------------------------------------------------ 评


def test_residents_of_the_affected_unit_rate_once(scene):
    proposal, at = scene.walk(S.DONE)
    neighbour = scene.neighbours[0]
    services.rate_proposal(proposal, resident=neighbour, stars=5, comment="很好", now=at)
    assert code_of(services.rate_proposal, proposal, resident=neighbour, stars=4, now=at) == "already_rated"
    assert code_of(services.rate_proposal, proposal, resident=scene.elsewhere, stars=4, now=at) == "not_in_unit"
    assert code_of(services.rate_proposal, proposal, resident=scene.neighbours[1], stars=9, now=at) == "invalid_stars"
    assert code_of(services.rate_proposal, proposal, resident=scene.neighbours[1], stars=4,
                   now=proposal.rating_until) == "rating_over"
    assert [t.idempotency_key for t in awards(neighbour, "rating")] == [f"proposal:{proposal.id}:rating:{neighbour.id}"]


def test_rating_before_done_is_refused(scene):
    proposal, at = scene.walk(S.IMPLEMENTING)
    assert code_of(services.rate_proposal, proposal, resident=scene.neighbours[0], stars=5, now=at) == "not_done"


def test_only_the_proposer_confirms_or_disputes(scene):
    proposal, at = scene.walk(S.DONE)
    assert code_of(services.confirm_completion, proposal, resident=scene.neighbours[0], now=at) == "not_proposer"
    assert code_of(services.dispute_completion, proposal, resident=scene.staff, reason="x", now=at) == "not_proposer"
    assert code_of(services.dispute_completion, proposal, resident=scene.proposer, reason="", now=at) == "reason_required"
    reopened = services.dispute_completion(proposal, resident=scene.proposer, reason="五楼还是不亮", now=at)
    assert reopened.status == S.IMPLEMENTING and reopened.rating_until is None
    assert moves(proposal)[-1] == ("done", "implementing")


def test_a_well_rated_case_pays_its_proposers_once_after_the_rating_period(scene):
    proposal, at = scene.walk(S.DONE)
    topic_neighbour = scene.neighbours[2]
    for resident, stars in zip(scene.neighbours, (5, 4, 4)):
        services.rate_proposal(proposal, resident=resident, stars=stars, now=at)
    assert code_of(services.award_outcome, proposal, actor=scene.staff, now=at) == "rating_running"
    end = proposal.rating_until
    assert len(services.award_outcome(proposal, actor=scene.staff, now=end)) == 1
    services.award_outcome(proposal, actor=SYSTEM, now=end)
    assert services.archive_proposal(proposal, actor=SYSTEM, now=end).status == S.ARCHIVED
    assert [t.idempotency_key for t in awards(scene.proposer, "proposal_done_rated")] == [
        f"proposal:{proposal.id}:outcome:{scene.proposer.id}"]
    assert awards(topic_neighbour, "proposal_done_rated") == []


def test_a_poorly_or_thinly_rated_case_pays_no_outcome(scene):
    proposal, at = scene.walk(S.DONE)
    for resident, stars in zip(scene.neighbours, (5, 3, 3)):
        services.rate_proposal(proposal, resident=resident, stars=stars, now=at)
    assert services.award_outcome(proposal, actor=scene.staff, now=proposal.rating_until) == []


def test_the_settle_job_archives_cases_past_their_rating_period(scene):
    proposal, at = scene.walk(S.CONFIRMED)
    assert services.settle_due(actor=SYSTEM, now=at) == 0
    assert services.settle_due(actor=SYSTEM, now=proposal.rating_until) == 1
    db.session.refresh(proposal)
    assert proposal.status == S.ARCHIVED


def test_archiving_before_the_rating_period_ends_is_refused(scene):
    proposal, at = scene.walk(S.CONFIRMED)
    assert code_of(services.archive_proposal, proposal, actor=scene.staff, now=at) == "rating_running"


def test_the_whole_path_is_recorded_one_row_per_move(scene):
    proposal, _ = scene.walk(S.ARCHIVED)
    assert [to for _, to in moves(proposal)] == [
        "submitted", "accepted", "deliberating", "decided", "publicised", "implementing", "done", "confirmed", "archived"]
    file = services.case_file(proposal)
    assert len(file.stage_days) == 9 and file.meetings


# ------------------------------------------------------------------ 消息


def test_the_proposer_and_followers_are_told(scene):
    proposal = scene.submit()
    follower = scene.neighbours[0]
    services.accept_proposal(proposal, actor=scene.staff, now=NOW)
    services.follow_proposal(proposal, resident=follower)
    scene.meeting(proposal)
    # Both live in the affected building, so the meeting invites them too.
    assert sorted(n.kind for n in services.inbox_of(scene.proposer)) == ["meeting_invited", "proposal_accepted"]
    assert sorted(n.kind for n in services.inbox_of(follower)) == ["meeting_invited", "proposal_moved"]
    assert services.unread_count(follower) == 2
    note = next(n for n in services.inbox_of(follower) if n.kind == "proposal_moved")
    assert code_of(services.open_notification, note.id, resident=scene.proposer) == "not_found"
    services.open_notification(note.id, resident=follower)
    assert services.unread_count(follower) == 1


def test_following_a_case_not_yet_public_is_refused(scene):
    proposal = scene.submit()
    assert code_of(services.follow_proposal, proposal, resident=scene.neighbours[0]) == "not_found"
    assert code_of(services.follow_proposal, proposal, resident=scene.other_staff) == "not_found"


# ------------------------------------------------------------------ working days (§9: "5 working days")


def test_the_screening_deadline_and_the_objection_period_skip_national_day_and_count_the_exchanged_saturday(scene):
    from datetime import datetime, timezone

    eve = datetime(2026, 9, 30, 2, 0, tzinfo=timezone.utc)  # Wednesday 10:00 in Shanghai
    end_of_tuesday_13 = datetime(2026, 10, 13, 16, 0, tzinfo=timezone.utc)  # Wednesday 14 October, 00:00 local
    proposal = scene.submit(at=eve)
    assert proposal.screening_due_at == end_of_tuesday_13
    proposal, at = scene.walk(S.DECIDED, proposal)
    published = services.publish_decision(proposal, staff=scene.staff, now=eve)
    assert published.objection_until == end_of_tuesday_13
