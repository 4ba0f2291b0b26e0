"""What residents and volunteers see: registering, upcoming activities, signing up and cancelling (with a
confirm step, no JavaScript), the volunteer's page, the printable certificate, and its public check."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ...accounts.models import Role
from ...accounts.permissions import has_role
from ...db import utcnow
from ...errors import DomainError
from ...ledger.services import balance_of
from ...qr import qr_svg
from ...web import ActionForm
from .. import services
from ..forms import SkillsForm
from ..models import RECORD_STATUS_LABELS, REVIEW_REASON_LABELS, SKILL_LABELS, Activity, EnrollmentStatus, RecordStatus
from ...checkin.views.common import public_url

bp = Blueprint("volunteering", __name__)


@bp.route("/volunteering/register", methods=["GET", "POST"])
@login_required
def register():
    volunteer = services.volunteer_of(current_user)
    form = SkillsForm(data={"skills": volunteer.skill_list} if volunteer else None)
    if form.validate_on_submit():
        try:
            services.register_volunteer(current_user, actor=current_user, skills=form.skills.data or [])
        except DomainError as error:
            form.skills.errors = [*form.skills.errors, str(error.message)]
        else:
            flash(_("Your skills are saved.") if volunteer else _("Welcome! You are now a volunteer."), "success")
            return redirect(url_for("volunteering.mine"))
    return render_template("volunteering/register.html", form=form, volunteer=volunteer), 422 if form.errors else 200


@bp.get("/volunteering")
@login_required
def mine():
    now = utcnow()
    records = services.records_of(current_user)
    return render_template(
        "volunteering/mine.html", volunteer=services.volunteer_of(current_user), stars=services.stars_of(current_user),
        sign_ups=services.sign_ups_of(current_user, now=now), records=records, balance=balance_of(current_user),
        skill_labels=SKILL_LABELS, status_labels=RECORD_STATUS_LABELS, reason_labels=REVIEW_REASON_LABELS,
        confirmed=[r for r in records if r.status == RecordStatus.CONFIRMED], action_form=ActionForm(formdata=None),
    )


@bp.get("/volunteering/activities")
@login_required
def activities():
    now = utcnow()
    items = services.upcoming_activities(current_user.community_id, now=now)
    mine = {e.activity_id for e in services.sign_ups_of(current_user, now=now)}
    return render_template("volunteering/activities.html", activities=items, mine=mine, now=now,
                           is_volunteer=services.volunteer_of(current_user) is not None)


def _visible(activity_id: int) -> Activity:
    """An activity of the user's community (or one they are staff of); any other is not there."""
    activity = services.get_activity(activity_id)
    if activity is None or (activity.community_id != current_user.community_id
                            and not has_role(current_user, Role.STAFF, activity.community)):
        abort(404)
    return activity


def _activity_page(activity: Activity, *, confirm: str | None = None, status: int = 200):
    enrollment = services.enrollment_of(activity, current_user)
    signed = enrollment is not None and enrollment.status == EnrollmentStatus.SIGNED_UP
    return render_template(
        "volunteering/activity.html", activity=activity, signed=signed, now=utcnow(), confirm=confirm,
        is_volunteer=services.volunteer_of(current_user) is not None, form=ActionForm(formdata=None),
    ), status


@bp.get("/volunteering/activities/<int:activity_id>")
@login_required
def activity(activity_id: int):
    return _activity_page(_visible(activity_id))


@bp.route("/volunteering/activities/<int:activity_id>/sign-up", methods=["GET", "POST"])
@login_required
def sign_up(activity_id: int):
    """GET asks "sign up for …?"; the POST from that page signs up."""
    activity = _visible(activity_id)
    form = ActionForm()
    if not form.validate_on_submit():
        return _activity_page(activity, confirm="sign_up", status=400 if form.is_submitted() else 200)
    try:
        services.sign_up(activity, current_user)
    except DomainError as error:
        flash(str(error.message), "error")
        return _activity_page(activity, status=409)
    flash(_("You are signed up. Scan the code at the venue when you arrive and when you leave."), "success")
    return redirect(url_for("volunteering.activity", activity_id=activity.id))


@bp.route("/volunteering/activities/<int:activity_id>/cancel", methods=["GET", "POST"])
@login_required
def cancel(activity_id: int):
    activity = _visible(activity_id)
    form = ActionForm()
    if not form.validate_on_submit():
        return _activity_page(activity, confirm="cancel", status=400 if form.is_submitted() else 200)
    try:
        services.cancel_sign_up(activity, current_user)
    except DomainError as error:
        flash(str(error.message), "error")
        return _activity_page(activity, status=409)
    flash(_("Your sign-up is cancelled; the place is free for someone else."), "success")
    return redirect(url_for("volunteering.activity", activity_id=activity.id))


# ------------------------------------------------------------------ the certificate of service hours


@bp.post("/volunteering/certificate")
@login_required
def certify():
    form = ActionForm()
    if not form.validate_on_submit():
        abort(400)
    certificate = services.issue_certificate(current_user)
    return redirect(url_for("volunteering.certificate", certificate_id=certificate.id))


@bp.get("/volunteering/certificates/<int:certificate_id>")
@login_required
def certificate(certificate_id: int):
    held = services.get_certificate(certificate_id)
    if held is None or held.resident_id != current_user.id:
        abort(404)
    records = [r for r in services.records_of(current_user, limit=10_000)
               if r.status == RecordStatus.CONFIRMED and r.confirmed_at is not None and r.confirmed_at <= held.issued_at]
    url = public_url("volunteering.verify", token=held.token)
    return render_template("volunteering/certificate.html", certificate=held, records=records, url=url,
                           qr=qr_svg(url, title=_("Check this certificate"), css_class="qr certificate-qr"))


@bp.get("/c/<token>")
def verify(token: str):
    """Public, no login: what the certificate's QR opens. It confirms the figures as issued."""
    held = services.certificate_by_token(token[:64])
    if held is None:
        abort(404)
    return render_template("volunteering/verify.html", certificate=held)
