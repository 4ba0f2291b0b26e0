"""Staff keeping the catalogue: rewards, partners, donations (the only way stock comes in) and the bank's settings."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from wtforms import SelectChoice

from ...accounts.permissions import communities_for, community_or_404, load_or_404, staff_required
from ...errors import DomainError
from ...forms import apply_error, int_arg
from ...units.services import get_unit
from .. import services
from ..forms import DonationForm, PartnerForm, RewardForm, SettingsForm
from .common import add_error, bp


def _community_arg() -> int | None:
    return int_arg(request.values, "community")


def _partner_choices(community_id: int, blank: str) -> list[tuple[int, str]]:
    return [SelectChoice(0, blank)] + [SelectChoice(p.id, p.name) for p in services.partners_of(community_id)]


@bp.get("/staff/rewards")
@staff_required
def staff_rewards():
    community = community_or_404(_community_arg())
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
@staff_required
def staff_new_reward():
    communities = communities_for(current_user)
    form = RewardForm()
    form.community.choices = [SelectChoice(c.id, c.name) for c in communities]
    community = community_or_404(form.community.data if request.method == "POST" else _community_arg())
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
@staff_required
def staff_edit_reward(reward_id: int):
    item = load_or_404(services.get_reward, reward_id)
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
@staff_required
def staff_partners():
    community = community_or_404(_community_arg())
    return render_template("bank/staff_partners.html", community=community, communities=communities_for(current_user),
                           partners=services.partners_of(community.id),
                           donors={line.partner.id: line for line in services.honour_list(community.id, limit=1000)})


@bp.route("/staff/partners/new", methods=["GET", "POST"])
@bp.route("/staff/partners/<int:partner_id>", methods=["GET", "POST"])
@staff_required
def staff_partner(partner_id: int | None = None):
    communities = communities_for(current_user)
    item = load_or_404(services.get_partner, partner_id) if partner_id else None
    form = PartnerForm(obj=item if request.method == "GET" else None)
    form.community.choices = [SelectChoice(c.id, c.name) for c in communities]
    if item is not None:
        community = item.community_id
    else:
        community = community_or_404(form.community.data if request.method == "POST" else _community_arg()).id
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
@staff_required
def staff_donations():
    community = community_or_404(_community_arg())
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
            add_error(form.reward_id, _("Choose the reward that was donated."))
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
@staff_required
def staff_settings():
    community = community_or_404(_community_arg())
    current = services.bank_for(community.id)
    form = SettingsForm(obj=current if request.method == "GET" else None)
    if form.validate_on_submit():
        try:
            services.save_bank_settings(community, staff=current_user, pickup_place=form.pickup_place.data or "",
                                        pickup_hours=form.pickup_hours.data or "", pickup_days=form.pickup_days.data,
                                        open_days="".join(form.open_days.data or []), opens_at=form.opens_at.data,
                                        closes_at=form.closes_at.data)
        except DomainError as error:
            apply_error(form, error)
        else:
            flash(_("Saved."), "success")
            return redirect(url_for("bank.staff_settings", community=community.id))
    return render_template("bank/staff_settings.html", form=form, community=community,
                           communities=communities_for(current_user)), 422 if form.errors or form.form_errors else 200

