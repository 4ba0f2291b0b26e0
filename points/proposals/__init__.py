"""The proposal workflow (议题, §4): from a resident's suggestion to the archived case file, its points, the public
notice board and the resident's inbox (消息)."""
from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from ..domains import registry
    from . import cli, demo, receivers, views  # noqa: F401 - receivers connect at import
    from .cases import ProposalCases
    from .earning import ACTIONS

    views.init_app(app)
    app.cli.add_command(cli.proposals)
    registry(app).demo_loader(demo.load)
    registry(app).case_source(ProposalCases)
    for action in ACTIONS:
        registry(app).earning_action(action)
    from .figures import init_app as register_figures
    register_figures(app)  # matters, tasks and suggestions for standing and oversight
