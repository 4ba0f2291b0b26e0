"""Venues, meetings, their invited participants and votes; the check-in log, login tickets and API tokens.

The check-in log (`Checkin`) is append-only: every attempt is one row, success or refusal. An undo is a row of
its own (`CheckinUndo`), so nothing in the log is ever updated or deleted.

One module per part (enums, meetings, log, votes, tokens); import from here.
"""
from .enums import (
    MEETING_TRANSITIONS, SELF_ROUTES, Audience, Choice, InviteeRole, MeetingStatus, Reason, Route, SecurityMode, Step,
    VenueKind, VoteMethod,
)
from .log import Checkin, CheckinTicket, CheckinUndo
from .meetings import Meeting, MeetingInvitee, Venue
from .tokens import ApiToken
from .votes import Ballot, Vote

__all__ = [
    "MEETING_TRANSITIONS", "SELF_ROUTES", "Audience", "Choice", "InviteeRole", "MeetingStatus", "Reason", "Route",
    "SecurityMode", "Step", "VenueKind", "VoteMethod", "Checkin", "CheckinTicket", "CheckinUndo", "Meeting",
    "MeetingInvitee", "Venue", "ApiToken", "Ballot", "Vote",
]
