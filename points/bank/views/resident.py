"""The resident's side of the bank: the catalogue, a reward, my redemptions with their pickup code, photos."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ...accounts.models import Role
from ...accounts.permissions import communities_for, has_role, is_staff_anywhere
from ...errors import DomainError
from ...ledger import services as ledger
from ...qr import qr_svg
from ... import photos
from .. import services
from ..forms import CancelForm, RequestForm
from ..models import REWARD_PHOTOS, RedemptionState, Reward
from .common import bp, own_redemption, own_reward


@bp.get("/")
def catalogue():
    entries = services.catalogue(current_user)
    mine = services.redemptions_of(current_user, limit=20)
    return render_template(
        "bank/catalogue.html", entries=entries, balance=ledger.balance_of(current_user),
        bank=services.bank_for(current_user.community_id), donors=services.honour_list(current_user.community_id),
        ready=[r for r in mine if r.status == RedemptionState.APPROVED],
        waiting=[r for r in mine if r.status == RedemptionState.REQUESTED],
        pending=services.count_in([c.id for c in communities_for(current_user)], RedemptionState.REQUESTED)
        if is_staff_anywhere(current_user) else 0,
    )


@bp.get("/rewards/<int:reward_id>")
def reward(reward_id: int):
    item = own_reward(reward_id)
    return _reward_page(item, RequestForm())


def _reward_page(item: Reward, form: RequestForm, status: int = 200, error: str | None = None):
    balance = ledger.balance_of(current_user)
    entry = services.CatalogueEntry(item, services.is_available(item), balance >= item.price,
                                    services.remaining_limit(current_user, item))
    return render_template("bank/reward.html", entry=entry, reward=item, balance=balance, form=form, error=error,
                           bank=services.bank_for(item.community_id)), status


@bp.post("/rewards/<int:reward_id>/request")
def request_reward(reward_id: int):
    item = own_reward(reward_id)
    form = RequestForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        redemption = services.request_redemption(current_user, item, token=form.token.data)
    except DomainError as error:
        return _reward_page(item, RequestForm(formdata=None), 409, error=str(error.message))
    flash(_("Requested. %(points)d points are held until staff approve it.", points=redemption.points), "success")
    return redirect(url_for("bank.redemption", redemption_id=redemption.id))


@bp.get("/mine")
def mine():
    return render_template("bank/mine.html", redemptions=services.redemptions_of(current_user, limit=100))


@bp.get("/mine/<int:redemption_id>")
def redemption(redemption_id: int):
    item = own_redemption(redemption_id)
    qr = None
    if item.status == RedemptionState.APPROVED:
        qr = qr_svg(item.pickup_qr_payload, title=_("Pickup code for %(reward)s", reward=item.reward.name))
    return render_template("bank/redemption.html", redemption=item, qr=qr, form=CancelForm(formdata=None),
                           bank=services.bank_for(item.community_id))


@bp.route("/mine/<int:redemption_id>/cancel", methods=["GET", "POST"])
def cancel(redemption_id: int):
    """GET: are you sure (what comes back)? POST: cancel."""
    item = own_redemption(redemption_id)
    if request.method == "GET":
        return render_template("bank/cancel_confirm.html", redemption=item, form=CancelForm(formdata=None))
    form = CancelForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        services.cancel_redemption(item, actor=current_user)
    except DomainError as error:
        flash(str(error.message), "error")
    else:
        flash(_("Cancelled. %(points)d points are back in your wallet.", points=item.points), "success")
    return redirect(url_for("bank.redemption", redemption_id=item.id))


@bp.get("/photos/<int:reward_id>/<token>-<size>.jpg")
def photo(reward_id: int, token: str, size: str):
    """Photos are only for the reward's own community (its residents and staff)."""
    item = services.get_reward(reward_id)
    if item is None or item.photo != token or size not in photos.SIZES:
        abort(404)
    if item.community_id != current_user.community_id and not has_role(current_user, Role.STAFF, item.community):
        abort(404)
    path = photos.photo_path(REWARD_PHOTOS, token, size)
    if not path.exists():
        abort(404)
    response = send_file(path, mimetype="image/jpeg", max_age=7 * 24 * 3600, conditional=True)
    response.cache_control.private = True  # the token changes with the photo, so a long private cache is safe
    return response

