"""Volunteering (志愿服务, §6): volunteers, activities and sign-ups, check-in and check-out through the check-in
package's one machinery, confirmed hours, points and star levels, certificates."""
from __future__ import annotations

from flask import Flask


class ActivityKind:
    """How the check-in package finds activities without importing this package (`registry.checkable_kind`)."""

    prefix = "a"

    @staticmethod
    def get(ident: int):
        from .services import get_activity
        return get_activity(ident)

    @staticmethod
    def by_kiosk_token(token: str):
        from .services import activity_by_kiosk_token
        return activity_by_kiosk_token(token)

    @staticmethod
    def open_at(venue, moment):
        from .services import activities_open_at
        return activities_open_at(venue, moment)


def init_app(app: Flask) -> None:
    from ..domains import registry
    from flask_babel import lazy_gettext as _l

    from . import cli, demo, figures, panel, verify, views
    from .earning import VOLUNTEER_HOUR
    from .services import records  # noqa: F401  (connects the check-out receiver)

    views.init_app(app)
    app.cli.add_command(cli.volunteering)
    registry(app).checker("volunteering", verify.check_volunteering)
    registry(app).demo_loader(demo.load)
    registry(app).earning_action(VOLUNTEER_HOUR)
    registry(app).checkable_kind(ActivityKind)
    registry(app).wallet_panel(panel.wallet_panel)
    registry(app).figure("volunteer_hours", figures.hours_by_resident, by="resident", label=_l("Volunteer hours confirmed"))
    registry(app).figure("volunteer_hours", figures.hours_by_community, by="community", label=_l("Volunteer hours confirmed"))
    registry(app).figure("volunteer_hours", figures.hours_by_compound, by="compound")
    registry(app).figure("volunteer_hours_pending", figures.pending_hours_by_community, by="community",
                         label=_l("Volunteer hours awaiting confirmation"))
