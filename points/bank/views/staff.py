"""Staff at the bank desk: the approval queue, the hand-over scanner, and redeeming for residents without a phone."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ...accounts import services as accounts
from ...accounts.models import Resident, Role
from ...accounts.permissions import communities_for, has_role, load_or_404, staff_required
from ...errors import DomainError
from ...forms import int_arg
from ...ledger import services as ledger
from ...units.models import full_name
from ...units.services import get_unit
from ...web import ActionForm
from .. import services
from ..forms import HandoverForm, RejectForm, RequestForm
from ..models import HANDOVER_UNDO_MINUTES, Redemption, RedemptionState
from .common import add_error, bp


def _staff_ids() -> list[int]:
    return [c.id for c in communities_for(current_user)]


@bp.get("/staff")
@staff_required
def staff_queue():
    ids = _staff_ids()
    queue = services.redemptions_in(ids, RedemptionState.REQUESTED)
    return render_template(
        "bank/staff_queue.html", queue=queue, glance=services.glance([r.resident for r in queue]),
        total=services.count_in(ids, RedemptionState.REQUESTED), ready=services.count_in(ids, RedemptionState.APPROVED),
        reject_form=RejectForm(formdata=None), many=len(ids) > 1, search=request.args.get("q", "").strip(),
        found=accounts.find_residents(ids, request.args["q"]) if request.args.get("q", "").strip() else [],
    )


@bp.post("/staff/redemptions/<int:redemption_id>/approve")
@staff_required
def staff_approve(redemption_id: int):
    item = load_or_404(services.get_redemption, redemption_id)
    if not _action_ok():
        abort(400)
    try:
        services.approve_redemption(item, staff=current_user)
    except DomainError as error:
        flash(str(error.message), "error")
    else:
        flash(_("Approved: %(reward)s for %(name)s.", reward=item.reward.name, name=item.resident.name), "success")
    return redirect(url_for("bank.staff_queue"))


@bp.post("/staff/redemptions/<int:redemption_id>/reject")
@staff_required
def staff_reject(redemption_id: int):
    item = load_or_404(services.get_redemption, redemption_id)
    form = RejectForm()
    if not form.validate_on_submit():
        flash(_("Please give a reason for not approving."), "error")
        return redirect(url_for("bank.staff_queue"))
    try:
        services.reject_redemption(item, staff=current_user, reason=form.reason.data)
    except DomainError as error:
        flash(str(error.message), "error")
    else:
        flash(_("Not approved: %(reward)s for %(name)s. The points went back.", reward=item.reward.name,
                name=item.resident.name), "success")
    return redirect(url_for("bank.staff_queue"))


@bp.route("/staff/redemptions/<int:redemption_id>/cancel", methods=["GET", "POST"])
@staff_required
def staff_cancel(redemption_id: int):
    """GET: what cancelling returns, and the reason. POST: cancel it."""
    item = load_or_404(services.get_redemption, redemption_id)
    if request.method == "GET":
        return render_template("bank/staff_cancel_confirm.html", item=item, form=RejectForm(formdata=None))
    form = RejectForm()
    if not form.validate_on_submit():
        return render_template("bank/staff_cancel_confirm.html", item=item, form=form), 422
    try:
        services.cancel_redemption(item, actor=current_user, reason=form.reason.data)
    except DomainError as error:
        flash(str(error.message), "error")
    else:
        flash(_("Cancelled for %(name)s. The points went back.", name=item.resident.name), "success")
    return redirect(url_for("bank.staff_handover"))


@bp.get("/staff/handover")
@staff_required
def staff_handover():
    return _handover_page(HandoverForm(formdata=None))


def _handover_page(form: HandoverForm, status: int = 200, resident: Resident | None = None):
    ids = _staff_ids()
    done_item = services.get_redemption(int_arg(request.args, "done"))
    if done_item is not None and done_item.community_id not in ids:
        done_item = None
    resident_id = int_arg(request.args, "resident")
    if resident is None and resident_id:
        resident = accounts.get_resident(resident_id)
    if resident is not None and resident.community_id not in ids:
        abort(404)
    waiting = services.redemptions_in(ids, RedemptionState.APPROVED, resident_id=resident.id if resident else None, limit=100)
    return render_template("bank/staff_handover.html", form=form, done=done_item, waiting=waiting, resident=resident,
                           many=len(ids) > 1, recent=services.recently_handed_over(ids),
                           undo_minutes=HANDOVER_UNDO_MINUTES, can_undo=services.can_undo_handover), status


@bp.post("/staff/handover")
@staff_required
def staff_handover_scan():
    """Scan → confirm → done: a scanned pickup code opens the confirmation, it never settles by itself."""
    form = HandoverForm()
    if not form.validate_on_submit():
        return _handover_page(form, 422)
    item = services.redemption_by_pickup_code(form.code.data)
    if item is None:
        resident = accounts.resident_by_member_code(form.code.data)
        if resident is not None and resident.community_id in _staff_ids():
            return redirect(url_for("bank.staff_handover", resident=resident.id))
        add_error(form.code, _("No redemption with this pickup code in your communities."))
        return _handover_page(form, 422)
    if not has_role(current_user, Role.STAFF, get_unit(item.community_id)):
        add_error(form.code, _("No redemption with this pickup code in your communities."))
        return _handover_page(form, 422)
    return redirect(url_for("bank.staff_fulfil", redemption_id=item.id))


@bp.route("/staff/redemptions/<int:redemption_id>/fulfil", methods=["GET", "POST"])
@staff_required
def staff_fulfil(redemption_id: int):
    """GET: who, what, from which request, and one button to hand it over. POST: hand it over."""
    item = load_or_404(services.get_redemption, redemption_id)
    if request.method == "GET":
        if item.state == RedemptionState.FULFILLED.value:
            return redirect(url_for("bank.staff_handover", done=item.id))
        return render_template("bank/staff_handover_confirm.html", item=item, glance=services.glance([item.resident]),
                               is_self=item.resident_id == current_user.id)
    if not _action_ok():
        abort(400)
    return _fulfil(item, HandoverForm(formdata=None))


def _fulfil(item: Redemption, form: HandoverForm):
    try:
        services.fulfil_redemption(item, staff=current_user)
    except services.WrongState as error:
        if error.code == "already_fulfilled":  # a second scan: say when, not an error page
            return redirect(url_for("bank.staff_handover", done=item.id))
        add_error(form.code, str(error.message))
        return _handover_page(form, 409)
    except DomainError as error:
        add_error(form.code, str(error.message))
        return _handover_page(form, 409)
    return redirect(url_for("bank.staff_handover", done=item.id))


@bp.route("/staff/redemptions/<int:redemption_id>/undo-handover", methods=["GET", "POST"])
@staff_required
def staff_undo_handover(redemption_id: int):
    """GET: what taking the hand-over back does, until when, and the reason. POST: take it back."""
    item = load_or_404(services.get_redemption, redemption_id)
    form = RejectForm(formdata=None) if request.method == "GET" else RejectForm()
    if request.method == "POST" and form.validate_on_submit():
        try:
            services.undo_handover(item, staff=current_user, reason=form.reason.data)
        except DomainError as error:
            flash(str(error.message), "error")
            return redirect(url_for("bank.staff_handover"))
        flash(_("Hand-over taken back: %(reward)s is ready for %(name)s to collect again, the points held again.",
                reward=item.reward.name, name=item.resident.name), "success")
        return redirect(url_for("bank.staff_handover"))
    page = render_template("bank/staff_undo_handover.html", item=item, form=form, deadline=services.undo_deadline(item),
                           open=services.can_undo_handover(item), is_self=item.resident_id == current_user.id,
                           undo_minutes=HANDOVER_UNDO_MINUTES)
    return page, 422 if form.errors else 200


def _action_ok() -> bool:
    return ActionForm().validate_on_submit()


# ------------------------------------------------------------------ staff: on behalf of a resident without a phone


@bp.get("/staff/residents/<int:resident_id>")
@staff_required
def staff_for_resident(resident_id: int):
    resident = load_or_404(accounts.get_resident, resident_id)
    return render_template("bank/staff_for_resident.html", resident=resident, entries=services.catalogue(resident),
                           balance=ledger.balance_of(resident), redemptions=services.redemptions_of(resident, limit=10),
                           form=RequestForm(), home=full_name(resident.unit))


@bp.post("/staff/residents/<int:resident_id>/rewards/<int:reward_id>")
@staff_required
def staff_request_for(resident_id: int, reward_id: int):
    resident = load_or_404(accounts.get_resident, resident_id)
    item = services.get_reward(reward_id)
    if item is None or item.community_id != resident.community_id:
        abort(404)
    form = RequestForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        # One page carries a button per reward: the token is per page, the request per reward.
        services.request_redemption(resident, item, token=f"{form.token.data}:{item.id}", actor=current_user)
    except DomainError as error:
        flash(str(error.message), "error")
    else:
        flash(_("Requested %(reward)s for %(name)s; another staff member approves it.", reward=item.name,
                name=resident.name), "success")
    return redirect(url_for("bank.staff_for_resident", resident_id=resident.id))

