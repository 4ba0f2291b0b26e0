"""The bank's pages: the catalogue and a resident's redemptions; staff approval queue, hand-over desk,
catalogue, partners, donations and settings."""
from __future__ import annotations

from flask import Blueprint, Flask, abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user
from wtforms import SelectChoice

from .. import demo
from ..accounts import services as accounts
from ..accounts.models import Resident, Role
from ..accounts.permissions import communities_for, has_role, is_staff_anywhere
from ..errors import DomainError
from ..forms import apply_error, int_arg
from ..ledger import services as ledger
from ..qr import qr_svg
from ..units.models import Unit, full_name
from ..units.services import get_unit
from ..web import ActionForm
from . import cli, photos, services, verify
from . import demo as bank_demo
from .forms import CancelForm, DonationForm, HandoverForm, PartnerForm, RejectForm, RequestForm, RewardForm, SettingsForm
from .models import Partner, Redemption, RedemptionState, Reward

bp = Blueprint("bank", __name__, url_prefix="/bank")


# ------------------------------------------------------------------ loading and access


def own_reward(reward_id: int) -> Reward:
    """A reward of the current resident's own bank; anyone else's is a 404."""
    reward = services.get_reward(reward_id)
    if reward is None or reward.community_id != current_user.community_id:
        abort(404)
    return reward


def own_redemption(redemption_id: int) -> Redemption:
    redemption = services.get_redemption(redemption_id)
    if redemption is None or redemption.resident_id != current_user.id:
        abort(404)
    return redemption


def managed_community(community_id: int | None) -> Unit:
    """The community a staff page works on: the one asked for if the user is staff there, else their first."""
    communities = communities_for(current_user)
    if not communities:
        abort(404)
    if community_id is None:
        return communities[0]
    for community in communities:
        if community.id == community_id:
            return community
    abort(404)


def managed(obj):
    """Any bank object of a community the user is staff of; staff of another community get a 404."""
    if obj is None or not has_role(current_user, Role.STAFF, get_unit(obj.community_id)):
        abort(404)
    return obj


@bp.before_request
def _access():
    if not current_user.is_authenticated:
        if request.endpoint == "bank.photo":
            abort(404)
        return redirect(url_for("accounts.login", next=request.full_path))
    if request.endpoint and request.endpoint.startswith("bank.staff") and not is_staff_anywhere(current_user):
        abort(403)
    return None


# ------------------------------------------------------------------ residents


@bp.get("/")
def catalogue():
    entries = services.catalogue(current_user)
    mine = services.redemptions_of(current_user, limit=20)
    return render_template(
        "bank/catalogue.html", entries=entries, balance=ledger.balance_of(current_user),
        bank=services.bank_for(current_user.community_id), donors=services.honour_list(current_user.community_id),
        ready=[r for r in mine if r.status == RedemptionState.APPROVED],
        waiting=[r for r in mine if r.status == RedemptionState.REQUESTED],
        pending=services.count_in([c.id for c in communities_for(current_user)], RedemptionState.REQUESTED) if is_staff_anywhere(current_user) else 0,
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


@bp.post("/mine/<int:redemption_id>/cancel")
def cancel(redemption_id: int):
    item = own_redemption(redemption_id)
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
    path = photos.photo_path(token, size)
    if not path.exists():
        abort(404)
    response = send_file(path, mimetype="image/jpeg", max_age=7 * 24 * 3600, conditional=True)
    response.cache_control.private = True  # the token changes with the photo, so a long private cache is safe
    return response


# ------------------------------------------------------------------ staff: approval queue and hand-over


def _staff_ids() -> list[int]:
    return [c.id for c in communities_for(current_user)]


@bp.get("/staff")
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
def staff_approve(redemption_id: int):
    item = managed(services.get_redemption(redemption_id))
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
def staff_reject(redemption_id: int):
    item = managed(services.get_redemption(redemption_id))
    form = RejectForm()
    if not form.validate_on_submit():
        flash(_("Please give a reason for not approving."), "error")
        return redirect(url_for("bank.staff_queue"))
    try:
        services.reject_redemption(item, staff=current_user, reason=form.reason.data)
    except DomainError as error:
        flash(str(error.message), "error")
    else:
        flash(_("Not approved: %(reward)s for %(name)s. The points went back.", reward=item.reward.name, name=item.resident.name), "success")
    return redirect(url_for("bank.staff_queue"))


@bp.post("/staff/redemptions/<int:redemption_id>/cancel")
def staff_cancel(redemption_id: int):
    item = managed(services.get_redemption(redemption_id))
    form = RejectForm()
    if not form.validate_on_submit():
        flash(_("Please give a reason for cancelling."), "error")
    else:
        try:
            services.cancel_redemption(item, actor=current_user, reason=form.reason.data)
        except DomainError as error:
            flash(str(error.message), "error")
        else:
            flash(_("Cancelled for %(name)s. The points went back.", name=item.resident.name), "success")
    return redirect(url_for("bank.staff_handover"))


@bp.get("/staff/handover")
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
                           cancel_form=RejectForm(formdata=None), many=len(ids) > 1), status


@bp.post("/staff/handover")
def staff_handover_scan():
    form = HandoverForm()
    if not form.validate_on_submit():
        return _handover_page(form, 422)
    item = services.redemption_by_pickup_code(form.code.data)
    if item is None:
        resident = accounts.resident_by_member_code(form.code.data)
        if resident is not None and resident.community_id in _staff_ids():
            return redirect(url_for("bank.staff_handover", resident=resident.id))
        _add_error(form.code, _("No redemption with this pickup code in your communities."))
        return _handover_page(form, 422)
    if not has_role(current_user, Role.STAFF, get_unit(item.community_id)):
        _add_error(form.code, _("No redemption with this pickup code in your communities."))
        return _handover_page(form, 422)
    return _fulfil(item, form)


@bp.post("/staff/redemptions/<int:redemption_id>/fulfil")
def staff_fulfil(redemption_id: int):
    item = managed(services.get_redemption(redemption_id))
    if not _action_ok():
        abort(400)
    return _fulfil(item, HandoverForm(formdata=None))


def _fulfil(item: Redemption, form: HandoverForm):
    try:
        services.fulfil_redemption(item, staff=current_user)
    except services.WrongState as error:
        if error.code == "already_fulfilled":  # a second scan: say when, not an error page
            return redirect(url_for("bank.staff_handover", done=item.id))
        _add_error(form.code, str(error.message))
        return _handover_page(form, 409)
    except DomainError as error:
        _add_error(form.code, str(error.message))
        return _handover_page(form, 409)
    return redirect(url_for("bank.staff_handover", done=item.id))


def _add_error(field, message: str) -> None:
    """A field's errors are a tuple until the form has been validated."""
    field.errors = [*field.errors, message]


def _action_ok() -> bool:
    return ActionForm().validate_on_submit()


# ------------------------------------------------------------------ staff: on behalf of a resident without a phone


@bp.get("/staff/residents/<int:resident_id>")
def staff_for_resident(resident_id: int):
    resident = managed(accounts.get_resident(resident_id))
    return render_template("bank/staff_for_resident.html", resident=resident, entries=services.catalogue(resident),
                           balance=ledger.balance_of(resident), redemptions=services.redemptions_of(resident, limit=10),
                           form=RequestForm(), home=full_name(resident.unit))


@bp.post("/staff/residents/<int:resident_id>/rewards/<int:reward_id>")
def staff_request_for(resident_id: int, reward_id: int):
    resident = managed(accounts.get_resident(resident_id))
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
        flash(_("Requested %(reward)s for %(name)s; another staff member approves it.", reward=item.name, name=resident.name), "success")
    return redirect(url_for("bank.staff_for_resident", resident_id=resident.id))


# ------------------------------------------------------------------ staff: catalogue, partners, donations, settings


def _community_arg() -> int | None:
    return int_arg(request.values, "community")


def _partner_choices(community_id: int, blank: str) -> list[tuple[int, str]]:
    return [SelectChoice(0, blank)] + [SelectChoice(p.id, p.name) for p in services.partners_of(community_id)]


@bp.get("/staff/rewards")
def staff_rewards():
    community = managed_community(_community_arg())
    rewards = services.rewards_of(community.id)
    return render_template("bank/staff_rewards.html", community=community, communities=communities_for(current_user),
                           rewards=rewards, held=services.held_units([r.id for r in rewards]))


def _details(form: RewardForm) -> services.RewardDetails:
    return services.RewardDetails(
        name=form.name.data, price=form.price.data, kind=form.kind.data, description=form.description.data or "",
        limit_count=form.limit_count.data, limit_period=form.limit_period.data or None,
        available_from=form.available_from.data, available_until=form.available_until.data,
        partner_id=form.partner_id.data or None, is_listed=form.is_listed.data,
    )


def _upload(form: RewardForm) -> bytes | None:
    file = form.photo.data
    if not file or not getattr(file, "filename", ""):
        return None
    return file.read()


@bp.route("/staff/rewards/new", methods=["GET", "POST"])
def staff_new_reward():
    communities = communities_for(current_user)
    form = RewardForm()
    form.community.choices = [SelectChoice(c.id, c.name) for c in communities]
    community = managed_community(form.community.data if request.method == "POST" else _community_arg())
    form.partner_id.choices = _partner_choices(community.id, _("No donor"))
    if request.method == "GET":
        form.community.data = community.id
    if form.validate_on_submit():
        try:
            item = services.create_reward(
                community, _details(form), staff=current_user, photo=_upload(form),
                first_donation=form.first_donation.data, donation_token=form.donation_token.data,
            )
        except DomainError as error:
            apply_error(form, error)
        else:
            flash(_("%(name)s is in the catalogue.", name=item.name), "success")
            return redirect(url_for("bank.staff_rewards", community=community.id))
    return render_template("bank/staff_reward_form.html", form=form, reward=None, community=community,
                           many=len(communities) > 1), 422 if form.errors or form.form_errors else 200


@bp.route("/staff/rewards/<int:reward_id>", methods=["GET", "POST"])
def staff_edit_reward(reward_id: int):
    item = managed(services.get_reward(reward_id))
    initial = None
    if request.method == "GET":
        initial = {key: getattr(item, key) for key in (
            "name", "kind", "price", "description", "limit_count", "available_from", "available_until", "is_listed")}
        initial.update(limit_period=item.limit_period or "", partner_id=item.partner_id or 0, community=item.community_id)
    form = RewardForm(data=initial)
    form.community.choices = [SelectChoice(item.community_id, item.community.name)]
    form.partner_id.choices = _partner_choices(item.community_id, _("No donor"))
    if form.validate_on_submit():
        try:
            services.update_reward(item, _details(form), staff=current_user, photo=_upload(form),
                                   remove_photo=form.remove_photo.data)
        except DomainError as error:
            apply_error(form, error)
        else:
            flash(_("%(name)s is saved.", name=item.name), "success")
            return redirect(url_for("bank.staff_rewards", community=item.community_id))
    donations = services.donations_of(item.community_id, reward_id=item.id)
    return render_template("bank/staff_reward_form.html", form=form, reward=item, community=item.community,
                           donations=donations, held=services.held_units([item.id]).get(item.id, 0),
                           many=False), 422 if form.errors or form.form_errors else 200


@bp.get("/staff/partners")
def staff_partners():
    community = managed_community(_community_arg())
    return render_template("bank/staff_partners.html", community=community, communities=communities_for(current_user),
                           partners=services.partners_of(community.id),
                           donors={line.partner.id: line for line in services.honour_list(community.id, limit=1000)})


@bp.route("/staff/partners/new", methods=["GET", "POST"])
@bp.route("/staff/partners/<int:partner_id>", methods=["GET", "POST"])
def staff_partner(partner_id: int | None = None):
    communities = communities_for(current_user)
    item = managed(services.get_partner(partner_id)) if partner_id else None
    form = PartnerForm(obj=item if request.method == "GET" else None)
    form.community.choices = [SelectChoice(c.id, c.name) for c in communities]
    if item is not None:
        community = item.community_id
    else:
        community = managed_community(form.community.data if request.method == "POST" else _community_arg()).id
    if request.method == "GET":
        form.community.data = community
    if form.validate_on_submit():
        fields = dict(name=form.name.data, kind=form.kind.data, contact_name=form.contact_name.data or "",
                      contact_phone=form.contact_phone.data or "", address=form.address.data or "", note=form.note.data or "")
        try:
            if item is None:
                item = services.create_partner(get_unit(community), staff=current_user, **fields)
            else:
                services.update_partner(item, staff=current_user, **fields)
        except DomainError as error:
            apply_error(form, error)
        else:
            flash(_("%(name)s is saved.", name=item.name), "success")
            return redirect(url_for("bank.staff_partners", community=community))
    return render_template("bank/staff_partner_form.html", form=form, partner=item,
                           many=item is None and len(communities) > 1), 422 if form.errors or form.form_errors else 200


@bp.route("/staff/donations", methods=["GET", "POST"])
def staff_donations():
    community = managed_community(_community_arg())
    form = DonationForm()
    rewards = services.rewards_of(community.id)
    form.reward_id.choices = [SelectChoice(0, _("Choose…"))] + [SelectChoice(r.id, r.name) for r in rewards]
    form.partner_id.choices = _partner_choices(community.id, _("Choose…"))
    if request.method == "GET" and int_arg(request.args, "reward"):
        form.reward_id.data = int_arg(request.args, "reward")
        chosen = next((r for r in rewards if r.id == form.reward_id.data), None)
        if chosen is not None and chosen.partner_id:
            form.partner_id.data = chosen.partner_id
    if form.validate_on_submit():
        item = next((r for r in rewards if r.id == form.reward_id.data), None)
        if item is None:
            _add_error(form.reward_id, _("Choose the reward that was donated."))
        else:
            try:
                donation = services.record_donation(
                    item, staff=current_user, partner=services.get_partner(form.partner_id.data),
                    quantity=form.quantity.data, received_on=form.received_on.data, note=form.note.data or "",
                    token=form.token.data,
                )
            except DomainError as error:
                apply_error(form, error)
            else:
                flash(_("%(n)d × %(reward)s from %(partner)s booked into stock.", n=donation.quantity,
                        reward=item.name, partner=donation.partner.name), "success")
                return redirect(url_for("bank.staff_donations", community=community.id))
    return render_template("bank/staff_donations.html", form=form, community=community,
                           communities=communities_for(current_user), donations=services.donations_of(community.id)), \
        422 if form.errors or form.form_errors else 200


@bp.route("/staff/settings", methods=["GET", "POST"])
def staff_settings():
    community = managed_community(_community_arg())
    current = services.bank_for(community.id)
    form = SettingsForm(obj=current if request.method == "GET" else None)
    if form.validate_on_submit():
        try:
            services.save_bank_settings(community, staff=current_user, pickup_place=form.pickup_place.data or "",
                                        pickup_hours=form.pickup_hours.data or "", pickup_days=form.pickup_days.data)
        except DomainError as error:
            apply_error(form, error)
        else:
            flash(_("Saved."), "success")
            return redirect(url_for("bank.staff_settings", community=community.id))
    return render_template("bank/staff_settings.html", form=form, community=community,
                           communities=communities_for(current_user)), 422 if form.errors or form.form_errors else 200


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    app.config.setdefault("UPLOAD_FOLDER", None)
    app.cli.add_command(cli.bank)
    verify.init_app()
    demo.register_loader(bank_demo.load)
