"""Register, log in, log out, change password."""
from __future__ import annotations

from flask import Blueprint, Flask, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from ..domains import registry
from ..errors import DomainError
from ..extensions import login_manager
from ..forms import apply_error, int_arg
from ..units.forms import home_choices
from ..units.models import full_name
from ..units.services import communities, get_unit
from ..web import ActionForm, safe_next
from . import policy, recovery, services
from .forms import ROLE_LABELS, IssueCodeForm, LoginForm, PasswordForm, PolicyForm, RegisterForm, ResetWithCodeForm
from .models import Resident, Role
from .permissions import communities_for, is_staff_anywhere, load_or_404, staff_required

bp = Blueprint("accounts", __name__)

def _community_hint(next_path: str) -> int | None:
    """Where registration comes from may tell the community (a scanned venue's ticket in `next`)."""
    return next((found for hint in registry().community_hints if (found := hint(next_path))), None)


@login_manager.user_loader
def load_user(user_id: str) -> Resident | None:
    return services.resident_for_session(user_id)


@bp.route("/register", methods=["GET", "POST"])
def register():
    if current_user.is_authenticated:
        return redirect(url_for("ledger.wallet"))
    # A district has many communities: the resident picks theirs first, then sees only its buildings.
    all_communities = communities()
    chosen = get_unit(int_arg(request.args, "community") or _community_hint(request.args.get("next", "")))
    if chosen is None and len(all_communities) > 1:
        return render_template("accounts/choose_community.html", communities=all_communities)
    form = RegisterForm()
    form.unit.choices = home_choices([chosen] if chosen is not None and chosen.level == "community" else all_communities)
    if form.validate_on_submit():
        try:
            resident = services.register_resident(
                name=form.name.data, phone=form.phone.data, password=form.password.data,
                unit=get_unit(form.unit.data), client=request.remote_addr or "-",
                limit=current_app.config["REGISTER_RATE_LIMIT"],
                community_limit=current_app.config["REGISTER_COMMUNITY_RATE_LIMIT"],
            )
        except services.TooManyAttempts as error:
            form.form_errors.append(str(error.message))
            return render_template("accounts/register.html", form=form), 429
        except DomainError as error:
            apply_error(form, error)
        else:
            login_user(resident)
            flash(_("Welcome, %(name)s! Your points wallet is ready.", name=resident.name), "success")
            return redirect(safe_next(request.args.get("next"), url_for("ledger.wallet")))
    return render_template("accounts/register.html", form=form), 422 if form.errors or form.form_errors else 200


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(safe_next(request.args.get("next"), url_for("ledger.wallet")))
    form = LoginForm()
    status = 200
    if form.validate_on_submit():
        try:
            resident = services.authenticate(
                form.phone.data, form.password.data, client=request.remote_addr or "-",
                limit=current_app.config["LOGIN_RATE_LIMIT"], client_limit=current_app.config["LOGIN_CLIENT_RATE_LIMIT"],
            )
        except services.TooManyAttempts as error:
            form.form_errors.append(str(error.message))
            status = 429
        except DomainError as error:
            form.password.errors.append(str(error.message))
            status = 422
        else:
            login_user(resident, remember=form.remember.data)
            # Staff start at their 工作台 (today's meetings, the queue), not at their own wallet.
            landing = url_for("ledger.staff_home") if is_staff_anywhere(resident) else url_for("ledger.wallet")
            return redirect(safe_next(request.args.get("next"), landing))
    elif request.method == "POST":
        status = 422
    return render_template("accounts/login.html", form=form), status


@bp.post("/logout")
def logout():
    if ActionForm().validate_on_submit():
        if current_user.is_authenticated:
            services.end_sessions(current_user._get_current_object())
        logout_user()
    return redirect(url_for("web.index"))


@bp.get("/account")
@login_required
def mine():
    """我的: who I am, where I belong, and the switches (password, language, large type, privacy)."""
    return render_template("accounts/mine.html", home=full_name(current_user.unit))


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def password():
    form = PasswordForm()
    valid = form.validate_on_submit()
    if request.method == "POST" and current_user.password_hash and not current_user.check_password(form.current.data or ""):
        # Say every problem at once: a wrong current password must not hide "too short".
        form.current.errors = [*form.current.errors, _("The current password is wrong.")]
        valid = False
    if valid:
        try:
            services.change_password(current_user, current=form.current.data or "", new=form.new.data)
        except DomainError as error:
            apply_error(form, error)
        else:
            login_user(current_user._get_current_object())  # this device stays in; every other one is out
            flash(_("Your password has been changed."), "success")
            return redirect(url_for("accounts.mine"))
    return render_template("accounts/password.html", form=form), 422 if form.errors else 200


@bp.get("/login/forgot")
def forgot():
    return render_template("accounts/forgot.html", desk=current_app.config.get("HELP_DESK"))


@bp.route("/login/code", methods=["GET", "POST"])
def reset_with_code():
    """The resident types the one-time code from the desk and a new password, and is logged in."""
    form = ResetWithCodeForm()
    if form.validate_on_submit():
        try:
            resident = recovery.reset_password_with_code(
                form.phone.data, form.code.data, form.new.data, limit=current_app.config["LOGIN_RATE_LIMIT"],
            )
        except DomainError as error:
            apply_error(form, error)
        else:
            logout_user()
            login_user(resident)
            flash(_("Your new password is set. Use it from now on."), "success")
            return redirect(url_for("ledger.wallet"))
    return render_template("accounts/reset_with_code.html", form=form), 422 if form.errors or form.form_errors else 200


@bp.route("/staff/residents/<int:resident_id>/password-code", methods=["GET", "POST"])
@staff_required
def staff_reset_code(resident_id: int):
    """Staff check a resident's identity at the desk, then issue a one-time code shown once on this screen."""
    resident = load_or_404(services.get_resident, resident_id)
    form = IssueCodeForm()
    if form.validate_on_submit():
        try:
            row, code = recovery.issue_reset_code(resident, staff=current_user)
        except DomainError as error:
            apply_error(form, error)
        else:
            shown = recovery.deliver_reset_code(resident, code)
            response = current_app.make_response(render_template(
                "accounts/staff_reset_code.html", resident=resident, code=shown, row=row, form=form,
            ))
            response.headers["Cache-Control"] = "no-store"  # the code is shown once and never kept by the browser
            return response
    status = 422 if form.errors or form.form_errors else 200
    return render_template("accounts/staff_reset_code.html", resident=resident, code=None, form=form,
                           audit=recovery.codes_of(resident)), status


# ------------------------------------------------------------------ staff: confirming accounts, the policy


@bp.get("/staff/confirmations")
@staff_required
def staff_confirmations():
    """New accounts waiting for staff to confirm the person (实名确认) before their points are credited."""
    communities = communities_for(current_user)
    waiting = policy.unconfirmed_residents([c.id for c in communities])
    return render_template("accounts/staff_confirmations.html", waiting=waiting, communities=communities)


@bp.post("/staff/residents/<int:resident_id>/confirm")
@staff_required
def staff_confirm(resident_id: int):
    resident = load_or_404(services.get_resident, resident_id)
    if ActionForm().validate_on_submit():
        try:
            policy.confirm_resident(resident, staff=current_user)
        except DomainError as error:
            flash(str(error.message), "error")
        else:
            flash(_("%(name)s is confirmed; their points are credited.", name=resident.name), "success")
    return redirect(safe_next(request.form.get("next"), url_for("accounts.staff_confirmations")))


@bp.route("/admin/policy/<int:community_id>", methods=["GET", "POST"])
@login_required
def admin_policy(community_id: int):
    community = load_or_404(get_unit, community_id, role=Role.ADMIN)
    if community.level != "community":
        abort(404)
    current = policy.policy_for(community.id)
    form = PolicyForm(obj=current)
    if form.validate_on_submit():
        try:
            policy.update_policy(
                community, admin=current_user, eligibility=form.eligibility.data,
                manual_award_threshold=form.manual_award_threshold.data,
                is_single_staff_allowed=form.is_single_staff_allowed.data,
            )
        except DomainError as error:
            apply_error(form, error)
        else:
            flash(_("The settings have been saved."), "success")
            return redirect(url_for("accounts.admin_policy", community_id=community.id))
    status = 422 if form.errors or form.form_errors else 200
    return render_template("accounts/admin_policy.html", community=community, form=form,
                           changes=policy.policy_changes(community.id)), status


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    app.add_template_global(lambda role: str(ROLE_LABELS.get(role, role)), "role_label")
    login_manager.login_message = None
