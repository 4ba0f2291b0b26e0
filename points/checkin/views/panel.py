"""The check-in panel on the staff 工作台: today's and the coming week's meetings, one tap from their desk."""
from __future__ import annotations

from datetime import timedelta

from flask import render_template
from markupsafe import Markup

from ... import clock
from .. import services


def staff_panel(staff, communities) -> Markup:
    now = clock.now()
    ids = [c.id for c in communities]
    today = services.meetings_open_today(ids, now=now)
    week_end = now + timedelta(days=7)
    later = [m for m in services.meetings_for_staff(ids, now=now, past_days=0)
             if m not in today and m.status == "scheduled" and m.starts_at < week_end and m.starts_at > now]
    counts = services.attendance_counts([m.id for m in today])
    return Markup(render_template("checkin/_staff_panel.html", today=today, later=later, counts=counts))
