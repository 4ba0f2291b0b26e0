"""Check-in services: `check_in` (checkins), its undo (undo), what a scan is about (lookup), venues and meetings
(meetings), votes, API tokens, the kiosk's state (kiosk), and loading by id or token for the pages (reads).

Every function that writes is one transaction (`@transaction`); views call exactly one of them.
"""
from .checkins import CheckinOutcome, CheckinRequest, TicketOutcome, check_in, issue_ticket
from .errors import MeetingError, TokenError, UndoError, VenueError, VoteError
from .kiosk import KioskState, kiosk_state
from .lookup import (
    checkable_at, checkable_by_kiosk_token, checkins_of, expect_checkable, is_invited, meeting_at, next_meeting, standing_checkin,
)
from .meetings import (
    attendance,
    attendance_count,
    attendance_counts,
    attended_by,
    cancel_meeting,
    checkin_log,
    close_meeting,
    council_of,
    create_venue,
    invite,
    invited_resident_ids,
    invitees_of,
    meetings_for_staff,
    schedule_meeting,
    uninvite,
    upcoming_meetings,
    update_meeting,
    update_venue,
    venue_by_token,
    venues_in,
)
from .reads import (
    get_api_token,
    get_checkin,
    get_invitee,
    get_meeting,
    get_venue,
    get_vote,
    meeting_by_kiosk_token,
    meetings_open_today,
    ticket_by_token,
    unit_names,
    venue_places,
)
from .tokens import create_api_token, resident_for_token, revoke_api_token, tokens_of
from .undo import undo_checkin
from .votes import ballots_of, cast_ballot, close_vote, live_counts, open_vote, record_show_of_hands, votes_of

__all__ = [
    "CheckinOutcome", "CheckinRequest", "TicketOutcome", "check_in", "is_invited", "issue_ticket", "meeting_at",
    "next_meeting", "standing_checkin", "undo_checkin", "checkable_at", "checkable_by_kiosk_token", "checkins_of",
    "expect_checkable",
    "MeetingError", "TokenError", "UndoError", "VenueError", "VoteError",
    "attendance", "attendance_count", "attendance_counts", "attended_by", "cancel_meeting", "checkin_log",
    "close_meeting", "council_of", "create_venue", "invite", "invited_resident_ids", "invitees_of", "meetings_for_staff",
    "schedule_meeting", "uninvite", "upcoming_meetings", "update_meeting", "update_venue", "venue_by_token",
    "venues_in",
    "KioskState", "kiosk_state", "get_api_token", "get_checkin", "get_invitee", "get_meeting", "get_venue", "get_vote",
    "meeting_by_kiosk_token", "meetings_open_today", "ticket_by_token", "unit_names", "venue_places",
    "create_api_token", "resident_for_token", "revoke_api_token", "tokens_of",
    "ballots_of", "cast_ballot", "close_vote", "live_counts", "open_vote", "record_show_of_hands", "votes_of",
]
