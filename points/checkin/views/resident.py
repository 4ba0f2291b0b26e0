"""What residents and the venue see: the scan landing page, the ticket through login, the result, meetings,
votes, and the kiosk that shows the rotating code."""
from __future__ import annotations

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ...accounts.models import Role
from ...accounts.permissions import has_role
from ...db import utcnow
from ...errors import DomainError
from ...forms import int_arg
from ...ledger.services import balance_of
from ...qr import qr_svg
from ...web import ActionForm
from .. import services
from ..explain import headline, subline, when
from ..models import Meeting, Route, Vote
from .common import client_address, device_of, kiosk_url

bp = Blueprint("checkin", __name__)
SESSION_TICKETS = "checkin_tickets"


# ------------------------------------------------------------------ scanning a venue


@bp.get("/v/<token>")
def venue(token: str):
    """Where a poster's or kiosk's QR code leads. Logged in: check in now. Logged out: validate the scan and
    carry it through login in a ticket bound to this browser."""
    place = services.venue_by_token(token)
    if place is None or not place.is_active:
        abort(404)
    code = request.args.get("k", "")[:64]
    if current_user.is_authenticated:
        outcome = services.check_in(place, services.CheckinRequest(
            route=Route.KIOSK if code else Route.POSTER, actor=current_user, code=code, device=device_of(request),
            client=client_address(request),
        ))
        return redirect(url_for("checkin.result", checkin_id=outcome.checkin_id))
    issued = services.issue_ticket(place, code=code, device=device_of(request), client=client_address(request))
    if issued.refusal is not None:
        row = issued.refusal.checkin
        return render_template("checkin/venue.html", venue=place, row=row, headline=headline(row), message=subline(row))
    ticket = issued.ticket
    session[SESSION_TICKETS] = [*session.get(SESSION_TICKETS, [])[-2:], ticket.token]
    return redirect(url_for("accounts.login", next=url_for("checkin.ticket", token=ticket.token)))


@bp.get("/checkin/t/<token>")
def ticket(token: str):
    if not current_user.is_authenticated:
        return redirect(url_for("accounts.login", next=request.full_path.rstrip("?")))
    held = services.ticket_by_token(token)
    used = services.get_checkin(held.checkin_id) if held is not None else None
    if used is not None and used.resident_id == current_user.id:
        return redirect(url_for("checkin.result", checkin_id=used.id))  # a reload shows the same answer
    if held is None or used is not None or token not in session.get(SESSION_TICKETS, []):
        # Tickets work only in the browser that scanned: a forwarded link must not check anyone in from home.
        return render_template("checkin/venue.html", venue=held.venue if held else None, row=None,
                               headline=_("Not checked in"), message=_("Please scan the code at the venue again.")), 404
    outcome = services.check_in(held.venue, services.CheckinRequest(
        route=Route(held.route), actor=current_user, ticket=held, device=device_of(request),
        client=client_address(request)))
    session[SESSION_TICKETS] = [t for t in session.get(SESSION_TICKETS, []) if t != token]
    return redirect(url_for("checkin.result", checkin_id=outcome.checkin_id))


@bp.get("/checkins/<int:checkin_id>")
@login_required
def result(checkin_id: int):
    row = services.get_checkin(checkin_id)
    if row is None or current_user.id not in (row.resident_id, row.actor_id):
        abort(404)
    return render_template(
        "checkin/result.html", row=row, headline=headline(row), message=subline(row),
        balance=balance_of(current_user) if row.resident_id == current_user.id else None,
        open_votes=_open_votes(row.meeting) if row.meeting and row.is_success else [],
        target=row.target,
    )


def _open_votes(meeting: Meeting) -> list[Vote]:
    return [v for v in services.votes_of(meeting) if v.is_open]


# ------------------------------------------------------------------ meetings for residents


@bp.get("/meetings")
@login_required
def meetings():
    now = utcnow()
    upcoming = services.upcoming_meetings(current_user.community_id, now=now)
    attended = services.attended_by(current_user)
    mine = {c.meeting_id for c in attended}
    return render_template("checkin/meetings.html", upcoming=upcoming, attended=attended, mine=mine, now=now)


def _visible_meeting(meeting_id: int) -> Meeting:
    meeting = services.get_meeting(meeting_id)
    if meeting is None or (meeting.community_id != current_user.community_id and not has_role(current_user, Role.STAFF, meeting.community)):
        abort(404)
    return meeting


@bp.get("/meetings/<int:meeting_id>")
@login_required
def meeting(meeting_id: int):
    m = _visible_meeting(meeting_id)
    votes = services.votes_of(m)
    return render_template(
        "checkin/meeting.html", meeting=m, standing=services.standing_checkin(m, current_user),
        votes=votes, ballots=services.ballots_of(current_user, votes), count=services.attendance_count(m),
        invited=services.is_invited(m, current_user),
    )


@bp.post("/meetings/<int:meeting_id>/votes/<int:vote_id>")
@login_required
def ballot(meeting_id: int, vote_id: int):
    m = _visible_meeting(meeting_id)
    vote = services.get_vote(vote_id)
    if vote is None or vote.meeting_id != m.id:
        abort(404)
    if ActionForm().validate_on_submit():
        try:
            services.cast_ballot(vote, current_user, request.form.get("choice", ""))
        except DomainError as error:
            flash(str(error.message), "error")
        else:
            flash(_("Your vote is recorded."), "success")
    return redirect(url_for("checkin.meeting", meeting_id=m.id))


# ------------------------------------------------------------------ the kiosk at the venue


def _kiosk_meeting(token: str):
    """The meeting, or other checkable thing (a volunteer activity), whose kiosk this is."""
    meeting = services.checkable_by_kiosk_token(token)
    if meeting is None:
        abort(404)
    return meeting


def _kiosk_json(meeting, *, have: int | None = None) -> dict:
    """What the kiosk shows now, in words. The QR is sent only when the slot changed since the kiosk's last one."""
    now = services.kiosk_state(meeting)
    if now.why_over == "cancelled":
        note = _("This meeting was cancelled.")
    elif now.state == "over":
        note = _("Check-in is over.")
    elif now.state == "before":
        note = _("Check-in opens at %(time)s", time=when(now.opens_at, reference=now.now))
    else:
        note = _("Scan with WeChat or your phone's camera to check in")
    data = {
        "state": now.state, "note": note, "count": now.count, "slot": now.slot,
        "next_in": round(now.seconds_left, 2), "server_time": now.now.isoformat(),
    }
    if now.code and have != now.slot:
        url = kiosk_url(meeting, now.code)
        data["url"] = url
        data["svg"] = str(qr_svg(url, title=_("Check-in code"), css_class="qr kiosk-qr"))
    return data


@bp.get("/kiosk/<token>")
def kiosk(token: str):
    m = _kiosk_meeting(token)
    return render_template("checkin/kiosk.html", meeting=m, state=_kiosk_json(m))


@bp.get("/kiosk/<token>/state")
def kiosk_poll(token: str):
    response = jsonify(_kiosk_json(_kiosk_meeting(token), have=int_arg(request.args, "have")))
    response.headers["Cache-Control"] = "no-store"
    return response
