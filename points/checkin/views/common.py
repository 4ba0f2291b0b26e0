"""Helpers the check-in pages share: addresses printed in QR codes, who is asking, and the staff desk's steps
(also the volunteering desk's: any `Checkable`)."""
from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

from flask import Request, current_app, request, url_for
from flask_login import current_user

from ...forms import int_arg
from .. import services
from ..devices import compact_user_agent
from ..explain import headline, subline
from ..models import Route, Step, Venue


def public_url(endpoint: str, **values: object) -> str:
    """An absolute address for a QR code. PUBLIC_BASE_URL (instance/config.py) wins over the address the page
    was opened at, so a poster printed from http://localhost still leads residents to the real server."""
    base = current_app.config.get("PUBLIC_BASE_URL") or request.url_root
    return base.rstrip("/") + url_for(endpoint, **values)


def unreachable_host(url: str) -> str | None:
    """The host of `url` when a resident's phone could not reach it from the street: a loopback or private address,
    or a name like localhost. None when it looks public. (A private address does work on the same Wi-Fi; the
    poster page says so.)"""
    host = urlsplit(url).hostname or ""
    if host in ("localhost", "") or host.endswith((".local", ".localhost")):
        return host or url
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return None
    return host if address.is_loopback or address.is_private or address.is_link_local or address.is_unspecified else None


def poster_url(venue: Venue) -> str:
    return public_url("checkin.venue", token=venue.poster_token)


def kiosk_url(meeting, code: str) -> str:
    """The address a kiosk's QR carries: the venue's poster address with the rotating code (any `Checkable`)."""
    return public_url("checkin.venue", token=meeting.venue.poster_token, k=code)


def client_address(req: Request) -> str:
    return req.remote_addr or "-"


def device_of(req: Request) -> str:
    """What the log keeps of the user agent (200 characters, the ones that name the app and the phone)."""
    return compact_user_agent(req.headers.get("User-Agent"))


# ------------------------------------------------------------------ the staff desk


def desk_check_in(target, route: Route, *, code: str = "", resident=None, step: Step | None = None) -> int:
    """Check a resident in (or out) at the desk, as the staff member asking: by the member `code` scanned or typed,
    or the `resident` found by name. The log row's id, for the page the desk redirects to (`?last=`)."""
    return services.check_in(target, services.CheckinRequest(
        route=route, actor=current_user, code=code, resident=resident, step=step, device=device_of(request),
        client=client_address(request))).checkin_id


def last_attempt(target) -> dict:
    """What the desk says about the attempt it just made (`?last=<id>`): the row, its headline and its line; nothing
    when the row is of another target or another staff member (an id in the address shows no one else's)."""
    last = services.get_checkin(int_arg(request.args, "last"))
    if last is None or getattr(last, target.checkin_column) != target.id or last.actor_id != current_user.id:
        return {"last": None, "last_headline": "", "last_message": ""}
    return {"last": last, "last_headline": headline(last), "last_message": subline(last)}
