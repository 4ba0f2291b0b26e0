"""The resident's wallet, and the staff pages that award or correct points by hand."""
from __future__ import annotations

from flask import Blueprint, Flask, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..accounts import services as accounts
from ..accounts.models import Resident, Role
from ..accounts.permissions import communities_for, load_or_404, staff_required
from ..errors import DomainError
from ..forms import apply_error, int_arg
from ..qr import qr_svg
from ..units.forms import home_choices
from ..units.models import full_name
from ..units.services import get_unit
from ..web import ActionForm
from . import services
from ..domains import registry
from .describe import describe, describe_refusal
from .earning import declared_action
from .forms import AwardForm, ResidentForm, ReverseForm, RuleForm, SearchForm
from .models import PendingAward, Transaction
from .rules import rules_for

bp = Blueprint("ledger", __name__)
HISTORY_PAGE = 20


@bp.app_template_filter("describe")
def _describe(tx: Transaction, closed_by: str | None = None) -> str:
    return describe(tx, closed_by)


@bp.app_template_filter("refusal")
def _refusal(code: str) -> str:
    return describe_refusal(code)


@bp.app_template_filter("signed")
def _signed(amount: int) -> str:
    return f"+{amount}" if amount > 0 else str(amount)


@bp.get("/wallet")
@login_required
def wallet():
    account = services.wallet_of(current_user)
    balance = account.balance if account else 0
    lifetime = account.lifetime_earned if account else 0
    before = int_arg(request.args, "before")
    history = services.history_of(current_user, limit=HISTORY_PAGE, before_id=before)
    return render_template(
        "ledger/wallet.html", balance=balance, lifetime=lifetime, history=history,
        panels=[panel for fn in registry().wallet_panels if (panel := fn(current_user, lifetime))],
        more=history[-1].transaction.id if len(history) == HISTORY_PAGE else None,
        qr=qr_svg(current_user.member_qr_payload, title=_("My member code")),
        refusals=services.refusals_of(current_user, limit=3) if before is None else [],
    )


@bp.get("/rules/<int:community_id>")
def rules(community_id: int):
    """The public rules page: every way to earn in a community, the amounts and the caps."""
    community = get_unit(community_id)
    if community is None or community.level != "community":
        abort(404)
    sections = [section for fn in registry().rules_sections if (section := fn(community))]
    return render_template("ledger/rules.html", community=community, rules=rules_for(community.id), sections=sections)


@bp.route("/admin/rules/<int:community_id>", methods=["GET", "POST"])
@login_required
def admin_rules(community_id: int):
    community = load_or_404(get_unit, community_id, role=Role.ADMIN)
    if community.level != "community":
        abort(404)  # a street or a building: rules belong to communities
    action = request.form.get("action", "")
    forms = {}
    for rule in rules_for(community.id):
        submitted = request.method == "POST" and action == rule.action.code
        forms[rule.action] = RuleForm(
            formdata=None if not submitted else request.form, prefix=rule.action.code,
            data={"points": rule.points, "daily_cap": rule.daily_cap, "monthly_cap": rule.monthly_cap},
        )
    if request.method == "POST":
        declared = declared_action(action)
        if declared not in forms:
            abort(400)
        form = forms[declared]
        if form.validate_on_submit():
            try:
                services.set_earning_rule(
                    community.id, declared, points=form.points.data, daily_cap=form.daily_cap.data,
                    monthly_cap=form.monthly_cap.data, admin=current_user,
                )
            except DomainError as error:
                apply_error(form, error)
            else:
                flash(_("The rule has been saved."), "success")
                return redirect(url_for("ledger.admin_rules", community_id=community.id))
    status = 422 if any(f.errors for f in forms.values()) else 200
    return render_template("ledger/admin_rules.html", community=community, forms=forms), status


@bp.get("/wallet/card")
@login_required
def my_card():
    return _card(current_user)


# ------------------------------------------------------------------ staff


@bp.get("/staff")
@staff_required
def staff_home():
    form = SearchForm(request.args)
    communities = communities_for(current_user)
    results = accounts.find_residents([c.id for c in communities], form.q.data or "") if form.q.data else []
    panels = [panel for fn in registry().staff_panels if (panel := fn(current_user, communities))]
    return render_template("ledger/staff_home.html", form=form, results=results, communities=communities, panels=panels)


@bp.get("/staff/residents/<int:resident_id>")
@staff_required
def staff_resident(resident_id: int):
    resident = load_or_404(accounts.get_resident, resident_id)
    account = services.wallet_of(resident)
    before = int_arg(request.args, "before")
    history = services.history_of(resident, limit=HISTORY_PAGE, before_id=before)
    return render_template(
        "ledger/staff_resident.html", resident=resident, account=account, history=history,
        more=history[-1].transaction.id if len(history) == HISTORY_PAGE else None,
        award_form=AwardForm(), reverse_form=ReverseForm(), home=full_name(resident.unit),
        is_self=resident.id == current_user.id, refusals=services.refusals_of(resident),
        pending=services.pending_awards([resident.community_id], resident=resident),
    )


@bp.post("/staff/residents/<int:resident_id>/award")
@staff_required
def staff_award(resident_id: int):
    resident = load_or_404(accounts.get_resident, resident_id)
    form = AwardForm()
    if form.validate_on_submit():
        try:
            result = services.award_manually(
                resident, form.points.data, staff=current_user, reason=form.reason.data,
                key=f"manual:{resident.id}:{form.token.data}",
            )
        except DomainError as error:
            apply_error(form, error)
        else:
            if isinstance(result, PendingAward):
                flash(_("%(points)d points for %(name)s wait for a second staff member to confirm them.",
                        points=form.points.data, name=resident.name), "success")
            else:
                flash(_("%(points)d points awarded to %(name)s.", points=form.points.data, name=resident.name), "success")
            return redirect(url_for("ledger.staff_resident", resident_id=resident.id))
    account = services.wallet_of(resident)
    history = services.history_of(resident, limit=HISTORY_PAGE)
    return render_template(
        "ledger/staff_resident.html", resident=resident, account=account, history=history, more=None,
        award_form=form, reverse_form=ReverseForm(formdata=None), home=full_name(resident.unit),
        is_self=resident.id == current_user.id, refusals=services.refusals_of(resident),
        pending=services.pending_awards([resident.community_id], resident=resident),
    ), 422


@bp.post("/staff/transactions/<int:transaction_id>/reverse")
@staff_required
def staff_reverse(transaction_id: int):
    tx = load_or_404(services.get_transaction, transaction_id)
    resident = accounts.get_resident(tx.resident_id) if tx.resident_id else None
    if resident is None:
        abort(404)
    form = ReverseForm()
    if not form.validate_on_submit():
        flash(_("Please give a reason for the correction."), "error")
    else:
        try:
            services.reverse(tx, actor=current_user, reason=form.reason.data)
        except DomainError as error:
            flash(str(error.message), "error")
        else:
            flash(_("The entry has been reversed."), "success")
    return redirect(url_for("ledger.staff_resident", resident_id=resident.id))


@bp.get("/staff/pending-awards")
@staff_required
def staff_pending_awards():
    """Manual awards above the threshold waiting for a second staff member (双人复核)."""
    pending = services.pending_awards([c.id for c in communities_for(current_user)])
    names = {r.id: r for r in accounts.residents_by_ids({p.resident_id for p in pending} | {p.requested_by_id for p in pending})}
    return render_template("ledger/staff_pending_awards.html", pending=pending, people=names)


@bp.post("/staff/pending-awards/<int:pending_id>/<decision>")
@staff_required
def staff_decide_award(pending_id: int, decision: str):
    if decision not in ("confirm", "reject"):
        abort(404)
    pending = load_or_404(services.get_pending_award, pending_id)
    if ActionForm().validate_on_submit():
        try:
            if decision == "confirm":
                services.confirm_pending_award(pending, staff=current_user)
            else:
                services.reject_pending_award(pending, staff=current_user)
        except DomainError as error:
            flash(str(error.message), "error")
        else:
            flash(_("The points have been awarded.") if decision == "confirm" else _("The award has been turned down."), "success")
    return redirect(url_for("ledger.staff_pending_awards"))


@bp.route("/staff/residents/new", methods=["GET", "POST"])
@staff_required
def staff_new_resident():
    form = ResidentForm()
    form.unit.choices = home_choices(communities_for(current_user))
    if form.validate_on_submit():
        try:
            resident = accounts.create_resident(
                staff=current_user, name=form.name.data, phone=form.phone.data or None,
                unit=get_unit(form.unit.data),
            )
        except DomainError as error:
            apply_error(form, error)
        else:
            flash(_("%(name)s is registered. Print a member card for them.", name=resident.name), "success")
            return redirect(url_for("ledger.staff_resident", resident_id=resident.id))
    status = 422 if form.errors or form.form_errors else 200
    return render_template("ledger/staff_new_resident.html", form=form), status


@bp.get("/staff/residents/<int:resident_id>/card")
@staff_required
def staff_card(resident_id: int):
    return _card(load_or_404(accounts.get_resident, resident_id))


def _card(resident: Resident):
    return render_template(
        "ledger/card.html", resident=resident, home=full_name(resident.unit),
        qr=qr_svg(resident.member_qr_payload, title=_("Member code of %(name)s", name=resident.name)),
    )


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
