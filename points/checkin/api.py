"""The JSON API for scanner devices (and, later, a mini-program): POST /api/v1/checkins, GET /api/v1/meetings,
and its OpenAPI description at /api/v1/openapi.json.

Authenticated by a personal API token (`Authorization: Bearer pts_…`) or by the staff session. Only token
calls skip CSRF: a browser session must send the X-CSRFToken header, or any page could post with its cookie.
"""
from __future__ import annotations

import json
from pathlib import Path

from flask import Blueprint, Response, current_app, g, jsonify, request
from flask_babel import gettext as _
from flask_login import current_user

from ..accounts.models import Resident, Role
from ..accounts.permissions import communities_for, has_role
from ..db import utcnow
from ..extensions import csrf
from ..forms import MAX_ID
from . import codes, services
from .explain import explain
from .models import Route
from .services.checkins import CheckinOutcome
from .views.common import client_address, device_of

bp = Blueprint("checkin_api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)  # CSRF is checked in `_caller` for session calls; token calls carry no ambient credential
OPENAPI = Path(__file__).resolve().parent / "openapi.json"
MAX_DEPTH = 8  # the API's bodies are flat objects
FIELDS = {"code", "meeting", "nonce"}


def _error(status: int, reason: str, message: str) -> tuple[Response, int]:
    response = jsonify({"status": "error", "reason": reason, "message": message})
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="points"'
    return response, status


def _caller() -> Resident | None:
    """The token's owner, or the logged-in user after a CSRF check; None when neither."""
    header = request.headers.get("Authorization", "")
    if header.lower().startswith("bearer "):
        found = services.resident_for_token(header[7:].strip())
        if found is None:
            return None
        g.api_device = f"API {found[1].name} · {device_of(request)}"
        return found[0]
    if current_user.is_authenticated:
        if current_app.config.get("WTF_CSRF_ENABLED", True):
            csrf.protect()  # raises CSRFError, answered as JSON by points.errors
        g.api_device = device_of(request)
        return current_user._get_current_object()  # type: ignore[attr-defined]
    return None


def _json_body() -> object:
    """The JSON body, or None for anything a careful client would not send: not JSON, nested deeper than
    MAX_DEPTH (Python's parser recurses), or text with a NUL or a lone surrogate (neither can be stored)."""
    try:
        body = request.get_json(silent=True)
    except RecursionError:
        return None
    stack = [(body, 0)]
    while stack:
        value, depth = stack.pop()
        if depth > MAX_DEPTH:
            return None
        if isinstance(value, dict):
            stack.extend((item, depth + 1) for pair in value.items() for item in pair)
        elif isinstance(value, list):
            stack.extend((item, depth + 1) for item in value)
        elif isinstance(value, str) and ("\x00" in value or not _encodable(value)):
            return None
    return body


def _encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _unanswerable(message: str) -> dict:
    return {"status": "error", "reason": "no_meeting", "message": message, "resident": None, "checked_in_at": None,
            "points": 0, "checkin": None, "meeting": None, "replayed": False}


def outcome_json(outcome: CheckinOutcome) -> dict:
    row = outcome.checkin
    resident = row.resident
    return {
        "status": "ok" if row.is_success else "error",
        "reason": row.reason,
        "message": explain(row),
        "resident": {"id": resident.id, "name": resident.name, "member_code": resident.member_code} if resident else None,
        "checked_in_at": outcome.checked_in_at.isoformat() if outcome.checked_in_at else None,
        "points": row.points,
        "checkin": row.id,
        "meeting": row.meeting_id,
        "replayed": outcome.replayed,
    }


@bp.post("/checkins")
def create_checkin():
    caller = _caller()
    if caller is None:
        return _error(401, "unauthenticated", _("Log in, or send a valid API token."))
    body = _json_body()
    if not isinstance(body, dict):
        return _error(400, "bad_request", _("Send a JSON object with code, meeting and nonce."))
    if set(body) - FIELDS:
        return _error(400, "bad_request", _("Send only code, meeting and nonce."))
    code, meeting_id, nonce = body.get("code"), body.get("meeting"), body.get("nonce")
    if not isinstance(code, str) or not 0 < len(code) <= 300:
        return _error(400, "bad_request", _("`code` must be the scanned text."))
    if nonce is not None and (not isinstance(nonce, str) or not 0 < len(nonce) <= 64):
        return _error(400, "bad_request", _("`nonce` must be a string of up to 64 characters."))
    if "meeting" in body and (isinstance(meeting_id, bool) or not isinstance(meeting_id, int)):
        return _error(400, "bad_request", _("`meeting` must be the meeting's number."))
    scanned = codes.parse_scanned(code)
    if scanned.kind == "venue":
        # The caller scanned a venue for themselves (an app on the resident's own phone).
        outcome = services.check_in(services.venue_by_token(scanned.venue_token), services.CheckinRequest(
            route=Route.KIOSK if scanned.kiosk else Route.POSTER, actor=caller, code=scanned.kiosk, nonce=nonce,
            device=g.api_device, client=client_address(request),
        ))
        return jsonify(outcome_json(outcome))
    if meeting_id is None:
        # A member code (or anything else) names no meeting by itself: an answer, as every refusal is.
        return jsonify(_unanswerable(_("Choose the meeting: send `meeting` with a member code.")))
    meeting = services.get_meeting(meeting_id) if 0 < meeting_id <= MAX_ID else None
    if meeting is None or not has_role(caller, Role.STAFF, meeting.community):
        return _error(404, "not_found", _("No such meeting in your communities."))
    outcome = services.check_in(meeting, services.CheckinRequest(
        route=Route.API, actor=caller, code=code, nonce=nonce, device=g.api_device, client=client_address(request)))
    return jsonify(outcome_json(outcome))


@bp.get("/meetings")
def list_meetings():
    """Meetings a scanner device can check residents in to now: today's, in the caller's communities."""
    caller = _caller()
    if caller is None:
        return _error(401, "unauthenticated", _("Log in, or send a valid API token."))
    now = utcnow()
    meetings = services.meetings_open_today([c.id for c in communities_for(caller)], now=now)
    counts = services.attendance_counts([m.id for m in meetings])
    return jsonify({"meetings": [
        {
            "id": m.id, "title": m.title, "venue": m.venue.display_name, "starts_at": m.starts_at.isoformat(),
            "ends_at": m.ends_at.isoformat(), "opens_at": m.opens_at.isoformat(), "closes_at": m.closes_at.isoformat(),
            "is_open": m.window_contains(now), "checked_in": counts.get(m.id, 0),
        }
        for m in meetings
    ]})


@bp.get("/openapi.json")
def openapi():
    return Response(OPENAPI.read_text(encoding="utf-8"), mimetype="application/json")


def load_openapi() -> dict:
    return json.loads(OPENAPI.read_text(encoding="utf-8"))


def init_app(app) -> None:
    app.register_blueprint(bp)
