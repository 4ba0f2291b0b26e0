"""points: community governance points and the public-welfare bank.

`create_app()` builds the Flask application; each domain package wires itself in with `init_app(app)`.
"""
from __future__ import annotations

from pathlib import Path

from flask import Flask

ROOT = Path(__file__).resolve().parent.parent


def create_app(test_config: dict | None = None) -> Flask:
    app = Flask(
        __name__,
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
        instance_path=str(ROOT / "instance"),
        instance_relative_config=True,
    )

    from . import config

    config.load(app, test_config)

    from . import errors, extensions, i18n, web

    extensions.init_app(app)
    i18n.init_app(app)
    errors.init_app(app)
    web.init_app(app)

    from .domains import init_domains

    init_domains(app)

    from . import cli

    cli.init_app(app)
    return app
