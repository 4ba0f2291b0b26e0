"""Venues, meetings and QR check-in (§5): the one `check_in` service, its log, the kiosk, the desk and the API."""
from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from ..domains import registry
    from . import demo, verify, views
    from .views.panel import staff_panel
    from .earning import MEETING_ATTENDED

    views.init_app(app)
    registry(app).community_hint(views.community_hint)
    registry(app).checker("checkins", verify.check_checkins)
    registry(app).demo_loader(demo.load_demo_attendance)
    registry(app).demo_loader(demo.load_demo_meetings)
    registry(app).earning_action(MEETING_ATTENDED)
    registry(app).staff_panel(staff_panel)
