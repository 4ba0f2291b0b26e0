"""The volunteering blueprints: `volunteering` (volunteers, the public certificate check) and
`volunteering_staff` (activities, the desk, the confirmation queue, exports)."""
from __future__ import annotations

from flask import Flask

from . import resident, staff


def init_app(app: Flask) -> None:
    app.register_blueprint(resident.bp)
    app.register_blueprint(staff.bp)
