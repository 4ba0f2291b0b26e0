"""Check-in answers in plain words: "已签到 14:03", "会议14:00开始，13:30后可签到".

Built from the log row alone (its reason, detail, meeting and time), so a replayed nonce is answered in the
same words as the first time.
"""
from __future__ import annotations

from datetime import datetime

from babel.dates import format_skeleton
from flask_babel import format_time, get_locale, get_timezone
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ..clock import local_date
from .models import Checkin, Reason, Route, Step
from .services.checkins import setting
from .services.lookup import next_meeting

ROUTE_LABELS = {
    Route.POSTER.value: _l("Venue poster"),
    Route.KIOSK.value: _l("Kiosk code"),
    Route.SCANNER.value: _l("Staff scan"),
    Route.SEARCH.value: _l("Staff search"),
    Route.API.value: _l("Scanner device"),
}

REASON_LABELS = {
    Reason.INVALID.value: _l("Invalid code"),
    Reason.EXPIRED_CODE.value: _l("Expired code"),
    Reason.OUTSIDE_WINDOW.value: _l("Outside check-in time"),
    Reason.NO_MEETING.value: _l("No meeting"),
    Reason.ALREADY_CHECKED_IN.value: _l("Already checked in"),
    Reason.NOT_ELIGIBLE.value: _l("Not eligible"),
    Reason.RATE_LIMITED.value: _l("Too many attempts"),
    Reason.NOT_CHECKED_IN.value: _l("Not checked in"),
    Reason.ALREADY_CHECKED_OUT.value: _l("Already checked out"),
}

STEP_LABELS = {Step.IN.value: _l("Check-in"), Step.OUT.value: _l("Check-out")}

AWARD_REFUSALS = {
    "daily_cap": _l("today's limit for meeting points is reached"),
    "monthly_cap": _l("this month's limit for meeting points is reached"),
    "rule_disabled": _l("this meeting carries no points"),
    "inactive_resident": _l("the account is disabled"),
    "unconfirmed": _l("the points will be credited once community staff confirm your account"),
}


def when(moment: datetime, *, reference: datetime | None = None) -> str:
    """"14:00" on the reference day, "11月25日 14:00" on another."""
    clock = format_time(moment, "HH:mm")
    if reference is not None and local_date(moment) == local_date(reference):
        return clock
    day = format_skeleton("MMMd", moment, locale=get_locale(), tzinfo=get_timezone())
    return f"{day} {clock}"


def clock(moment: datetime) -> str:
    return format_time(moment, "HH:mm")


def explain(row: Checkin) -> str:
    reference = row.scanned_at or row.created_at
    meeting = row.target  # a meeting, or another checkable thing (a volunteer activity)
    if row.is_success:
        if row.step == Step.OUT:
            return _("Checked out at %(time)s. Staff will confirm your hours.", time=clock(row.created_at))
        if meeting is not None and not meeting.awards_on_checkin:
            return _("Checked in at %(time)s. Scan the code again when you leave to check out.", time=clock(row.created_at))
        if row.points:
            return _("Checked in at %(time)s. +%(points)d points.", time=clock(row.created_at), points=row.points)
        why = AWARD_REFUSALS.get(row.detail)
        if why:
            return _("Checked in at %(time)s. No points this time: %(why)s.", time=clock(row.created_at), why=why)
        return _("Checked in at %(time)s.", time=clock(row.created_at))

    reason, detail = Reason(row.reason), row.detail
    if reason == Reason.NOT_CHECKED_IN:
        return _("You have not checked in here, so there is nothing to check out of.")
    if reason == Reason.ALREADY_CHECKED_OUT:
        at = row.original.created_at if row.original else row.created_at
        return _("Already checked out at %(time)s", time=when(at, reference=reference))
    if reason == Reason.ALREADY_CHECKED_IN:
        at = row.original.created_at if row.original else row.created_at
        return _("Already checked in at %(time)s", time=when(at, reference=reference))
    if reason == Reason.OUTSIDE_WINDOW and meeting is not None:
        if detail == "too_early":
            return _("The meeting starts at %(start)s; check-in opens at %(opens)s.",
                     start=when(meeting.starts_at, reference=reference), opens=when(meeting.opens_at, reference=meeting.starts_at))
        if detail == "closed":
            return _("The meeting has been closed; check-in is over.")
        return _("Check-in closed at %(time)s.", time=when(meeting.closes_at, reference=reference))
    if reason == Reason.NO_MEETING:
        if detail == "cancelled":
            return _("This meeting was cancelled.")
        following = next_meeting(row.venue, reference) if row.venue is not None else None
        if following is None:
            return _("There is no meeting here now, and none is scheduled.")
        return _("There is no meeting here now. Next: %(title)s, %(start)s (check-in from %(opens)s).",
                 title=following.title, start=when(following.starts_at, reference=reference),
                 opens=when(following.opens_at, reference=following.starts_at))
    if reason == Reason.NOT_ELIGIBLE:
        if detail == "self":
            return _("Staff cannot check themselves in. Please scan the venue's code with your own phone.")
        if detail == "other_community":
            # No name or community: staff of one community learn nothing about another's residents.
            return _("Not a resident of this community.")
        if detail == "inactive":
            return _("This account is disabled. Please ask community staff.")
        if detail == "not_signed_up":
            return _("Only volunteers signed up for this activity can check in.")
        return _("This meeting is for invited participants only.")
    if reason == Reason.EXPIRED_CODE:
        if detail == "ticket":
            return _("The scan was more than %(n)d minutes ago. Please scan the code again.",
                     n=int(setting("CHECKIN_TICKET_MINUTES")))
        return _("The code on the screen has changed. Please scan it again.")
    if reason == Reason.RATE_LIMITED:
        return _("Too many attempts. Please wait a minute and try again.")
    if detail == "unknown_member":
        return _("No resident has this member code.")
    if detail == "ticket_used":
        return _("This scan has already been used by someone else. Please scan the code at the venue yourself.")
    if detail == "venue_code":
        return _("This is a venue's code. Please scan the resident's member code.")
    if detail == "no_checkout":
        return _("A meeting has no check-out.")
    if detail == "rotating_required":
        return _("This meeting needs the changing code shown on the screen at the venue. Please scan that one.")
    return _("This code is not valid here. Please scan the code at the venue again.")


def subline(row: Checkin) -> str:
    """The line under the headline on a page: what `explain` says, without repeating the headline."""
    if row.is_success:
        if row.step == Step.OUT:
            return _("%(time)s · hours await staff confirmation", time=clock(row.created_at))
        target = row.target
        if target is not None and not target.awards_on_checkin:
            return _("%(time)s · scan again when you leave", time=clock(row.created_at))
        why = AWARD_REFUSALS.get(row.detail)
        if row.points or not why:
            return _("%(time)s · %(points)s points", time=clock(row.created_at), points=f"+{row.points}")
        return _("%(time)s · no points this time: %(why)s", time=clock(row.created_at), why=why)
    if row.reason == Reason.ALREADY_CHECKED_IN:
        at = row.original.created_at if row.original else row.created_at
        return _("Checked in at %(time)s", time=when(at, reference=row.scanned_at or row.created_at))
    if row.reason == Reason.ALREADY_CHECKED_OUT:
        at = row.original.created_at if row.original else row.created_at
        return _("Checked out at %(time)s", time=when(at, reference=row.scanned_at or row.created_at))
    return explain(row)


def headline(row: Checkin) -> str:
    """The big word on the result: 签到成功 / 已签到 / 未能签到."""
    if row.step == Step.OUT:
        if row.is_success:
            return _("Checked out successfully")
        if row.reason == Reason.ALREADY_CHECKED_OUT:
            return _("Already checked out")
        return _("Not checked out")
    if row.is_success:
        return _("Checked in successfully")
    if row.reason == Reason.ALREADY_CHECKED_IN:
        return _("Already checked in")
    return _("Not checked in")
