"""The proposal pages (one blueprint, `proposals`): a resident suggests, follows, objects, rates and confirms
(resident); staff and council screen and manage cases (staff); anyone reads the public board (公示栏), the printable
notice (公示) and the case file (一事一档) (public). Views load, check, call one service and redirect."""
from __future__ import annotations

from flask import Flask, g, render_template
from flask_login import current_user
from markupsafe import Markup

from ...accounts.models import Role
from ...domains import registry
from .. import services
from . import public, resident, screening, staff  # noqa: F401  (each adds its routes to the blueprint)
from .common import bp


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    registry(app).wallet_panel(inbox_panel)
    registry(app).staff_panel(screening.staff_panel)

    @app.context_processor
    def _unread() -> dict:
        def unread() -> int:
            return unread_of(current_user) if current_user.is_authenticated else 0

        def is_council() -> bool:
            return current_user.is_authenticated and any(g.role == Role.COUNCIL.value for g in current_user.grants)
        return {"unread_messages": unread, "is_council": is_council}


def unread_of(person) -> int:
    """The person's unread messages, counted once per request: the navigation's badge and the wallet's panel both
    show the number."""
    counted = g.setdefault("points_unread", {})
    if person.id not in counted:
        counted[person.id] = services.unread_count(person)
    return counted[person.id]


def inbox_panel(person, lifetime: int):
    """On the wallet: the unread messages, one tap from the inbox."""
    count = unread_of(person)
    return Markup(render_template("proposals/_inbox_panel.html", count=count))
