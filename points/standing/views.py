"""The honour roll (public, and printable), a resident's public-list choice, the admin's ladder and weights,
the indices for staff, and the standing section of the public rules page."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from markupsafe import Markup

from ..accounts.models import Role
from ..accounts.permissions import load_or_404
from ..errors import DomainError
from ..forms import apply_error
from ..units.models import Level, Unit
from ..units.services import get_unit
from . import boards, indices, levels
from .badges import BADGES
from .forms import PublicChoiceForm, StandingForm

bp = Blueprint("standing", __name__)


def _public_community(community_id: int) -> Unit:
    community = get_unit(community_id)
    if community is None or community.level != Level.COMMUNITY.value:
        abort(404)
    return community


def _honour(community_id: int):
    community = _public_community(community_id)
    period = boards.parse_period(request.args.get("period"), request.args.get("at"))
    start, end = period.window
    siblings = boards.neighbour_communities(community)
    return dict(
        community=community, period=period, earners=boards.top_earners(community.id, period),
        volunteers=boards.top_volunteers(community.id, period), fortress=indices.fortress_scores(siblings, start, end),
        compounds=indices.compound_fortress_scores(community, start, end),
    )


@bp.get("/honour/<int:community_id>")
def honour(community_id: int):
    return render_template("standing/honour.html", **_honour(community_id), kinds=boards.PERIOD_KINDS)


@bp.get("/honour/<int:community_id>/print")
def honour_print(community_id: int):
    return render_template("standing/honour_print.html", **_honour(community_id))


@bp.route("/wallet/public", methods=["GET", "POST"])
@login_required
def public_choice():
    choice = boards.choice_of(current_user)
    form = PublicChoiceForm(data={"show_name": choice.is_name_shown, "hidden": choice.is_hidden})
    if form.validate_on_submit():
        boards.set_public_choice(current_user, show_name=form.show_name.data, hidden=form.hidden.data)
        flash(_("Your choice has been saved."), "success")
        return redirect(url_for("standing.public_choice"))
    return render_template("standing/public_choice.html", form=form, masked=boards.mask(current_user.name))


@bp.route("/admin/standing/<int:community_id>", methods=["GET", "POST"])
@login_required
def admin(community_id: int):
    community = load_or_404(get_unit, community_id, role=Role.ADMIN)
    if community.level != Level.COMMUNITY.value:
        abort(404)
    form = StandingForm(data={"levels": levels.ladder_text(community.id), **indices.weights_for(community.id)})
    if form.validate_on_submit():
        try:
            indices.save_settings(community, form.levels.data, {k: form[k].data for k in indices.DEFAULTS}, admin=current_user)
        except DomainError as error:
            apply_error(form, error)
        else:
            flash(_("Levels and index weights have been saved."), "success")
            return redirect(url_for("standing.admin", community_id=community.id))
    status = 422 if form.errors or form.form_errors else 200
    return render_template("standing/admin.html", community=community, form=form, keys=indices.DEFAULTS), status


@bp.get("/staff/indices/<int:community_id>")
@login_required
def staff_indices(community_id: int):
    community = load_or_404(get_unit, community_id)
    if community.level != Level.COMMUNITY.value:
        abort(404)
    period = boards.parse_period(request.args.get("period"), request.args.get("at"))
    start, end = period.window
    return render_template(
        "standing/indices.html", community=community, period=period, kinds=boards.PERIOD_KINDS,
        pioneers=indices.pioneer_scores(community.id, start, end),
        fortress=indices.fortress_scores([community], start, end), labels=indices.LABELS,
        compounds=indices.compound_fortress_scores(community, start, end),
    )


def rules_section(community: Unit) -> Markup:
    return Markup(render_template(  # rendered, so escaped already
        "standing/_rules.html", community=community, ladder=levels.ladder_for(community.id), badges=BADGES,
        weights=indices.weights_for(community.id), labels=indices.LABELS,
    ))
