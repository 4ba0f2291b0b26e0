"""Proposal services: the workflow (one call per move), settings and lists, the inbox (notifications), and what
pages read (reads). Every function that writes is one transaction (`@transaction`); views call exactly one."""
from .errors import AlreadyDone, InvalidInput, NotInUnit, PeriodNotOver, PeriodOver, WrongStage
from .deliberation import Invite
from .screening import screening_communities
from .notifications import (
    inbox_of, link_of, mark_all_read, notify, notify_many, open_notification, unread_count, wording,
)
from .reads import (
    PAGE_SIZE, CaseFile, board, case_file, cases_in, counts_by_state, follow_proposal, get_objection, get_proposal,
    has_rated, is_following, is_overdue, proposals_of, screening_counts, screening_queue,
)
from .settings import (
    add_working_days, categories_of, ensure_lists, negative_list_of, save_lists, save_settings, save_working_days,
    settings_for, working_day_lines, working_days_of,
)
from .workflow import (
    accept_proposal, affected_units, answer_objection, archive_proposal, assign_owner, award_outcome, claim_task,
    close_notice, confirm_completion, dispute_completion, mark_done, may_rate, may_screen, meetings_of, publish_decision,
    merge_proposal, post_update, proposers_of, raise_objection, rate_proposal, rating_summary, record_decision,
    reject_proposal, schedule_deliberation, settle_due, submit_proposal, unanswered_objections, votes_for,
)

__all__ = [
    "AlreadyDone", "InvalidInput", "NotInUnit", "PeriodNotOver", "PeriodOver", "WrongStage",
    "Invite", "screening_communities",
    "inbox_of", "link_of", "mark_all_read", "notify", "notify_many", "open_notification", "unread_count", "wording",
    "PAGE_SIZE", "CaseFile", "board", "case_file", "cases_in", "counts_by_state", "follow_proposal", "get_objection",
    "get_proposal", "has_rated", "is_following", "is_overdue", "proposals_of", "screening_counts", "screening_queue",
    "add_working_days", "categories_of", "ensure_lists", "negative_list_of", "save_lists", "save_settings",
    "save_working_days", "settings_for", "working_day_lines", "working_days_of",
    "accept_proposal", "affected_units", "answer_objection", "archive_proposal", "assign_owner", "award_outcome",
    "claim_task", "close_notice", "confirm_completion", "dispute_completion", "mark_done", "may_rate", "may_screen",
    "meetings_of", "merge_proposal", "post_update", "publish_decision", "proposers_of", "raise_objection", "rate_proposal",
    "rating_summary", "record_decision", "reject_proposal", "schedule_deliberation", "settle_due", "submit_proposal",
    "unanswered_objections", "votes_for",
]
