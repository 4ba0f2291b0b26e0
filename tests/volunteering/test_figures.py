"""Volunteering shares its hours with standing and oversight through the registry's figure providers."""
from __future__ import annotations

from datetime import timedelta

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
