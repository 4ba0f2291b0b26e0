"""Staff pages for volunteering: activities (create, edit, cancel, poster and kiosk links), the desk (the check-in
package's scanner and search, with a check-in/check-out step), the roster, back-fill, the confirmation queue,
registering a volunteer on a resident's behalf, and the CSV exports. Another community's objects are a 404."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import format_datetime
from flask_babel import gettext as _
from flask_login import current_user
from wtforms import SelectChoice

from ...accounts import services as accounts
from ...accounts.models import Resident, Role
from ...accounts.permissions import communities_for, community_or_404, gate, has_role, load_or_404
from ...checkin import services as checkin
from ...checkin.forms import PickForm, ScanForm, SearchForm, UndoForm
from ...checkin.models import Route, Step
from ...checkin.views.common import desk_check_in, last_attempt, poster_url, public_url
from ...db import utcnow
from ...domains import registry
from ...errors import DomainError
from ...exports import csv_response
from ...forms import apply_error, int_arg
from ...web import ActionForm
from .. import services
from ..forms import ActivityForm, AdjustForm, BackfillForm, CancelForm, SkillsForm
from ..models import RECORD_STATUS_LABELS, REVIEW_REASON_LABELS, SKILL_LABELS, Activity, ServiceRecord

bp = Blueprint("volunteering_staff", __name__, url_prefix="/staff/volunteering")
bp.before_request(gate(Role.STAFF))


def _community_ids() -> list[int]:
    return [c.id for c in communities_for(current_user)]


@bp.context_processor
def _labels() -> dict:
    return {"record_status_labels": RECORD_STATUS_LABELS, "review_reason_labels": REVIEW_REASON_LABELS,
            "skill_labels": SKILL_LABELS}


# ------------------------------------------------------------------ activities


@bp.get("/")
def activities():
    now = utcnow()
    items = services.activities_for_staff(_community_ids())
    current = sorted([a for a in items if not a.is_cancelled and a.checkout_closes_at > now], key=lambda a: a.starts_at)
    past = [a for a in items if a not in current]
    return render_template("volunteering/staff_activities.html", current=current, past=past, now=now,
                           waiting=len(services.awaiting_confirmation(_community_ids())), communities=communities_for(current_user))


def _venue_choices() -> list[SelectChoice]:
    venues = checkin.venues_in(_community_ids(), active_only=True)
    return [SelectChoice(0, _("Choose…"))] + [SelectChoice(v.id, f"{v.display_name}（{v.community.name}）") for v in venues]


def _case_choices(keep: int | None = None) -> list[SelectChoice]:
    """None, the cases in implementation (办) in the staff member's communities, and the case already linked even
    when it has moved on (so saving an edit keeps the link)."""
    cases = registry().open_cases(_community_ids())
    kept = registry().case(keep) if keep else None
    if kept is not None and kept.id not in {c.id for c in cases}:
        cases.insert(0, kept)
    return [SelectChoice(0, _("— none —"))] + [SelectChoice(c.id, f"#{c.id} {c.title}") for c in cases]


def _values(form: ActivityForm) -> dict | None:
    venue = checkin.get_venue(form.venue.data)
    if venue is None or not has_role(current_user, Role.STAFF, venue.community):
        form.venue.errors = [*form.venue.errors, _("Please choose where volunteers check in.")]
        return None
    return dict(venue=venue, title=form.title.data, starts_at=form.starts_at, ends_at=form.ends_at, slots=form.slots.data,
                description=form.description.data or "", place=form.place.data or "",
                points_per_hour=form.points_per_hour.data, fixed_points=form.fixed_points.data,
                cap_minutes=form.cap_hours.data * 60 if form.cap_hours.data else None, proposal_id=form.proposal.data or None)


@bp.route("/activities/new", methods=["GET", "POST"])
def activity_new():
    form = ActivityForm()
    form.venue.choices, form.proposal.choices = _venue_choices(), _case_choices()
    if form.validate_on_submit() and (values := _values(form)) is not None:
        try:
            activity = services.create_activity(staff=current_user, **values)
        except DomainError as error:
            apply_error(form, error)
        else:
            flash(_("Activity published. Volunteers can sign up now."), "success")
            return redirect(url_for("volunteering_staff.activity", activity_id=activity.id))
    return render_template("volunteering/staff_activity_form.html", form=form, activity=None), \
        422 if form.errors or form.form_errors else 200


@bp.route("/activities/<int:activity_id>/edit", methods=["GET", "POST"])
def activity_edit(activity_id: int):
    activity = load_or_404(Activity, activity_id)
    form = ActivityForm(obj=activity) if request.method == "GET" else ActivityForm()
    form.venue.choices, form.proposal.choices = _venue_choices(), _case_choices(keep=activity.proposal_id)
    if request.method == "GET":
        form.venue.data, form.proposal.data = activity.venue_id, activity.proposal_id or 0
        form.show_times(activity.starts_at, activity.ends_at)
        form.cap_hours.data = activity.cap_minutes // 60 if activity.cap_minutes else None
    if form.validate_on_submit() and (values := _values(form)) is not None:
        try:
            services.update_activity(activity, staff=current_user, **values)
        except DomainError as error:
            apply_error(form, error)
        else:
            flash(_("Activity saved."), "success")
            return redirect(url_for("volunteering_staff.activity", activity_id=activity.id))
    return render_template("volunteering/staff_activity_form.html", form=form, activity=activity), \
        422 if form.errors or form.form_errors else 200


@bp.get("/activities/<int:activity_id>")
def activity(activity_id: int):
    return _activity_page(load_or_404(Activity, activity_id))


def _activity_page(activity: Activity, *, cancel_form: CancelForm | None = None, status: int = 200):
    return render_template(
        "volunteering/staff_activity.html", activity=activity, roster=services.roster(activity), now=utcnow(),
        poster=poster_url(activity.venue), kiosk=public_url("checkin.kiosk", token=activity.kiosk_token),
        cancel_form=cancel_form or CancelForm(formdata=None), case=registry().case(activity.proposal_id),
    ), status


@bp.post("/activities/<int:activity_id>/cancel")
def activity_cancel(activity_id: int):
    activity = load_or_404(Activity, activity_id)
    form = CancelForm()
    if not form.validate_on_submit():
        return _activity_page(activity, cancel_form=form, status=422)
    try:
        services.cancel_activity(activity, staff=current_user, reason=form.reason.data)
    except DomainError as error:
        apply_error(form, error)
        return _activity_page(activity, cancel_form=form, status=409)
    flash(_("Activity cancelled; the volunteers who signed up are told."), "success")
    return redirect(url_for("volunteering_staff.activity", activity_id=activity.id))


@bp.get("/activities/<int:activity_id>/roster")
def roster(activity_id: int):
    activity = load_or_404(Activity, activity_id)
    lines = services.roster(activity)
    return render_template("volunteering/staff_roster.html", activity=activity, roster=lines,
                           homes=checkin.unit_names([line["resident"].unit for line in lines]))


# ------------------------------------------------------------------ the desk: the check-in package's one service


def _step() -> Step:
    return Step.OUT if request.values.get("step") == Step.OUT.value else Step.IN


@bp.route("/activities/<int:activity_id>/scan", methods=["GET", "POST"])
def scan(activity_id: int):
    activity = load_or_404(Activity, activity_id)
    form, step = ScanForm(), _step()
    if form.validate_on_submit():
        last = desk_check_in(activity, Route.SCANNER, code=form.code.data, step=step)
        return redirect(url_for("volunteering_staff.scan", activity_id=activity.id, step=step.value, last=last))
    return _desk("volunteering/staff_scan.html", activity, step, form=form), 422 if form.errors else 200


@bp.route("/activities/<int:activity_id>/search", methods=["GET", "POST"])
def search(activity_id: int):
    activity = load_or_404(Activity, activity_id)
    search_form, step = SearchForm(request.args), _step()
    if request.method == "POST":
        pick = PickForm()
        if not pick.validate_on_submit():
            abort(400)
        last = desk_check_in(activity, Route.SEARCH, resident=load_or_404(Resident, pick.resident_id.data), step=step)
        return redirect(url_for("volunteering_staff.search", activity_id=activity.id, step=step.value,
                                q=request.args.get("q", ""), last=last))
    query = (search_form.q.data or "").strip()
    found = accounts.find_residents([activity.community_id], query) if query else []
    return _desk("volunteering/staff_search.html", activity, step, search_form=search_form, found=found,
                 homes=checkin.unit_names([r.unit for r in found]), pick_form=PickForm(formdata=None))


def _desk(template: str, activity: Activity, step: Step, **context):
    return render_template(template, activity=activity, step=step, steps=Step, **last_attempt(activity), **context)


@bp.route("/checkins/<int:checkin_id>/undo", methods=["GET", "POST"])
def undo_checkin(checkin_id: int):
    """Undo a mistaken check-in with the check-in package's one undo (logged with who and why), on a page of its
    own that asks for the reason: no script needed. Refused once the hours are confirmed."""
    row = checkin.get_checkin(checkin_id)
    if row is None or row.activity_id is None or not row.is_success or row.step != Step.IN.value:
        abort(404)
    activity = load_or_404(Activity, row.activity_id)
    form, status = UndoForm(), 200
    if form.validate_on_submit():
        try:
            checkin.undo_checkin(row, staff=current_user, reason=form.reason.data)
        except DomainError as error:
            apply_error(form, error)
            status = 409
        else:
            flash(_("The check-in of %(name)s is undone; hours not yet confirmed go with it.", name=row.resident.name),
                  "success")
            return redirect(url_for("volunteering_staff.roster", activity_id=activity.id))
    elif form.errors:
        status = 422
    return render_template("volunteering/staff_undo.html", activity=activity, row=row, form=form,
                           record=services.record_of_checkin(row)), status


@bp.route("/activities/<int:activity_id>/backfill", methods=["GET", "POST"])
def backfill(activity_id: int):
    """Hours of a volunteer without a phone, typed by staff; they wait for confirmation like any other."""
    activity = load_or_404(Activity, activity_id)
    search_form = SearchForm(request.args)
    query = (search_form.q.data or "").strip()
    people = {line["resident"].id: line["resident"] for line in services.roster(activity)}
    people.update({r.id: r for r in (accounts.find_residents([activity.community_id], query) if query else [])})
    form = BackfillForm()
    form.resident.choices = [SelectChoice(0, _("Choose…"))] + [SelectChoice(i, r.name) for i, r in people.items()]
    if request.method == "GET":
        form.show_times(activity.starts_at, activity.ends_at)  # start from the schedule; staff change what differed
    if form.validate_on_submit():
        resident = accounts.get_resident(form.resident.data) if form.resident.data else None
        if resident is None or resident.community_id != activity.community_id:
            form.resident.errors = [_("Please choose a volunteer.")]
        else:
            try:
                services.backfill_record(activity, resident, staff=current_user, started_at=form.starts_at,
                                         ended_at=form.ends_at, note=form.note.data)
            except DomainError as error:
                apply_error(form, error)
            else:
                flash(_("Hours recorded for %(name)s; they wait for confirmation.", name=resident.name), "success")
                return redirect(url_for("volunteering_staff.roster", activity_id=activity.id))
    return render_template("volunteering/staff_backfill.html", activity=activity, form=form, search_form=search_form), \
        422 if form.errors or form.form_errors else 200


# ------------------------------------------------------------------ confirmation


@bp.get("/queue")
def queue():
    return render_template("volunteering/staff_queue.html", records=services.awaiting_confirmation(_community_ids()),
                           form=ActionForm(formdata=None))


@bp.post("/records/<int:record_id>/confirm")
def confirm(record_id: int):
    record = load_or_404(ServiceRecord, record_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        services.confirm_record(record, staff=current_user)
    except DomainError as error:
        flash(str(error.message), "error")
    else:
        flash(_("%(name)s: %(hours)s hours confirmed, %(points)d points.", name=record.resident.name,
                hours=record.hours, points=record.points), "success")
    back = url_for("volunteering_staff.roster", activity_id=record.activity_id)
    return redirect(back if request.form.get("next") == back else url_for("volunteering_staff.queue"))


@bp.route("/records/<int:record_id>/adjust", methods=["GET", "POST"])
def adjust(record_id: int):
    record = load_or_404(ServiceRecord, record_id)
    form = AdjustForm()
    if request.method == "GET":
        form.minutes.data = record.confirmed_minutes if record.confirmed_minutes is not None else record.minutes
    if form.validate_on_submit():
        try:
            services.adjust_record(record, staff=current_user, minutes=form.minutes.data, reason=form.reason.data)
        except DomainError as error:
            apply_error(form, error)
        else:
            flash(_("%(name)s: %(hours)s hours confirmed, %(points)d points.", name=record.resident.name,
                    hours=record.hours, points=record.points), "success")
            return redirect(url_for("volunteering_staff.queue"))
    return render_template("volunteering/staff_adjust.html", record=record, form=form), \
        422 if form.errors or form.form_errors else 200


# ------------------------------------------------------------------ volunteers


@bp.get("/volunteers")
def volunteers():
    search_form = SearchForm(request.args)
    query = (search_form.q.data or "").strip()
    found = accounts.find_residents(_community_ids(), query) if query else []
    return render_template("volunteering/staff_volunteers.html", search_form=search_form, found=found,
                           homes=checkin.unit_names([r.unit for r in found]),
                           volunteers={r.id: services.volunteer_of(r) for r in found})


@bp.route("/residents/<int:resident_id>/register", methods=["GET", "POST"])
def register_for(resident_id: int):
    resident = load_or_404(Resident, resident_id)
    volunteer = services.volunteer_of(resident)
    form = SkillsForm(data={"skills": volunteer.skill_list} if volunteer else None)
    if form.validate_on_submit():
        try:
            services.register_volunteer(resident, actor=current_user, skills=form.skills.data or [])
        except DomainError as error:
            form.skills.errors = [*form.skills.errors, str(error.message)]
        else:
            flash(_("%(name)s is registered as a volunteer.", name=resident.name), "success")
            return redirect(url_for("volunteering_staff.volunteers"))
    return render_template("volunteering/staff_register.html", form=form, resident=resident, volunteer=volunteer), \
        422 if form.errors else 200


# ------------------------------------------------------------------ exports


@bp.get("/hours-by-volunteer.csv")
def hours_by_volunteer_csv():
    community = community_or_404(int_arg(request.args, "community"))
    header = [_("Name"), _("Building"), _("Confirmed hours"), _("Records"), _("Points")]
    rows = services.hours_by_volunteer(community.id)
    homes = checkin.unit_names([r.unit for r, *_rest in rows])
    return csv_response(f"volunteer-hours-{community.id}.csv", header,
                        [[r.name, homes.get(r.unit_id, ""), round(m / 60, 2), n, p] for r, m, n, p in rows])


@bp.get("/hours-by-activity.csv")
def hours_by_activity_csv():
    community = community_or_404(int_arg(request.args, "community"))
    header = [_("Activity"), _("Starts"), _("Ends"), _("Check-in venue"), _("Confirmed hours"), _("Records"), _("Points"), _("Cancelled")]
    return csv_response(f"activity-hours-{community.id}.csv", header, [
        [a.title, format_datetime(a.starts_at, "yyyy-MM-dd HH:mm"), format_datetime(a.ends_at, "yyyy-MM-dd HH:mm"),
         a.venue.display_name, round(m / 60, 2), n, p, _("yes") if a.is_cancelled else ""]
        for a, m, n, p in services.hours_by_activity(community.id)])
