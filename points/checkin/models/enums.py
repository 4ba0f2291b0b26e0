"""The check-in domain's enumerations: venue kinds, security modes, meeting states, routes, steps, reasons, votes."""
from __future__ import annotations

import enum




class VenueKind(enum.StrEnum):
    HALL = "hall"  # 议事厅: the community's hall
    STATION = "station"  # 议事站: in a compound
    CORNER = "corner"  # 睦邻议事点: a neighbourhood corner


class SecurityMode(enum.StrEnum):
    POSTER = "poster"  # the printed venue code is enough
    ROTATING = "rotating"  # the kiosk's changing code is required: a photo of the poster does not work from home


class Audience(enum.StrEnum):
    COMMUNITY = "community"  # any resident of the community may attend
    INVITED = "invited"  # only invited participants (council members and stakeholders)
    UNIT = "unit"  # the residents of one area (`Meeting.unit`: a building, compound or the community) and invitees


class MeetingStatus(enum.StrEnum):
    SCHEDULED = "scheduled"
    CLOSED = "closed"
    CANCELLED = "cancelled"


# The only transitions a meeting makes; services check against this table.
MEETING_TRANSITIONS: dict[MeetingStatus, set[MeetingStatus]] = {
    MeetingStatus.SCHEDULED: {MeetingStatus.CLOSED, MeetingStatus.CANCELLED},
    MeetingStatus.CLOSED: set(),
    MeetingStatus.CANCELLED: set(),
}


class InviteeRole(enum.StrEnum):
    COUNCIL = "council"  # fixed deliberation members (the 7 of 7+X)
    STAKEHOLDER = "stakeholder"  # invited for this meeting (the X)


class Route(enum.StrEnum):
    """How a check-in was attempted."""

    POSTER = "poster"  # the resident scanned the printed venue code
    KIOSK = "kiosk"  # the resident scanned the kiosk's rotating code
    SCANNER = "scanner"  # staff scanned or typed the resident's member code
    SEARCH = "search"  # staff found the resident by name and phone digits
    API = "api"  # a scanner device or app through POST /api/v1/checkins


SELF_ROUTES = (Route.POSTER, Route.KIOSK)


class Step(enum.StrEnum):
    """Which step of attendance an attempt is. Meetings know only check-in; things with `has_checkout` (a
    volunteer activity) also take a check-out, by the same routes, into the same log."""

    IN = "in"
    OUT = "out"


class Reason(enum.StrEnum):
    """Why a check-in was refused. Stable codes for machines; `explain` words them for people."""

    INVALID = "invalid"
    EXPIRED_CODE = "expired_code"
    OUTSIDE_WINDOW = "outside_window"
    NO_MEETING = "no_meeting"
    ALREADY_CHECKED_IN = "already_checked_in"
    NOT_ELIGIBLE = "not_eligible"
    RATE_LIMITED = "rate_limited"
    NOT_CHECKED_IN = "not_checked_in"  # a check-out with no standing check-in
    ALREADY_CHECKED_OUT = "already_checked_out"


class VoteMethod(enum.StrEnum):
    PHONES = "phones"  # checked-in residents vote on their phones
    HANDS = "hands"  # staff record a show of hands


class Choice(enum.StrEnum):
    YES = "yes"
    NO = "no"
    ABSTAIN = "abstain"
