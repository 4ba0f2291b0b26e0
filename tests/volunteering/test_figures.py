"""Volunteering shares its hours with standing and oversight through the registry's figure providers."""
from __future__ import annotations

from datetime import timedelta

from points.db import db
from points.domains import registry
from points.volunteering import services

from .conftest import END, START


def test_confirmed_and_pending_hours_reach_the_registry(scene, app):
    activity = scene.activity()
    person = scene.volunteer()
    record = services.backfill_record(activity, person, staff=scene.staff, started_at=START, ended_at=END, note="老人无手机")
    window = dict(community_ids=[scene.community.id], start=START - timedelta(days=1), end=END + timedelta(days=1))
    assert registry(app).figure_values("volunteer_hours_pending", by="community", **window) == {scene.community.id: 2.0}
    assert registry(app).figure_values("volunteer_hours", by="resident", **window) == {}
    services.confirm_record(record, staff=scene.other_staff, now=END)
    assert registry(app).figure_values("volunteer_hours", by="resident", **window) == {person.id: 2.0}
    assert registry(app).figure_values("volunteer_hours", by="community", **window) == {scene.community.id: 2.0}
    assert registry(app).figure_values("volunteer_hours_pending", by="community", **window) == {}
    later = dict(window, start=END + timedelta(days=1), end=END + timedelta(days=2))
    assert registry(app).figure_values("volunteer_hours", by="resident", **later) == {}


def test_a_cancelled_activity_is_told_to_everyone_signed_up_in_their_inbox(scene, client):
    from points.proposals.services import inbox_of

    from ..helpers import login
    from .conftest import BEFORE

    activity = scene.activity()
    services.sign_up(activity, scene.resident, now=BEFORE)
    services.cancel_activity(activity, staff=scene.staff, reason="下雨")
    told = inbox_of(scene.resident)
    assert [n.kind for n in told] == ["activity_cancelled"] and told[0].target == f"activity:{activity.id}"
    assert inbox_of(scene.staff) == []
    login(client, scene.resident)
    page = client.get("/proposals/inbox").get_data(as_text=True)
    assert activity.title in page
    opened = client.post(f"/proposals/inbox/{told[0].id}")
    assert opened.status_code == 302 and opened.headers["Location"].endswith(f"/volunteering/activities/{activity.id}")


def test_the_notice_of_a_cancellation_made_over_http_is_kept(scene, app):
    """Over HTTP, end to end: staff cancel on the desk, the volunteer finds the notice on their own phone."""
    from ..helpers import login
    from .conftest import BEFORE

    activity = scene.activity()
    services.sign_up(activity, scene.resident, now=BEFORE)
    db.session.commit()
    desk, phone = app.test_client(), app.test_client()
    login(desk, scene.staff)
    cancelled = desk.post(f"/staff/volunteering/activities/{activity.id}/cancel", data={"reason": "下雨"})
    assert cancelled.status_code == 302
    login(phone, scene.resident)
    assert activity.title in phone.get("/proposals/inbox").get_data(as_text=True)
