"""The five-level unit tree: district → street → community → compound → building."""
from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from ..domains import registry
    from . import cli, demo
    from .models import Level

    app.add_template_global(lambda level: Level(level).label, "level_label")
    app.cli.add_command(cli.units)
    registry(app).demo_loader(demo.load)
