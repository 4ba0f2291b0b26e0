"""`points demo` shows standing and oversight at once: levels and badges on the wallet, an honour roll with masked
names (and one resident who left every list), the indices with the proposal workflow's figures, the dashboard's
breakdowns, and the public books with a verify run and published heads."""
from __future__ import annotations

import re

from sqlalchemy import func, select

from points import create_app
from points.accounts.models import Resident
from points.db import db
from points.ledger.models import PublishedHead, VerifyRun
from points.standing.models import EarnedBadge
from points.units.models import Unit

from ..conftest import _config


def login(client, person) -> None:
    client.post("/logout")
    assert client.post("/login", data={"phone": person.phone, "password": "demo12345"}).status_code == 302


def test_the_demo_shows_levels_badges_the_honour_roll_indices_dashboard_and_books(tmp_path):
    app = create_app(_config(f"sqlite:///{tmp_path / 'demo.sqlite3'}"))
    result = app.test_cli_runner().invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    client = app.test_client()
    with app.app_context():
        assert db.session.scalar(select(func.count(EarnedBadge.id))) >= 5
        assert db.session.scalar(select(VerifyRun.is_ok).limit(1)) is True
        assert db.session.scalar(select(func.count(PublishedHead.id))) >= 1
        community = db.session.scalar(select(Unit).where(Unit.name == "宏业村街道第一社区")) or db.session.scalar(
            select(Unit).where(Unit.level == "community").order_by(Unit.id))
        wang = db.session.scalar(select(Resident).where(Resident.phone == "13900000001"))
        staff = db.session.scalar(select(Resident).where(Resident.phone == "13800000001"))
        shown, hidden = (db.session.scalar(select(Resident).where(Resident.phone == f"139000000{n:02d}")) for n in (5, 8))
        community_id, shown_name, hidden_name = community.id, shown.name, hidden.name

        login(client, wang)
        wallet = client.get("/wallet").get_data(as_text=True)
        assert "新芽" in wallet or "热心邻里" in wallet
        assert 'class="badge' in wallet

        honour = client.get(f"/honour/{community_id}").get_data(as_text=True)
        earners = honour.split('data-testid="earners"')[1].split("</table>")[0]
        assert re.search(r"<td>[\u4e00-\u9fff]\*+</td>", earners)  # masked names
        assert shown_name in earners and hidden_name not in honour and hidden_name[0] + "*" * (len(hidden_name) - 1) not in earners
        assert 'data-testid="compound-fortress"' in honour

        login(client, staff)
        indices = client.get(f"/staff/indices/{community_id}").get_data(as_text=True)
        assert 'data-testid="pioneers"' in indices and 'data-testid="compound-fortress"' in indices
        dashboard = client.get(f"/staff/dashboard/{community_id}").get_data(as_text=True)
        assert 'data-testid="suggestions_by_stage"' in dashboard and 'data-testid="figure-suggestions_overdue"' in dashboard
        books = client.get(f"/books/{community_id}").get_data(as_text=True)
        assert "heads.csv" in books
        db.engine.dispose()
