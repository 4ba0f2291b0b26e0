"""The proposal pages (one blueprint, `proposals`)."""
from __future__ import annotations

from flask import Blueprint, Flask

bp = Blueprint("proposals", __name__, url_prefix="/proposals")


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
