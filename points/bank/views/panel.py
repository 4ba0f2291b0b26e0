"""The bank's panel on the staff 工作台: requests to approve, rewards waiting to be handed over, and overdue ones."""
from __future__ import annotations

from flask import render_template
from markupsafe import Markup

from ... import clock
from .. import services
from ..services.desk import count_overdue
from ..models import RedemptionState


def staff_panel(staff, communities) -> Markup:
    ids = [c.id for c in communities]
    return Markup(render_template(
        "bank/_staff_panel.html", requested=services.count_in(ids, RedemptionState.REQUESTED),
        ready=services.count_in(ids, RedemptionState.APPROVED), overdue=count_overdue(ids, now=clock.now()),
    ))
