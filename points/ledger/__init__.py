"""The points ledger (积分账本): double-entry, append-only, idempotent, hash-chained."""
from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from ..domains import registry
    from . import cli, demo, views

    views.init_app(app)
    app.cli.add_command(cli.ledger)
    registry(app).home("ledger.wallet")
    registry(app).demo_loader(demo.load)
