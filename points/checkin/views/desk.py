"""The check-in desk for staff: scan or type a member code, find a resident by name, the attendance list
and its CSV, undo, and the log of every attempt. Routes of the `checkin_staff` blueprint."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import format_datetime
from flask_babel import gettext as _
from flask_login import current_user

from ...accounts import services as accounts
from ...accounts.models import Resident
from ...accounts.permissions import load_or_404
from ...errors import DomainError
from ...exports import csv_response
from ...forms import int_arg
from .. import services
from ..devices import describe_device
from ..explain import ROUTE_LABELS, explain
from ..forms import PickForm, ScanForm, SearchForm, UndoForm
from ..models import Checkin, Meeting, Route
from .common import desk_check_in, last_attempt
from .staff import bp


@bp.route("/meetings/<int:meeting_id>/scan", methods=["GET", "POST"])
def scan(meeting_id: int):
    m = load_or_404(Meeting, meeting_id)
    form = ScanForm()
    if form.validate_on_submit():
        last = desk_check_in(m, Route.SCANNER, code=form.code.data)
        return redirect(url_for("checkin_staff.scan", meeting_id=m.id, last=last))
    return _desk("checkin/staff_scan.html", m, form=form), 422 if form.errors else 200


@bp.route("/meetings/<int:meeting_id>/search", methods=["GET", "POST"])
def search(meeting_id: int):
    m = load_or_404(Meeting, meeting_id)
    search_form = SearchForm(request.args)
    if request.method == "POST":
        pick = PickForm()
        if pick.validate_on_submit():
            last = desk_check_in(m, Route.SEARCH, resident=load_or_404(Resident, pick.resident_id.data))
            return redirect(url_for("checkin_staff.search", meeting_id=m.id, q=request.args.get("q", ""), last=last))
        abort(400)
    query = (search_form.q.data or "").strip()
    found = accounts.find_residents([m.community_id], query) if query else []
    checked = {c.resident_id: c for c in services.attendance(m, include_undone=False)}
    return _desk("checkin/staff_search.html", m, search_form=search_form, found=found, checked=checked,
                 homes=services.unit_names([r.unit for r in found]), pick_form=PickForm(formdata=None))


def _desk(template: str, m: Meeting, **context):
    return render_template(template, meeting=m, count=services.attendance_count(m), **last_attempt(m), **context)


@bp.get("/meetings/<int:meeting_id>/attendance")
def attendance(meeting_id: int):
    m = load_or_404(Meeting, meeting_id)
    rows = services.attendance(m)
    standing_ids = {c.resident_id for c in rows if c.undo is None}
    absent = [i for i in services.invitees_of(m) if i.resident_id not in standing_ids]
    return render_template("checkin/staff_attendance.html", meeting=m, rows=rows, absent=absent,
                           homes=services.unit_names([c.resident.unit for c in rows]), undo_form=UndoForm(formdata=None),
                           count=len(standing_ids))


@bp.get("/meetings/<int:meeting_id>/attendance.csv")
def attendance_csv(meeting_id: int):
    m = load_or_404(Meeting, meeting_id)
    header = [_("No."), _("Name"), _("Building"), _("Checked in at"), _("How"), _("By"), _("Points"), _("Undone")]
    return csv_response(f"attendance-meeting-{m.id}.csv", header, _attendance_rows(services.attendance(m)))


def _attendance_rows(rows: list[Checkin]) -> list[list[object]]:
    """One line per success in order; undone ones keep their line, without a number."""
    homes = services.unit_names([c.resident.unit for c in rows])
    lines, number = [], 0
    for c in rows:
        number += c.undo is None
        lines.append([
            number if c.undo is None else "", c.resident.name, homes.get(c.resident.unit_id, ""),
            format_datetime(c.created_at, "yyyy-MM-dd HH:mm:ss"), str(ROUTE_LABELS[c.route]), c.actor.name if c.actor else "",
            c.points, c.undo.reason if c.undo else "",
        ])
    return lines


@bp.post("/checkins/<int:checkin_id>/undo")
def undo(checkin_id: int):
    row = services.get_checkin(checkin_id)
    if row is None or row.meeting is None:
        abort(404)
    m = load_or_404(Meeting, row.meeting_id)
    form = UndoForm()
    if not form.validate_on_submit():
        flash(_("Please give a reason for undoing the check-in."), "error")
    else:
        try:
            services.undo_checkin(row, staff=current_user, reason=form.reason.data)
        except DomainError as error:
            flash(str(error.message), "error")
        else:
            flash(_("The check-in of %(name)s is undone and its points reversed.", name=row.resident.name), "success")
    return redirect(url_for("checkin_staff.attendance", meeting_id=m.id))


@bp.get("/meetings/<int:meeting_id>/log")
def log(meeting_id: int):
    m = load_or_404(Meeting, meeting_id)
    before = int_arg(request.args, "before")
    rows = services.checkin_log(m, before_id=before)
    return render_template("checkin/staff_log.html", meeting=m, rows=rows, explain=explain, device=describe_device,
                           more=rows[-1].id if len(rows) == 200 else None)
