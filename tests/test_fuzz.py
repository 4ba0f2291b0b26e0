"""No input answers 5xx (issue 14, finding 9): every route of the URL map, every method, with junk in the path,
the query string and the form fields, as staff and as a resident, on SQLite and on PostgreSQL. First one
deterministic pass over every route with each kind of junk, then Hypothesis mixes them."""
from __future__ import annotations

import re
from urllib.parse import quote, urlencode

import pytest
from flask_wtf import FlaskForm
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from wtforms.fields.core import UnboundField

from points.db import db

from .factories import PASSWORD
from .test_isolation_matrix import World

JUNK = [
    "", "0", "-1", "²", "٣", "1_000", " 7 ", "\x00", "a\x00b", "9" * 40, "2147483648", "9223372036854775808",
    "-9223372036854775809", "1e9", "true", "null", "../../etc/passwd", "<script>x</script>", "ａｂｃ", "\u202e",
]
EXTRA_KEYS = ["q", "before", "last", "have", "venue", "community", "next", "page", "code", "meeting", "lang", "size"]


def _field_names() -> list[str]:
    names: set[str] = set()
    stack = list(FlaskForm.__subclasses__())
    while stack:
        cls = stack.pop()
        stack.extend(cls.__subclasses__())
        names.update(name for name in dir(cls) if isinstance(getattr(cls, name, None), UnboundField))
    return sorted(names | set(EXTRA_KEYS))


junk = st.one_of(
    st.sampled_from(JUNK),
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
    st.text(st.characters(blacklist_categories=("Cs",)), max_size=20),
)


def _routes(app) -> list[tuple[str, str, list[str]]]:
    return sorted(
        (rule.rule, method, sorted(rule.arguments))
        for rule in app.url_map.iter_rules() if rule.endpoint != "static"
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"})
    )


def _path(rule: str, values: dict[str, str]) -> str:
    return re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", lambda m: quote(values[m.group(1)], safe=""), rule)


@pytest.fixture(params=["sqlite", "postgresql"])
def fuzzed(request, tmp_path):
    app = request.getfixturevalue("app" if request.param == "sqlite" else "pg_app")
    app.config.update(CHECKIN_RATE_LIMIT="100000/minute", LOGIN_RATE_LIMIT="100000/minute",
                      LOGIN_CLIENT_RATE_LIMIT="100000/minute", REGISTER_RATE_LIMIT="100000/minute",
                      REGISTER_COMMUNITY_RATE_LIMIT="100000/minute")
    with app.app_context():
        world = World()
        valid = {**world.arguments("static"), "token": world.venue.poster_token, "size": "thumb", "decision": "confirm",
                 "filename": "css/app.css"}
        phones = [world.staff.phone, world.resident.phone]
        db.session.commit()
    clients = []
    for phone in phones:
        client = app.test_client()
        assert client.post("/login", data={"phone": phone, "password": PASSWORD}).status_code == 302
        clients.append(client)
    return app, valid, clients, _field_names()


def _send(client, method: str, path: str, query: dict, form: dict):
    url = path + ("?" + urlencode(query) if query else "")
    response = client.open(url, method=method, data=form if method != "GET" else None)
    response.close()
    assert response.status_code < 500, (method, url, form, response.get_data(as_text=True)[:300])
    return response


def test_every_route_answers_junk_without_a_5xx(fuzzed):
    app, valid, clients, fields = fuzzed
    for rule, method, arguments in _routes(app):
        for value in JUNK:
            values = {name: value if value else str(valid.get(name, "1")) for name in arguments}
            form = {name: value for name in fields}
            _send(clients[len(value) % 2], method, _path(rule, values), {key: value for key in EXTRA_KEYS}, form)
            if arguments:  # the real objects with junk around them reach deeper
                _send(clients[0], method, _path(rule, {n: str(valid.get(n, "1")) for n in arguments}), {}, form)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(data=st.data())
def test_hypothesis_mixes_junk_over_routes_and_fields(fuzzed, data):
    app, valid, clients, fields = fuzzed
    rule, method, arguments = data.draw(st.sampled_from(_routes(app)))
    values = {name: data.draw(st.one_of(st.just(str(valid.get(name, "1"))), junk)) for name in arguments}
    query = data.draw(st.dictionaries(st.sampled_from(fields), junk, max_size=4))
    form = data.draw(st.dictionaries(st.sampled_from(fields), junk, max_size=8))
    _send(data.draw(st.sampled_from(clients)), method, _path(rule, values), query, form)
