"""What the volunteering services refuse with, each with a stable `code` and a message for people."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from ...errors import DomainError


class VolunteerError(DomainError):
    code = "volunteer_error"


class NotAVolunteer(DomainError):
    code = "not_a_volunteer"
    message = _l("Please register as a volunteer first.")


class ActivityError(DomainError):
    """A field of an activity is not acceptable; `field` names it."""

    code = "invalid_activity"


class ActivityFull(DomainError):
    code = "activity_full"
    message = _l("Sorry, all places for this activity are taken.")


class AlreadyStarted(DomainError):
    code = "already_started"
    message = _l("The activity has already started.")


class ActivityCancelled(DomainError):
    code = "activity_cancelled"
    message = _l("This activity was cancelled.")


class AlreadySignedUp(DomainError):
    code = "already_signed_up"
    message = _l("You have already signed up for this activity.")


class NotSignedUp(DomainError):
    code = "not_signed_up"
    message = _l("You are not signed up for this activity.")


class AlreadyConfirmed(DomainError):
    code = "already_confirmed"
    message = _l("These hours have already been confirmed.")


class NotConfirmed(DomainError):
    code = "not_confirmed"
    message = _l("These hours have not been confirmed yet; confirm or adjust them instead.")


class RecordConfirmed(DomainError):
    code = "record_confirmed"
    message = _l("These hours are confirmed: the check-in can no longer be undone. Adjust the hours instead.")


class RecordError(DomainError):
    """A record's figures or reason are not acceptable; `field` names the field."""

    code = "invalid_record"


class RecordExists(DomainError):
    code = "record_exists"
    message = _l("This volunteer already has a record for this activity.")
