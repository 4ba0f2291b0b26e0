"""The proposal workflow (议题, §4): a resident's suggestion through screening, deliberation, decision, notice,
implementation, evaluation and archive (集、定、议、公、办、督、评、备); and the resident's inbox (消息).

`Proposal.state` moves only along `TRANSITIONS`, one service call per move, each move one `ProposalTransition`
row (who, when, note). Everything else a case gathers (objections, progress updates, ratings) has a table of its own.
"""
from __future__ import annotations

import enum
from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    Boolean, CheckConstraint, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..accounts.models import Resident
from ..db import UTCDateTime, db, enum_check, utcnow
from ..units.models import Unit

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


class ProposalSettings(db.Model):
    """A community's periods and threshold; absent means the defaults."""

    __tablename__ = "proposal_settings"
    __table_args__ = (
        CheckConstraint("screening_days BETWEEN 1 AND 60", name="screening_days"),
        CheckConstraint("objection_days BETWEEN 1 AND 60", name="objection_days"),
        CheckConstraint("rating_days BETWEEN 1 AND 90", name="rating_days"),
        CheckConstraint("threshold_percent BETWEEN 0 AND 99", name="threshold_percent"),
    )

    community_id: Mapped[int] = mapped_column(ForeignKey("units.id"), primary_key=True)
    screening_days: Mapped[int] = mapped_column(Integer, default=DEFAULT_SCREENING_DAYS)
    objection_days: Mapped[int] = mapped_column(Integer, default=DEFAULT_OBJECTION_DAYS)
    rating_days: Mapped[int] = mapped_column(Integer, default=DEFAULT_RATING_DAYS)
    threshold_percent: Mapped[int] = mapped_column(Integer, default=DEFAULT_THRESHOLD_PERCENT)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("residents.id"))


class Category(db.Model):
    """A scope category (协商范围) of a community."""

    __tablename__ = "proposal_categories"
    __table_args__ = (UniqueConstraint("community_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    name: Mapped[str] = mapped_column(String(60))
    position: Mapped[int] = mapped_column(Integer, default=0)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)


class NegativeListItem(db.Model):
    """A reason a community does not take a matter up (五不议 / 负面清单)."""

    __tablename__ = "proposal_negative_items"
    __table_args__ = (UniqueConstraint("community_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    name: Mapped[str] = mapped_column(String(80))
    position: Mapped[int] = mapped_column(Integer, default=0)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)


class Proposal(db.Model):
    """A resident's suggestion (建言) and, once accepted, the topic (议题) and its whole case."""

    __tablename__ = "proposals"
    __table_args__ = (
        enum_check("state", ProposalState),
        enum_check("owner_kind", OwnerKind, nullable=True),
        CheckConstraint("votes_for >= 0 AND votes_against >= 0 AND votes_abstain >= 0", name="votes_not_negative"),
        # A double tap or a resubmitted form makes one suggestion: the form's token is fixed when the page is drawn.
        UniqueConstraint("proposer_id", "submit_token"),
        Index("ix_proposals_community_state", "community_id", "state", "submitted_at"),
        Index("ix_proposals_proposer", "proposer_id", "submitted_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    # The affected unit: the proposer's building, compound, or the community; only its residents rate the outcome.
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    proposer_id: Mapped[int] = mapped_column(ForeignKey("residents.id"))
    entered_by_id: Mapped[int] = mapped_column(ForeignKey("residents.id"))  # the proposer, or staff for them
    submit_token: Mapped[str] = mapped_column(String(64))
    category_id: Mapped[int | None] = mapped_column(ForeignKey("proposal_categories.id"))
    title: Mapped[str] = mapped_column(String(80))
    description: Mapped[str] = mapped_column(Text, default="")
    is_anonymous: Mapped[bool] = mapped_column(Boolean, default=False)  # towards other residents; staff see who
    photos: Mapped[str] = mapped_column(String(200), default="")  # up to three photo tokens, space-separated
    state: Mapped[str] = mapped_column(String(16), default=ProposalState.SUBMITTED.value)
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime)
    screening_due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # 定
    screened_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    screened_by_id: Mapped[int | None] = mapped_column(ForeignKey("residents.id"))
    reject_reason: Mapped[str] = mapped_column(String(500), default="")
    negative_item_id: Mapped[int | None] = mapped_column(ForeignKey("proposal_negative_items.id"))
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("proposals.id"))
    # 议 · 决
    # The meetings are those whose `proposal_id` names this case; the counts are the vote the decision came from.
    votes_for: Mapped[int] = mapped_column(Integer, default=0)
    votes_against: Mapped[int] = mapped_column(Integer, default=0)
    votes_abstain: Mapped[int] = mapped_column(Integer, default=0)
    threshold_percent: Mapped[int | None] = mapped_column(Integer)
    is_passed: Mapped[bool | None] = mapped_column(Boolean)
    decision_text: Mapped[str] = mapped_column(Text, default="")  # the resolution and the minutes
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # 公
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    objection_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # 办 · 督
    owner_kind: Mapped[str | None] = mapped_column(String(16))
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("residents.id"))
    owner_name: Mapped[str] = mapped_column(String(80), default="")
    due_on: Mapped[date | None] = mapped_column(Date)  # local date the implementation should be done by
    # 评
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    rating_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    state_changed_at: Mapped[datetime] = mapped_column(UTCDateTime)

    community: Mapped[Unit] = relationship(foreign_keys=[community_id])
    unit: Mapped[Unit] = relationship(foreign_keys=[unit_id])
    proposer: Mapped[Resident] = relationship(foreign_keys=[proposer_id])
    category: Mapped[Category | None] = relationship()
    negative_item: Mapped[NegativeListItem | None] = relationship()
    owner: Mapped[Resident | None] = relationship(foreign_keys=[owner_id])
    merged_into: Mapped[Proposal | None] = relationship(remote_side=[id], foreign_keys=[merged_into_id])

    @property
    def status(self) -> ProposalState:
        return ProposalState(self.state)

    @property
    def photo_tokens(self) -> list[str]:
        return self.photos.split()

    @property
    def owner_kind_label(self) -> str:
        return OwnerKind(self.owner_kind).label if self.owner_kind else ""

    @property
    def is_public(self) -> bool:
        return self.status in PUBLIC_STATES

    def proposer_shown(self) -> str:
        """The proposer as other residents and the public see them: masked, or nobody when anonymous."""
        return str(_l("Anonymous")) if self.is_anonymous else self.proposer.masked_name

    def __repr__(self) -> str:
        return f"<Proposal {self.id} {self.state} {self.title!r}>"


class CoProposer(db.Model):
    """The proposer of a suggestion merged into this topic (共同建言人)."""

    __tablename__ = "proposal_co_proposers"
    __table_args__ = (UniqueConstraint("proposal_id", "resident_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposals.id"), index=True)
    resident_id: Mapped[int] = mapped_column(ForeignKey("residents.id"))
    source_id: Mapped[int] = mapped_column(ForeignKey("proposals.id"))  # the suggestion that was merged
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    resident: Mapped[Resident] = relationship()


class ProposalTransition(db.Model):
    """One move of a case's state: from, to, who, when, why. Append-only."""

    __tablename__ = "proposal_transitions"
    __table_args__ = (
        enum_check("from_state", ProposalState, nullable=True),
        enum_check("to_state", ProposalState),
        Index("ix_proposal_transitions_proposal", "proposal_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposals.id"))
    from_state: Mapped[str | None] = mapped_column(String(16))  # None: the suggestion was made
    to_state: Mapped[str] = mapped_column(String(16))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("residents.id"))  # None: the system (a job)
    note: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    actor: Mapped[Resident | None] = relationship()

    @property
    def to_label(self) -> str:
        return ProposalState(self.to_state).label


class Objection(db.Model):
    """A resident's objection to a published decision (公示期异议), and staff's answer."""

    __tablename__ = "proposal_objections"
    __table_args__ = (Index("ix_proposal_objections_proposal", "proposal_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposals.id"))
    resident_id: Mapped[int] = mapped_column(ForeignKey("residents.id"))
    reason: Mapped[str] = mapped_column(String(1000))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    answer: Mapped[str] = mapped_column(String(1000), default="")
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("residents.id"))
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    resident: Mapped[Resident] = relationship(foreign_keys=[resident_id])
    proposal: Mapped[Proposal] = relationship()

    @property
    def community(self) -> Unit:
        return self.proposal.community


class ProgressUpdate(db.Model):
    """A step of the implementation, with photos (办理进展)."""

    __tablename__ = "proposal_updates"
    __table_args__ = (Index("ix_proposal_updates_proposal", "proposal_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposals.id"))
    author_id: Mapped[int] = mapped_column(ForeignKey("residents.id"))
    text: Mapped[str] = mapped_column(String(1000))
    photos: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    author: Mapped[Resident] = relationship()

    @property
    def photo_tokens(self) -> list[str]:
        return self.photos.split()


class Rating(db.Model):
    """A resident of the affected unit rates the done case, once (评价)."""

    __tablename__ = "proposal_ratings"
    __table_args__ = (
        UniqueConstraint("proposal_id", "resident_id"),
        CheckConstraint("stars BETWEEN 1 AND 5", name="stars"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposals.id"), index=True)
    resident_id: Mapped[int] = mapped_column(ForeignKey("residents.id"))
    stars: Mapped[int] = mapped_column(Integer)
    comment: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Follow(db.Model):
    """A resident follows a case and hears when it moves on."""

    __tablename__ = "proposal_follows"
    __table_args__ = (UniqueConstraint("proposal_id", "resident_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposals.id"), index=True)
    resident_id: Mapped[int] = mapped_column(ForeignKey("residents.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Notification(db.Model):
    """One message in a resident's inbox (消息). Not a 公示: that is the public notice of a decision."""

    __tablename__ = "notifications"
    __table_args__ = (Index("ix_notifications_resident", "resident_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    resident_id: Mapped[int] = mapped_column(ForeignKey("residents.id"))
    # What it tells of ("proposal_accepted", "redemption_approved"…): picks the sentence, worded when shown, so each
    # reader gets their own language.
    kind: Mapped[str] = mapped_column(String(40))
    subject: Mapped[str] = mapped_column(String(120), default="")  # the case's title, the reward's name
    target: Mapped[str] = mapped_column(String(40), default="")  # what it links to: "proposal:12", "redemption:9"
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
