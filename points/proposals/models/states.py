"""The workflow's states and the one table of allowed moves, the owner kinds, and the §4/§9 defaults."""
from __future__ import annotations

import enum

from flask_babel import lazy_gettext as _l



# §4 and §9 defaults; each community may change them (ProposalSettings).
DEFAULT_SCREENING_DAYS = 5  # working days to screen a suggestion
DEFAULT_OBJECTION_DAYS = 5  # working days a published decision is open to objections
DEFAULT_RATING_DAYS = 7  # calendar days residents may rate a case marked done
DEFAULT_THRESHOLD_PERCENT = 50  # a decision passes with more than this share of the votes cast in favour
OUTCOME_MIN_RATINGS = 3  # proposal_done_rated needs at least this many ratings…
OUTCOME_MIN_AVERAGE = 4  # …averaging at least this
MAX_PHOTOS = 3
PROPOSAL_PHOTOS = "proposals"  # the folder of suggestion and progress photos under uploads/

# The seeds' five scope categories (协商范围) and five things not taken up (五不议), for a new community.
DEFAULT_CATEGORIES = (
    _l("Public facilities and environment"),  # 公共设施与环境
    _l("Neighbourhood relations and order"),  # 邻里关系与秩序
    _l("Property management and services"),  # 物业管理与服务
    _l("Public welfare and services for residents"),  # 公益事业与便民服务
    _l("Culture, safety and other public matters"),  # 文化、安全与其他公共事务
)
DEFAULT_NEGATIVE_LIST = (
    _l("Against laws, regulations or policies"),  # 违反法律法规和政策的不议
    _l("Beyond the community's powers"),  # 超出社区职权范围的不议
    _l("A private dispute, not a public matter"),  # 涉及个人私事、非公共事务的不议
    _l("Already decided by a competent authority"),  # 已由有关部门依法作出决定的不议
    _l("Harms public order or good custom"),  # 有违公序良俗的不议
)


class ProposalState(enum.StrEnum):
    SUBMITTED = "submitted"  # 建言: waiting to be screened
    ACCEPTED = "accepted"  # 议题: taken up, waiting for a meeting
    REJECTED = "rejected"  # not taken up, with a reason (and a negative-list item)
    MERGED = "merged"  # folded into another topic; its proposer is a co-proposer there
    DELIBERATING = "deliberating"  # a meeting is scheduled
    DECIDED = "decided"  # the vote is recorded, not yet published
    PUBLICISED = "publicised"  # 公示: open to objections
    IMPLEMENTING = "implementing"  # 办理: an owner carries it out
    DONE = "done"  # marked done: residents of the affected unit rate it
    CONFIRMED = "confirmed"  # 销号: the proposer confirmed completion
    ARCHIVED = "archived"  # 备: the file is closed

    @property
    def label(self) -> str:
        return str(STATE_LABELS[self])

    def can_become(self, target: ProposalState) -> bool:
        return target in TRANSITIONS[self]


S = ProposalState
# The workflow, in one place. A topic not passed goes from its notice straight to the archive; a disputed
# completion goes back to implementation.
TRANSITIONS: dict[ProposalState, frozenset[ProposalState]] = {
    S.SUBMITTED: frozenset({S.ACCEPTED, S.REJECTED, S.MERGED}),
    S.ACCEPTED: frozenset({S.DELIBERATING}),
    S.DELIBERATING: frozenset({S.DECIDED}),
    S.DECIDED: frozenset({S.PUBLICISED}),
    S.PUBLICISED: frozenset({S.IMPLEMENTING, S.ARCHIVED}),
    S.IMPLEMENTING: frozenset({S.DONE}),
    S.DONE: frozenset({S.IMPLEMENTING, S.CONFIRMED, S.ARCHIVED}),
    S.CONFIRMED: frozenset({S.ARCHIVED}),
    S.REJECTED: frozenset(),
    S.MERGED: frozenset(),
    S.ARCHIVED: frozenset(),
}
# Past screening: what the public board shows.
PUBLIC_STATES = frozenset(TRANSITIONS) - {S.SUBMITTED, S.REJECTED, S.MERGED}
# A topic others can still be merged into.
OPEN_TOPIC_STATES = frozenset({S.ACCEPTED, S.DELIBERATING})
RATING_STATES = frozenset({S.DONE, S.CONFIRMED})

STATE_LABELS = {
    S.SUBMITTED: _l("Waiting for screening"),
    S.ACCEPTED: _l("Accepted as a topic"),
    S.REJECTED: _l("Not taken up"),
    S.MERGED: _l("Merged into another topic"),
    S.DELIBERATING: _l("In deliberation"),
    S.DECIDED: _l("Vote recorded"),
    S.PUBLICISED: _l("Public notice"),
    S.IMPLEMENTING: _l("Being carried out"),
    S.DONE: _l("Done, being rated"),
    S.CONFIRMED: _l("Confirmed by the proposer"),
    S.ARCHIVED: _l("Archived"),
}
NEXT_STEP = {
    S.SUBMITTED: _l("Staff or the council will screen it within the screening period."),
    S.ACCEPTED: _l("A deliberation meeting will be scheduled."),
    S.REJECTED: _l("Not taken up; the reason is shown."),
    S.MERGED: _l("It goes on as part of the topic it was merged into."),
    S.DELIBERATING: _l("Residents deliberate and vote at the meeting."),
    S.DECIDED: _l("The decision will be published for objections."),
    S.PUBLICISED: _l("Residents may object until the notice period ends."),
    S.IMPLEMENTING: _l("The owner carries it out and posts progress."),
    S.DONE: _l("Residents of the affected area rate it; the proposer confirms or disputes."),
    S.CONFIRMED: _l("The rating period ends, then the case is archived."),
    S.ARCHIVED: _l("The case file is complete."),
}


class OwnerKind(enum.StrEnum):
    STAFF = "staff"  # a community worker
    PARTNER = "partner"  # a partner organisation or merchant
    VOLUNTEERS = "volunteers"  # a volunteer team
    PARTY_MEMBER = "party_member"  # 党员领办: a party member claims the task
    OTHER = "other"

    @property
    def label(self) -> str:
        return str(OWNER_KIND_LABELS[self])


OWNER_KIND_LABELS = {
    OwnerKind.STAFF: _l("Community worker"), OwnerKind.PARTNER: _l("Partner"),
    OwnerKind.VOLUNTEERS: _l("Volunteer team"), OwnerKind.PARTY_MEMBER: _l("Party member (claimed)"),
    OwnerKind.OTHER: _l("Other"),
}
