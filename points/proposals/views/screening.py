"""The screening queue (定): suggestions waiting for staff or the council, oldest first, the overdue ones marked;
and its panel on the staff 工作台. Council members screen from the case page it links to."""
from __future__ import annotations

from flask import abort, render_template, request
from flask_login import current_user
from markupsafe import Markup

from ... import clock
from ...accounts.models import Role
from ...accounts.permissions import has_role
from ...forms import int_arg
from .. import services
from .common import bp, login_redirect


@bp.get("/screening")
def screening():
    if not current_user.is_authenticated:
        return login_redirect()
    communities = services.screening_communities(current_user)
    if not communities:
        abort(403)
    wanted = int_arg(request.args, "community")
    if wanted is not None:
        communities = [c for c in communities if c.id == wanted]
        if not communities:
            abort(404)
    now = clock.now()
    queue = services.screening_queue([c.id for c in communities])
    staff_of = {c.id for c in communities if has_role(current_user, Role.STAFF, c)}
    return render_template(
        "proposals/screening.html", queue=queue, community=communities[0] if wanted is not None else None,
        overdue={p.id for p in queue if services.is_overdue(p, now)}, staff_of=staff_of,
    )


def staff_panel(staff, communities) -> Markup:
    """On the staff 工作台: how many suggestions wait to be screened, and how many are overdue."""
    waiting, overdue = services.screening_counts([c.id for c in communities], now=clock.now())
    return Markup(render_template("proposals/_staff_panel.html", waiting=waiting, overdue=overdue))
