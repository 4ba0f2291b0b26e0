"""Two people registering one phone number at the same moment: one account, one clear refusal."""
from __future__ import annotations

import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import func, select

from points.accounts import services as accounts
from points.accounts.models import Resident
from points.errors import DomainError
from points.db import db
from points.units.models import Unit

from ..factories import Factory


def test_same_phone_registered_eight_times_at_once(any_app):
    with any_app.app_context():
        make = Factory()
        building_id = make.building(make.community()).id
    barrier = threading.Barrier(8)

    def sign_up(i):
        with any_app.app_context():
            barrier.wait()
            try:
                accounts.register_resident(name=f"居民{i}", phone="13812345678", password="password-1", unit=db.session.get(Unit, building_id))
                return "ok"
            except DomainError as error:
                return error.code
            finally:
                db.session.remove()

    with ThreadPoolExecutor(8) as pool:
        results = Counter(pool.map(sign_up, range(8)))
    assert results == {"ok": 1, "phone_taken": 7}
    with any_app.app_context():
        assert db.session.scalar(select(func.count(Resident.id)).where(Resident.phone == "13812345678")) == 1
