"""The public-welfare bank (公益银行): catalogue, donations and two-phase redemption."""
from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from ..domains import registry
    from . import cli, demo, verify, views
    from .views.panel import staff_panel

    views.init_app(app)
    app.cli.add_command(cli.bank)
    registry(app).checker("bank stock", verify.check_stock)
    registry(app).demo_loader(demo.load)
    registry(app).staff_panel(staff_panel)
