"""Volunteering services: volunteers, activities and sign-ups (activities), service records and their
confirmation (records), and reads for the pages (reads). Every function that writes is one transaction."""
from .activities import cancel_activity, cancel_sign_up, create_activity, sign_up, update_activity
from .errors import (
    ActivityCancelled,
    ActivityError,
    ActivityFull,
    AlreadyConfirmed,
    AlreadySignedUp,
    AlreadyStarted,
    NotAVolunteer,
    NotSignedUp,
    RecordError,
    RecordExists,
    VolunteerError,
)
from .reads import (
    activities_for_case,
    activities_for_staff,
    activities_open_at,
    activity_by_kiosk_token,
    awaiting_confirmation,
    certificate_by_token,
    confirmed_minutes,
    enrollment_of,
    get_activity,
    get_certificate,
    get_record,
    hours_by_activity,
    hours_by_volunteer,
    issue_certificate,
    record_of_checkin,
    records_of,
    roster,
    sign_ups_of,
    stars_of,
    upcoming_activities,
)
from .records import adjust_record, backfill_record, clipped_minutes, close_forgotten_checkouts, confirm_record, points_for
from .volunteers import register_volunteer, volunteer_of

__all__ = [
    "cancel_activity", "cancel_sign_up", "create_activity", "sign_up", "update_activity",
    "ActivityCancelled", "ActivityError", "ActivityFull", "AlreadyConfirmed", "AlreadySignedUp", "AlreadyStarted",
    "NotAVolunteer", "NotSignedUp", "RecordError", "RecordExists", "VolunteerError",
    "activities_for_case", "activities_for_staff", "activities_open_at", "activity_by_kiosk_token", "awaiting_confirmation",
    "certificate_by_token", "confirmed_minutes", "enrollment_of", "get_activity", "get_certificate", "get_record",
    "hours_by_activity", "hours_by_volunteer", "issue_certificate", "record_of_checkin", "records_of", "roster", "sign_ups_of", "stars_of",
    "upcoming_activities",
    "adjust_record", "backfill_record", "clipped_minutes", "close_forgotten_checkouts", "confirm_record", "points_for",
    "register_volunteer", "volunteer_of",
]
