"""Oversight (§8): the staff dashboard, exports, and the public books (明白账) with the ledger's verification
status and its published daily chain heads. It reads every other domain; none reads it."""
from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from ..domains import registry
    from . import demo, views

    app.register_blueprint(views.bp)
    registry(app).demo_loader(demo.load)
