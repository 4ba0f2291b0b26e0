"""Staff pages: venues and posters, meetings, invitees, votes, closing, API tokens (the desk is in desk.py, on
the same blueprint). Staff of another community get a 404 for every object here."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from wtforms import SelectChoice

from ...accounts import services as accounts
from ...accounts.models import Resident, Role
from ...accounts.permissions import communities_for, gate, has_role, load_or_404
from ...db import utcnow
from ...errors import DomainError
from ...forms import apply_error, int_arg
from ...qr import qr_svg
from ...units.models import Level, Unit, full_name, tree_order
from ...units.services import get_unit
from .. import services
from ..forms import (
    VENUE_KIND_LABELS,
    CancelForm,
    CloseForm,
    HandsForm,
    InviteForm,
    MeetingForm,
    SearchForm,
    TokenForm,
    VenueForm,
    VoteForm,
)
from ..models import Audience, Meeting, MeetingStatus, Venue
from .common import poster_url, unreachable_host

bp = Blueprint("checkin_staff", __name__, url_prefix="/staff")
bp.before_request(gate(Role.STAFF))


def _communities() -> list[Unit]:
    return communities_for(current_user)




# ------------------------------------------------------------------ venues


def _place_choices() -> list[SelectChoice]:
    choices = [SelectChoice(0, _("Choose…"))]
    for community in _communities():
        choices += [SelectChoice(u.id, full_name(u, below=Level.STREET)) for u in tree_order(services.venue_places(community))]
    return choices


@bp.get("/venues")
def venues():
    return render_template("checkin/staff_venues.html", venues=services.venues_in([c.id for c in _communities()]),
                           kinds=VENUE_KIND_LABELS)


@bp.route("/venues/new", methods=["GET", "POST"])
def venue_new():
    form = VenueForm()
    form.unit.choices = _place_choices()
    if form.validate_on_submit():
        try:
            venue = services.create_venue(
                staff=current_user, unit=get_unit(form.unit.data),
                name=form.name.data, kind=form.kind.data, brand=form.brand.data, location=form.location.data,
            )
        except DomainError as error:
            apply_error(form, error)
        else:
            flash(_("Venue %(name)s added. Print its poster.", name=venue.display_name), "success")
            return redirect(url_for("checkin_staff.venues"))
    return render_template("checkin/staff_venue_form.html", form=form, venue=None), 422 if form.errors or form.form_errors else 200


@bp.route("/venues/<int:venue_id>/edit", methods=["GET", "POST"])
def venue_edit(venue_id: int):
    venue = load_or_404(Venue, venue_id)
    form = VenueForm(obj=venue) if request.method == "GET" else VenueForm()
    form.unit.choices = _place_choices()
    if request.method == "GET":
        form.unit.data = venue.unit_id
    if form.validate_on_submit():
        try:
            services.update_venue(
                venue, staff=current_user, unit=get_unit(form.unit.data),
                name=form.name.data, kind=form.kind.data, brand=form.brand.data, location=form.location.data,
                is_active=form.is_active.data,
            )
        except DomainError as error:
            apply_error(form, error)
        else:
            flash(_("Venue saved."), "success")
            return redirect(url_for("checkin_staff.venues"))
    return render_template("checkin/staff_venue_form.html", form=form, venue=venue), 422 if form.errors or form.form_errors else 200


@bp.get("/venues/<int:venue_id>/poster")
def poster(venue_id: int):
    venue = load_or_404(Venue, venue_id)
    url = poster_url(venue)
    return render_template("checkin/poster.html", venue=venue, url=url, unreachable=unreachable_host(url),
                           qr=qr_svg(url, title=_("Check-in code of %(name)s", name=venue.display_name), css_class="qr poster-qr"))


# ------------------------------------------------------------------ meetings


@bp.get("/meetings")
def meetings():
    now = utcnow()
    communities = _communities()
    items = services.meetings_for_staff([c.id for c in communities], now=now)
    counts = services.attendance_counts([m.id for m in items])
    current = [m for m in items if m.status == MeetingStatus.SCHEDULED and m.closes_at > now]
    past = [m for m in reversed(items) if m not in current]
    return render_template("checkin/staff_meetings.html", current=current, past=past, counts=counts, now=now,
                           has_venues=bool(services.venues_in([c.id for c in communities], active_only=True)))


def _venue_choices() -> list[SelectChoice]:
    venues = services.venues_in([c.id for c in _communities()], active_only=True)
    return [SelectChoice(0, _("Choose…"))] + [SelectChoice(v.id, f"{v.display_name}（{v.community.name}）") for v in venues]


def _chosen_venue(form: MeetingForm):
    venue = services.get_venue(form.venue.data) if isinstance(form.venue.data, int) else None
    return venue if venue is not None and has_role(current_user, Role.STAFF, venue.community) else None


def _meeting_form_ok(form: MeetingForm) -> bool:
    """Validate every field, the venue among them, so that all problems show at once (not the venue a round later)."""
    if not form.is_submitted():
        return False
    valid = form.validate()
    if not form.venue.errors and _chosen_venue(form) is None:
        form.venue.errors = [_("Please choose a venue.")]
        valid = False
    return valid


def _meeting_values(form: MeetingForm) -> dict:
    venue = _chosen_venue(form)
    return {
        "venue": venue, "title": form.title.data, "starts_at": form.starts_at, "ends_at": form.ends_at,
        "opens_before": form.opens_before.data, "closes_after": form.closes_after.data, "points": form.points.data,
        "agenda": form.agenda.data or "", "security_mode": form.security_mode.data, "audience": form.audience.data,
    }


@bp.route("/meetings/new", methods=["GET", "POST"])
def meeting_new():
    form = MeetingForm()
    form.venue.choices = _venue_choices()
    if request.method == "GET" and int_arg(request.args, "venue"):
        form.venue.data = int_arg(request.args, "venue")
    if _meeting_form_ok(form):
        values = _meeting_values(form)
        try:
            meeting = services.schedule_meeting(staff=current_user, **values)
        except DomainError as error:
            apply_error(form, error)
        else:
            flash(_("Meeting scheduled."), "success")
            return redirect(url_for("checkin_staff.meeting", meeting_id=meeting.id))
    return render_template("checkin/staff_meeting_form.html", form=form, meeting=None), 422 if form.errors or form.form_errors else 200


@bp.route("/meetings/<int:meeting_id>/edit", methods=["GET", "POST"])
def meeting_edit(meeting_id: int):
    meeting = load_or_404(Meeting, meeting_id)
    form = MeetingForm(obj=meeting) if request.method == "GET" else MeetingForm()
    form.venue.choices = _venue_choices()
    if meeting.audience == Audience.UNIT:  # a topic's meeting for an area: keeping the area is a choice too
        form.audience.choices = [*form.audience.choices, (Audience.UNIT.value, _(
            "Residents of %(unit)s and invited participants", unit=meeting.unit.name))]
    if request.method == "GET":
        form.venue.data = meeting.venue_id
        form.show_times(meeting.starts_at, meeting.ends_at)
        form.opens_before.data = int((meeting.starts_at - meeting.opens_at).total_seconds() // 60)
        form.closes_after.data = int((meeting.closes_at - meeting.ends_at).total_seconds() // 60)
    if _meeting_form_ok(form):
        values = _meeting_values(form)
        try:
            services.update_meeting(meeting, staff=current_user, proposal_id=meeting.proposal_id, **values)
        except DomainError as error:
            apply_error(form, error)
        else:
            flash(_("Meeting saved."), "success")
            return redirect(url_for("checkin_staff.meeting", meeting_id=meeting.id))
    return render_template("checkin/staff_meeting_form.html", form=form, meeting=meeting), 422 if form.errors or form.form_errors else 200


@bp.get("/meetings/<int:meeting_id>")
def meeting(meeting_id: int):
    m = load_or_404(Meeting, meeting_id)
    return _meeting_page(m)


def _meeting_page(m: Meeting, *, vote_form: VoteForm | None = None, hands_form: HandsForm | None = None,
                  cancel_form: CancelForm | None = None, status: int = 200):
    votes = services.votes_of(m)
    return render_template(
        "checkin/staff_meeting.html", meeting=m, count=services.attendance_count(m), votes=votes,
        live={v.id: services.live_counts(v) for v in votes if v.is_open}, invitees=services.invitees_of(m),
        vote_form=vote_form or VoteForm(formdata=None), hands_form=hands_form or HandsForm(formdata=None),
        cancel_form=cancel_form or CancelForm(formdata=None), now=utcnow(),
    ), status


@bp.post("/meetings/<int:meeting_id>/cancel")
def meeting_cancel(meeting_id: int):
    m = load_or_404(Meeting, meeting_id)
    form = CancelForm()
    if form.validate_on_submit():
        try:
            services.cancel_meeting(m, staff=current_user, reason=form.reason.data)
        except DomainError as error:
            apply_error(form, error)
        else:
            flash(_("The meeting is cancelled."), "success")
            return redirect(url_for("checkin_staff.meeting", meeting_id=m.id))
    return _meeting_page(m, cancel_form=form, status=422)


@bp.route("/meetings/<int:meeting_id>/close", methods=["GET", "POST"])
def meeting_close(meeting_id: int):
    m = load_or_404(Meeting, meeting_id)
    form = CloseForm()
    count = services.attendance_count(m)
    if request.method == "GET":
        form.headcount.data = count
    if form.validate_on_submit():
        try:
            services.close_meeting(m, staff=current_user, minutes=form.minutes.data or "", headcount=form.headcount.data)
        except DomainError as error:
            apply_error(form, error)
        else:
            if m.is_flagged_for_review:
                flash(_("Meeting closed. Fewer people were counted than checked in: the meeting is flagged for review."), "warning")
            else:
                flash(_("Meeting closed."), "success")
            return redirect(url_for("checkin_staff.meeting", meeting_id=m.id))
    return render_template("checkin/staff_close.html", meeting=m, form=form, count=count), 422 if form.errors or form.form_errors else 200


# ------------------------------------------------------------------ invitees


@bp.route("/meetings/<int:meeting_id>/invitees", methods=["GET", "POST"])
def invitees(meeting_id: int):
    m = load_or_404(Meeting, meeting_id)
    if request.method == "POST":
        form = InviteForm()
        if not form.validate_on_submit():
            abort(400)
        try:
            services.invite(m, load_or_404(Resident, form.resident_id.data), staff=current_user, role=form.role.data)
        except DomainError as error:
            flash(str(error.message), "error")
        else:
            flash(_("Invited."), "success")
        return redirect(url_for("checkin_staff.invitees", meeting_id=m.id, q=request.args.get("q", "")))
    search_form = SearchForm(request.args)
    query = (search_form.q.data or "").strip()
    found = accounts.find_residents([m.community_id], query) if query else []
    current = services.invitees_of(m)
    return render_template("checkin/staff_invitees.html", meeting=m, invitees=current, search_form=search_form,
                           found=found, invited={i.resident_id for i in current}, invite_form=InviteForm(formdata=None))


@bp.post("/invitees/<int:invitee_id>/remove")
def invitee_remove(invitee_id: int):
    invitee = services.get_invitee(invitee_id)
    if invitee is None:
        abort(404)
    m = load_or_404(Meeting, invitee.meeting_id)
    try:
        services.uninvite(invitee, staff=current_user)
    except DomainError as error:
        flash(str(error.message), "error")
    return redirect(url_for("checkin_staff.invitees", meeting_id=m.id))


# ------------------------------------------------------------------ votes


@bp.post("/meetings/<int:meeting_id>/votes")
def vote_open(meeting_id: int):
    m = load_or_404(Meeting, meeting_id)
    form = VoteForm()
    if form.validate_on_submit():
        try:
            services.open_vote(m, staff=current_user, question=form.question.data)
        except DomainError as error:
            apply_error(form, error)
        else:
            flash(_("The vote is open: residents checked in can vote on their phones."), "success")
            return redirect(url_for("checkin_staff.meeting", meeting_id=m.id))
    return _meeting_page(m, vote_form=form, status=422)


@bp.post("/meetings/<int:meeting_id>/hands")
def vote_hands(meeting_id: int):
    m = load_or_404(Meeting, meeting_id)
    form = HandsForm()
    if form.validate_on_submit():
        try:
            services.record_show_of_hands(m, staff=current_user, question=form.question.data, yes=form.yes.data,
                                          no=form.no.data, abstain=form.abstain.data)
        except DomainError as error:
            apply_error(form, error)
        else:
            flash(_("The show of hands is recorded."), "success")
            return redirect(url_for("checkin_staff.meeting", meeting_id=m.id))
    return _meeting_page(m, hands_form=form, status=422)


@bp.post("/votes/<int:vote_id>/close")
def vote_close(vote_id: int):
    vote = services.get_vote(vote_id)
    if vote is None:
        abort(404)
    m = load_or_404(Meeting, vote.meeting_id)
    try:
        services.close_vote(vote, staff=current_user)
    except DomainError as error:
        flash(str(error.message), "error")
    else:
        flash(_("The vote is closed."), "success")
    return redirect(url_for("checkin_staff.meeting", meeting_id=m.id))


# ------------------------------------------------------------------ API tokens


@bp.route("/api-tokens", methods=["GET", "POST"])
def api_tokens():
    form = TokenForm()
    created = None
    status = 200
    if form.validate_on_submit():
        try:
            _, created = services.create_api_token(current_user, name=form.name.data)
        except DomainError as error:
            apply_error(form, error)
            status = 422
        else:
            form = TokenForm(formdata=None)
            status = 201
    elif request.method == "POST":
        status = 422
    return render_template("checkin/staff_tokens.html", form=form, created=created,
                           tokens=services.tokens_of(current_user)), status


@bp.post("/api-tokens/<int:token_id>/revoke")
def api_token_revoke(token_id: int):
    token = services.get_api_token(token_id)
    if token is None or token.resident_id != current_user.id:
        abort(404)
    services.revoke_api_token(token, owner=current_user)
    flash(_("The token is revoked."), "success")
    return redirect(url_for("checkin_staff.api_tokens"))
