"""What the proposal pages share: the blueprint, loading a case with the right 404/403, calling one service and
going back to the case."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from wtforms import SelectChoice

from ...accounts.models import Role
from ...accounts.permissions import communities_for, has_role
from ...errors import DomainError
from .. import services
from ..forms import SuggestForm
from ..models import Proposal, ProposalState


bp = Blueprint("proposals", __name__, url_prefix="/proposals")
S = ProposalState


def login_redirect():
    return redirect(url_for("accounts.login", next=request.full_path.rstrip("?")))


def may_see(proposal: Proposal) -> bool:
    """A case past screening is public; before (or rejected, merged) only its proposer and the screeners see it."""
    if proposal.is_public:
        return True
    if not current_user.is_authenticated:
        return False
    return proposal.proposer_id == current_user.id or services.may_screen(current_user, proposal.community)


def visible(proposal_id: int) -> Proposal:
    proposal = services.get_proposal(proposal_id)
    if proposal is None:
        abort(404)
    if not may_see(proposal):
        if not current_user.is_authenticated:
            abort(login_redirect())
        abort(404)
    return proposal


def of_my_community(proposal_id: int) -> Proposal:
    """A case a resident acts on (follow, object, rate, confirm, claim): one they see, of their own community.
    Another community's case is a 404 to them, public or not."""
    proposal = visible(proposal_id)
    if current_user.community_id != proposal.community_id:
        abort(404)
    return proposal


def screenable(proposal_id: int) -> Proposal:
    """A case the user screens: staff or council of its community (others: 404, or 403 if they live there)."""
    if not current_user.is_authenticated:
        abort(login_redirect())
    proposal = services.get_proposal(proposal_id)
    if proposal is None:
        abort(404)
    if services.may_screen(current_user, proposal.community):
        return proposal
    abort(403 if current_user.community_id == proposal.community_id else 404)


def back(proposal: Proposal, staff: bool = False):
    """Back to the case: the staff page for staff, the case page for everyone else (council members screen there)."""
    staff = staff and has_role(current_user, Role.STAFF, proposal.community)
    return redirect(url_for("proposals.staff_case" if staff else "proposals.case", proposal_id=proposal.id))


def run(call, proposal: Proposal, done: str, *, staff: bool = False, **kwargs):
    """Call one service; flash what happened; back to the case."""
    try:
        call(proposal, **kwargs)
    except DomainError as error:
        flash(str(error.message), "error")
    else:
        flash(done, "success")
    return back(proposal, staff)


def files_of(field) -> list[bytes]:
    return [f.read() for f in (field.data or []) if getattr(f, "filename", "")]


def suggest_choices(form: SuggestForm, resident) -> None:
    form.category.choices = [SelectChoice("", _("— choose —"))] + [
        SelectChoice(c.id, c.name) for c in services.categories_of(resident.community_id)]
    units = services.affected_units(resident)
    form.unit.choices = [SelectChoice(u.id, u.name) for u in units]
    if form.unit.data is None and units:
        form.unit.data = units[0].id


def staff_ids() -> list[int]:
    return [c.id for c in communities_for(current_user)]
