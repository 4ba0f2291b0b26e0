"""One case and what it gathers: the proposal, co-proposers, transitions, objections, progress updates, ratings,
follows."""
from __future__ import annotations

from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import Boolean, CheckConstraint, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ...accounts.models import Resident
from ...db import UTCDateTime, db, enum_check, utcnow
from ...units.models import Unit
from .settings import Category, NegativeListItem
from .states import PUBLIC_STATES, OwnerKind, ProposalState


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
