"""The cases a lower domain may link its things to (`Registry.case_source`): a volunteer activity serves a case in
implementation (办), and volunteering reads them here without importing this package."""
from __future__ import annotations

from sqlalchemy import select

from ..db import db
from ..domains import CaseRef
from .models import Proposal, ProposalState


def _ref(proposal: Proposal) -> CaseRef:
    return CaseRef(id=proposal.id, title=proposal.title, community_id=proposal.community_id,
                   is_implementing=proposal.state == ProposalState.IMPLEMENTING.value)


class ProposalCases:
    @staticmethod
    def open_cases(community_ids: list[int]) -> list[CaseRef]:
        if not community_ids:
            return []
        return [_ref(p) for p in db.session.scalars(select(Proposal).where(
            Proposal.community_id.in_(community_ids), Proposal.state == ProposalState.IMPLEMENTING.value,
        ).order_by(Proposal.state_changed_at, Proposal.id).limit(200))]

    @staticmethod
    def get(proposal_id: int) -> CaseRef | None:
        proposal = db.session.get(Proposal, proposal_id)
        return _ref(proposal) if proposal is not None else None
