"""The Flask extensions, created once and bound in `init_app`. The database object itself lives in `points.db`."""
from __future__ import annotations

from pathlib import Path

from flask import Flask
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_wtf import CSRFProtect

from .db import db, install_sqlite_pragmas

migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()


def init_app(app: Flask) -> None:
    uri = app.config["SQLALCHEMY_DATABASE_URI"]
    if uri.startswith("sqlite"):
        # Writers wait for each other (BEGIN IMMEDIATE) instead of failing at once with "database is locked".
        options = dict(app.config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
        options["connect_args"] = {"timeout": 30, **options.get("connect_args", {})}
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = options
    db.init_app(app)
    with app.app_context():
        engine = db.engine
        if engine.dialect.name == "sqlite":
            install_sqlite_pragmas(engine)
    migrate.init_app(app, db, directory=str(_migrations_dir()), render_as_batch=True, compare_type=True)
    csrf.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "accounts.login"
    login_manager.session_protection = "basic"


def _migrations_dir() -> Path:
    return Path(__file__).resolve().parent / "migrations"

