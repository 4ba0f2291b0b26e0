"""Refusals of the meeting services, each with a stable code (check-in refusals are logged rows, not errors)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from ...errors import DomainError


class VenueError(DomainError):
    code = "invalid_venue"
    message = _l("The venue could not be saved.")


class MeetingError(DomainError):
    code = "invalid_meeting"
    message = _l("The meeting could not be saved.")


class VoteError(DomainError):
    code = "invalid_vote"
    message = _l("The vote could not be recorded.")


class UndoError(DomainError):
    code = "invalid_undo"
    message = _l("This check-in cannot be undone.")


class TokenError(DomainError):
    code = "invalid_token"
    message = _l("The token could not be created.")
