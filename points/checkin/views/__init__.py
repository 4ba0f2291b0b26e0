"""The check-in blueprints: `checkin` (residents, the venue scan, the kiosk), `checkin_staff` (the desk and
meeting management) and `checkin_api` (JSON), wired in by `init_app`."""
from __future__ import annotations

import re

from flask import Flask, request, session
from flask_babel import gettext as _

from .. import api, services
from ..explain import REASON_LABELS, ROUTE_LABELS, when
from ..forms import INVITEE_ROLE_LABELS, VENUE_KIND_LABELS
from ..models import CheckinTicket
from . import desk, resident, staff  # desk adds its routes to the staff blueprint

_TICKET_NEXT = re.compile(r"^/checkin/t/([A-Za-z0-9_-]+)$")


def _ticket_in(next_path: str) -> CheckinTicket | None:
    """The ticket this browser was given, when `next` leads back to it."""
    match = _TICKET_NEXT.match(next_path)
    if match is None or match.group(1) not in session.get(resident.SESSION_TICKETS, []):
        return None
    return services.ticket_by_token(match.group(1))


def _ticket_community(next_path: str) -> int | None:
    """Registering on the way to a check-in: the venue's community is the resident's."""
    ticket = _ticket_in(next_path)
    return ticket.meeting.community_id if ticket is not None else None


def _ticket_notice() -> dict:
    """On the login page reached from a scan, say what logging in will do (the login template shows it)."""
    if request.endpoint not in ("accounts.login", "accounts.register"):
        return {}
    ticket = _ticket_in(request.args.get("next", ""))
    if ticket is None:
        return {}
    return {"ticket_notice": _("Log in and you will be checked in to %(meeting)s at %(venue)s.",
                               meeting=ticket.meeting.title, venue=ticket.venue.display_name)}


def community_hint(next_path: str) -> int | None:
    return _ticket_community(next_path)


def init_app(app: Flask) -> None:
    app.register_blueprint(resident.bp)
    app.register_blueprint(staff.bp)
    api.init_app(app)
    app.context_processor(_ticket_notice)
    app.add_template_global(ROUTE_LABELS, "checkin_route_labels")
    app.add_template_global(REASON_LABELS, "checkin_reason_labels")
    app.add_template_global(VENUE_KIND_LABELS, "venue_kind_labels")
    app.add_template_global(INVITEE_ROLE_LABELS, "invitee_role_labels")
    app.add_template_global(when, "checkin_when")
