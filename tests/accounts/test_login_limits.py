"""The login limit holds under parallel guesses and across worker processes (issue 14, finding 4)."""
from __future__ import annotations

import socket
import threading
import time
import uuid
from collections import Counter

import pytest
from limits import parse, storage, strategies

from points import create_app
from points.accounts import services as accounts
from points.accounts.models import Resident

from ..conftest import _config
from ..factories import Factory
from ..helpers import race

LIMIT = "10/5minutes"


def test_parallel_wrong_passwords_get_no_more_checks_than_the_limit(app, monkeypatch):
    with app.app_context():
        Factory().resident(phone="13912340000")
        from points.db import db
        db.session.commit()
    checks = Counter()
    real = Resident.check_password

    def slow_check(self, password):
        checks["n"] += 1
        time.sleep(0.05)  # a real scrypt hash takes this long, and parallel tries overlap in it
        return real(self, password)

    monkeypatch.setattr(Resident, "check_password", slow_check)

    def guess(i):
        accounts.authenticate("13912340000", f"wrong-{i}", client=f"10.0.0.{i}", limit=LIMIT, client_limit="1000/minute")

    answers = Counter(race(app, 30, guess))
    assert answers == {"invalid_login": 10, "rate_limited": 20}
    assert checks["n"] == 10


def test_the_per_address_limit_counts_every_attempt(app):
    with app.app_context():
        for i in range(5):
            with pytest.raises(accounts.InvalidLogin):
                accounts.authenticate(f"1391234000{i}", "x", client="1.2.3.4", limit=LIMIT, client_limit="5/minute")
        with pytest.raises(accounts.TooManyAttempts):
            accounts.authenticate("13912340009", "x", client="1.2.3.4", limit=LIMIT, client_limit="5/minute")


def test_a_right_password_takes_its_attempt_back(app):
    with app.app_context():
        person = Factory().resident(phone="13912340001")
        from points.db import db
        db.session.commit()
        for _ in range(6):
            accounts.authenticate(person.phone, "password123", client="1.2.3.4", limit=LIMIT, client_limit="5/minute")


def test_the_default_store_is_shared_by_worker_processes(tmp_path):
    """Two apps (as two gunicorn workers) on the default settings count one limit between them."""
    config = _config(f"sqlite:///{tmp_path / 'db.sqlite3'}")
    del config["RATELIMIT_STORAGE_URI"]
    workers = []
    for _ in range(2):
        app = create_app(config)
        app.instance_path = str(tmp_path)  # as if both ran from one checkout
        workers.append(app)
    from points import ratelimit
    for app in workers:
        app.config["RATELIMIT_STORAGE_URI"] = None
        ratelimit.init_app(app)
        assert type(app.extensions["points_ratelimit"].storage).__name__ == "SQLiteFileStorage"
    allowed = []
    for i in range(10):
        with workers[i % 2].app_context():
            allowed.append(ratelimit.hit("6/minute", "login-phone", "13900000000"))
    assert allowed == [True] * 6 + [False] * 4
    assert (tmp_path / "ratelimits.sqlite3").exists()


def test_the_file_store_counts_once_under_threads(tmp_path):
    from points import ratelimit_store

    backend = ratelimit_store.SQLiteFileStorage(f"points+sqlite://{tmp_path / 'r.sqlite3'}")
    limiter = strategies.FixedWindowRateLimiter(backend)
    item = parse("25/minute")
    results = []
    barrier = threading.Barrier(8)

    def worker():
        barrier.wait()
        for _ in range(10):
            results.append(limiter.hit(item, "k"))

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results.count(True) == 25


def _redis_up() -> bool:
    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=0.5).close()
    except OSError:
        return False
    return True


@pytest.mark.skipif(not _redis_up(), reason="no Redis on 127.0.0.1:6379")
def test_redis_when_configured_is_shared_by_two_apps(tmp_path):
    apps = [create_app(_config(f"sqlite:///{tmp_path / 'db.sqlite3'}", RATELIMIT_STORAGE_URI="redis://127.0.0.1:6379/15"))
            for _ in range(2)]
    key = uuid.uuid4().hex
    allowed = []
    for i in range(8):
        with apps[i % 2].app_context():
            from points import ratelimit
            allowed.append(ratelimit.hit("5/minute", "login-phone", key))
    assert allowed == [True] * 5 + [False] * 3
    assert isinstance(apps[0].extensions["points_ratelimit"].storage, storage.RedisStorage)
