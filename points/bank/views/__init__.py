"""The bank's pages (one blueprint, `bank`): residents (resident), the desk (staff), the catalogue (catalogue)."""
from __future__ import annotations

from flask import Flask

from . import catalogue, resident, staff  # noqa: F401  (each adds its routes to the blueprint)
from .common import bp


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    app.config.setdefault("UPLOAD_FOLDER", None)
