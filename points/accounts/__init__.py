"""Residents (every user account), roles granted on units, login."""
from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from ..domains import registry
    from . import admin, cli, demo, permissions, views

    views.init_app(app)
    app.register_blueprint(admin.bp)
    app.cli.add_command(cli.create_admin)
    app.context_processor(permissions.page_context)
    registry(app).demo_loader(demo.load)
