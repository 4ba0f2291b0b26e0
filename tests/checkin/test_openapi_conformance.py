"""The published description and the API agree (issue 14, finding 11): Schemathesis generates requests from
/api/v1/openapi.json, valid and invalid, sends them with a staff token, and checks every answer against the
description (status codes, bodies, headers; no 5xx; schema-valid requests accepted, invalid ones refused; a 405
names the allowed methods). A bounded number of examples keeps it fast."""
from __future__ import annotations

from datetime import timedelta

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings

from points.checkin import services
from points.db import db, utcnow

from .conftest import Scene


@pytest.fixture
def api_schema(app, make):
    app.config.update(CHECKIN_STAFF_RATE_LIMIT="100000/minute", CHECKIN_RATE_LIMIT="100000/minute")
    scene = Scene(make)
    now = utcnow()
    services.schedule_meeting(staff=scene.staff, venue=scene.venue, title="楼道照明改造", starts_at=now - timedelta(minutes=10),
                              ends_at=now + timedelta(hours=1), now=now - timedelta(days=1))
    token = services.create_api_token(scene.staff, name="前台扫码枪")[1]
    db.session.commit()
    app.config["TEST_API_TOKEN"] = token
    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)


EXAMPLES = 40  # per operation and mode


@pytest.mark.parametrize("mode", [schemathesis.GenerationMode.POSITIVE, schemathesis.GenerationMode.NEGATIVE])
def test_the_api_keeps_to_its_description(api_schema, app, mode):
    headers = {"Authorization": f"Bearer {app.config['TEST_API_TOKEN']}"}
    c = schemathesis.checks
    checks = [c.not_a_server_error, c.status_code_conformance, c.content_type_conformance, c.response_schema_conformance,
              c.response_headers_conformance, c.negative_data_rejection, c.positive_data_acceptance, c.ignored_auth,
              c.missing_required_header]
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert {op.label for op in operations} >= {"POST /checkins", "GET /meetings"}
    for operation in operations:

        @given(case=operation.as_strategy(generation_mode=mode))
        @settings(max_examples=EXAMPLES, deadline=None, database=None, suppress_health_check=list(HealthCheck))
        def exchange(case):
            case.call_and_validate(headers=headers, checks=checks)

        exchange()


@pytest.mark.parametrize(("method", "path"), [("POST", "/api/v1/meetings"), ("DELETE", "/api/v1/checkins"),
                                              ("PUT", "/login"), ("GET", "/logout")])
def test_a_405_names_the_allowed_methods(client, method, path):
    response = client.open(path, method=method)
    assert response.status_code == 405
    allowed = {m.strip() for m in response.headers["Allow"].split(",")}
    assert allowed and method not in allowed


def test_a_member_code_without_a_meeting_is_an_answer_not_a_400(client, api_schema, app):
    response = client.post("/api/v1/checkins", json={"code": "0"},
                           headers={"Authorization": f"Bearer {app.config['TEST_API_TOKEN']}"})
    assert response.status_code == 200
    data = response.get_json()
    assert (data["status"], data["reason"], data["checkin"]) == ("error", "no_meeting", None)


def test_unknown_fields_are_refused_as_the_description_says(client, api_schema, app):
    response = client.post("/api/v1/checkins", json={"code": "0", "meeting": 1, "extra": 1},
                           headers={"Authorization": f"Bearer {app.config['TEST_API_TOKEN']}"})
    assert response.status_code == 400
