"""Helpers the check-in pages share: addresses printed in QR codes, and who is asking."""
from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

from flask import Request, current_app, request, url_for

from ..devices import compact_user_agent
from ..models import Venue


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
