"""`points demo` shows the workflow at once: topics in several stages, one archived with its outcome award."""
from __future__ import annotations

from sqlalchemy import func, select

from points import create_app
from points.db import db
from points.ledger.models import Transaction
from points.proposals import services
from points.proposals.models import Proposal

from ..conftest import _config


def test_demo_has_topics_in_telling_stages(tmp_path):
    app = create_app(_config(f"sqlite:///{tmp_path / 'demo.sqlite3'}"))
    result = app.test_cli_runner().invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        states = dict(db.session.execute(select(Proposal.state, func.count(Proposal.id)).group_by(Proposal.state)).all())
        assert {"archived", "publicised", "implementing", "submitted", "rejected"} <= states.keys()
        assert db.session.scalar(select(func.count(Transaction.id)).where(Transaction.action == "proposal_done_rated")) == 1
        queue = services.screening_queue([p.community_id for p in db.session.scalars(select(Proposal))])
        assert any(services.is_overdue(p) for p in queue)
        implementing = db.session.scalar(select(Proposal).where(Proposal.state == "implementing"))
        assert services.is_overdue(implementing)
        served = services.case_file(implementing).activities
        assert [a.title for a, _ in served] == ["花园长椅刷漆志愿服务"]
        db.engine.dispose()
