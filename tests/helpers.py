"""Helpers shared by the test packages: racing threads, and logging a test client in as someone."""
from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

from flask import Flask
from flask.testing import FlaskClient

from points.db import db
from points.errors import DomainError

from .factories import PASSWORD


def race(app: Flask, count: int, work) -> list:
    """Run `work(i)` in `count` threads released together, each in its own app context and session.

    A refusal comes back as its code (a `DomainError`'s `code`); any other exception fails the test.
    """
    barrier = threading.Barrier(count)

    def run(i: int):
        with app.app_context():
            barrier.wait()
            try:
                return work(i)
            except DomainError as error:
                return error.code
            except Exception as error:  # noqa: BLE001 - reported below, with the others
                return error
            finally:
                db.session.remove()

    with ThreadPoolExecutor(count) as pool:
        results = list(pool.map(run, range(count), timeout=120))
    errors = [r for r in results if isinstance(r, Exception)]
    assert not errors, errors
    return results


def login(client: FlaskClient, person) -> FlaskClient:
    """Log `client` in as `person` (made by the factories), after logging out whoever it was."""
    client.post("/logout")
    response = client.post("/login", data={"phone": person.phone, "password": PASSWORD})
    assert response.status_code == 302, "login failed"
    return client


def provide_figure(app: Flask, name: str, fn, *, by: str, label: str = "") -> None:
    """Stand a fake provider in for figure `name` (replacing a domain's real one, e.g. volunteering's hours)."""
    from points.domains import registry

    registry(app).figures.pop((by, name), None)
    registry(app).figure(name, fn, by=by, label=label or name)
